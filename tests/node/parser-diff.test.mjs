// Differential test of obleth's HTTP request parser against a second implementation: Node's own server
// (node:http, which parses with llhttp). Every request of the fuzz seed corpus and a list of tricky cases go to
// both: to obleth through tests/fuzz/parse_request_tool (OBLETH_PARSE_REQUEST_TOOL; CTest sets it), to Node
// through a real http.createServer on 127.0.0.1 and a raw socket. They must agree on whether the first request
// is accepted, and on its method, target, headers and body. Where obleth is stricter (or different) on purpose,
// the case is in ALLOWED with the reason; an allowed case that no longer differs fails, so the list stays true.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TOOL = process.env.OBLETH_PARSE_REQUEST_TOOL;
if (!TOOL) throw new Error("set OBLETH_PARSE_REQUEST_TOOL to the parse_request_tool executable (CTest does)");
const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, "..", "fuzz", "corpus", "request_parser");

const H = "Host: a\r\n";
/** Tricky requests: framing (CL/TE), folding, line ends, chunk syntax, whitespace, control bytes. */
const TRICKY = {
  "cl-and-te": `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  "te-and-cl": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
  "two-cl-different": `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
  "two-cl-same": `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
  "cl-list": `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`,
  "cl-plus": `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`,
  "cl-negative": `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`,
  "cl-leading-zeros": `POST / HTTP/1.1\r\n${H}Content-Length: 003\r\n\r\nabc`,
  "cl-spaces": `POST / HTTP/1.1\r\n${H}Content-Length:   3   \r\n\r\nabc`,
  "cl-huge": `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`,
  "cl-hex": `POST / HTTP/1.1\r\n${H}Content-Length: 0x3\r\n\r\nabc`,
  "obs-fold": `GET / HTTP/1.1\r\n${H}X-Long: one\r\n two\r\n\r\n`,
  "obs-fold-first-header": `GET / HTTP/1.1\r\n X-Long: one\r\n${H}\r\n`,
  "bare-lf": `POST /v1/completions HTTP/1.1\n${H.replace("\r", "")}Content-Length: 5\n\nhello`,
  "bare-lf-request-line-only": `GET / HTTP/1.1\n${H}\r\n`,
  "bare-cr-in-value": `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`,
  "chunked": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  "chunked-bare-lf": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n`,
  "chunk-extension": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n0;last\r\n\r\n`,
  "chunk-extension-quoted": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a="b;c"\r\nhello\r\n0\r\n\r\n`,
  "chunk-extension-space": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 ; a=b\r\nhello\r\n0\r\n\r\n`,
  "chunk-extension-long": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;e=${"x".repeat(2000)}\r\nhello\r\n0\r\n\r\n`,
  "chunk-size-0x": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`,
  "chunk-size-plus": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n`,
  "chunk-size-leading-space": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n`,
  "chunk-size-trailing-space": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n`,
  "chunk-size-uppercase": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nA\r\nhellohello\r\n0\r\n\r\n`,
  "chunk-size-overflow": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n`,
  "chunk-data-no-crlf": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`,
  "chunked-trailer": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`,
  "te-chunked-uppercase": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n`,
  "te-gzip-chunked": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
  "te-chunked-twice": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  "te-identity": `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n`,
  "te-http10": `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  "space-before-colon": `GET / HTTP/1.1\r\nHost : a\r\n\r\n`,
  "space-in-name": `GET / HTTP/1.1\r\n${H}X A: b\r\n\r\n`,
  "empty-header-name": `GET / HTTP/1.1\r\n${H}: b\r\n\r\n`,
  "header-no-colon": `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`,
  "nul-in-value": `GET / HTTP/1.1\r\n${H}X-A: a\0b\r\n\r\n`,
  "nul-in-target": `GET /a\0b HTTP/1.1\r\n${H}\r\n`,
  "nul-in-method": `G\0T / HTTP/1.1\r\n${H}\r\n`,
  "del-in-value": `GET / HTTP/1.1\r\n${H}X-A: a\x7fb\r\n\r\n`,
  "tab-in-value": `GET / HTTP/1.1\r\n${H}X-A: a\tb\r\n\r\n`,
  "obs-text-in-value": `GET / HTTP/1.1\r\n${H}X-A: caf\xe9\r\n\r\n`,
  "obs-text-in-target": `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`,
  "leading-crlf": `\r\nGET / HTTP/1.1\r\n${H}\r\n`,
  "two-leading-crlf": `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`,
  "lowercase-method": `get / HTTP/1.1\r\n${H}\r\n`,
  "custom-method": `FROB / HTTP/1.1\r\n${H}\r\n`,
  "two-spaces-after-method": `GET  / HTTP/1.1\r\n${H}\r\n`,
  "trailing-space-after-version": `GET / HTTP/1.1 \r\n${H}\r\n`,
  "http-1-2": `GET / HTTP/1.2\r\n${H}\r\n`,
  "http-2-0": `GET / HTTP/2.0\r\n${H}\r\n`,
  "http-0-9": `GET /\r\n\r\n`,
  "lowercase-version": `GET / http/1.1\r\n${H}\r\n`,
  "absolute-form": `GET http://a/b?c=d HTTP/1.1\r\n${H}\r\n`,
  "asterisk-form": `OPTIONS * HTTP/1.1\r\n${H}\r\n`,
  "target-with-fragment": `GET /a#b HTTP/1.1\r\n${H}\r\n`,
  "no-host": `GET / HTTP/1.1\r\n\r\n`,
  "get-with-body": `GET / HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\n{}`,
  "body-shorter-than-cl": `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`,
  "headers-unterminated": `GET / HTTP/1.1\r\n${H}`,
};

/**
 * Where they differ on purpose, keyed by case: `obleth` is the outcome obleth must keep; `node`, when given, is
 * Node's (and they must still differ). Without `node`, Node's verdict may depend on its version (llhttp became
 * strict about bare LF and chunk-size whitespace in Node 20, Node 18 of Debian 12 is more lenient), so only
 * obleth's is held.
 */
const LENIENT_LF = "RFC 9112 2.2 lets a recipient take a bare LF as a line end; obleth does, as Node 18 does";
const ALLOWED = {
  "corpus/bare-lf": { obleth: "complete", reason: LENIENT_LF },
  "bare-lf": { obleth: "complete", reason: LENIENT_LF },
  "bare-lf-request-line-only": { obleth: "complete", reason: LENIENT_LF },
  "chunked-bare-lf": { obleth: "complete", reason: LENIENT_LF },
  "corpus/same-content-length-twice": {
    obleth: "complete",
    node: "error",
    reason: "RFC 9110 8.6: identical Content-Length values may be taken as one; different ones are rejected",
  },
  "two-cl-same": {
    obleth: "complete",
    node: "error",
    reason: "RFC 9110 8.6: identical Content-Length values may be taken as one; different ones are rejected",
  },
  "corpus/gzip-chunked": {
    obleth: "error",
    node: "complete",
    reason: "obleth supports only the chunked transfer coding and answers 501 to others (RFC 9112 6.1)",
  },
  "te-gzip-chunked": {
    obleth: "error",
    node: "complete",
    reason: "obleth supports only the chunked transfer coding and answers 501 to others (RFC 9112 6.1)",
  },
  "corpus/http2-version": {
    obleth: "error",
    reason: "obleth speaks HTTP/1.0 and 1.1 only and answers 505 to other versions",
  },
  "http-2-0": {
    obleth: "error",
    reason: "obleth speaks HTTP/1.0 and 1.1 only and answers 505 to other versions",
  },
  "http-0-9": { obleth: "error", reason: "HTTP/0.9 (no version) is not supported" },
  "two-spaces-after-method": {
    obleth: "error",
    reason: "RFC 9112 3: exactly one SP between the parts of the request line; obleth is strict",
  },
  "lowercase-method": {
    obleth: "complete",
    node: "error",
    reason: "a method is any token (RFC 9110 9.1); the router answers 404/405, llhttp knows a fixed list",
  },
  "custom-method": {
    obleth: "complete",
    node: "error",
    reason: "a method is any token (RFC 9110 9.1); the router answers 404/405, llhttp knows a fixed list",
  },
  "chunk-extension-space": {
    obleth: "complete",
    reason: "RFC 9112 7.1.1 allows BWS before the ';' of a chunk extension",
  },
  "chunk-extension-long": {
    obleth: "error",
    reason: "obleth holds a chunk-size line (extensions included) to 1 KiB, however it arrives",
  },
  "no-host": {
    obleth: "error",
    reason: "RFC 9112 3.2: a server must answer 400 to an HTTP/1.1 request without exactly one Host",
  },
  "obs-text-in-target": {
    obleth: "complete",
    reason: "bytes above 0x7f in the target reach the router as they are; routes and ids are ASCII, so they match nothing (404)",
  },
};

function stripControlBytes(bytes) {
  // The fuzz input layout (tests/fuzz/fuzzinput.h): byte 0's low three bits count the piece-size bytes after it.
  return bytes.subarray(1 + (bytes[0] & 7));
}

function corpusCases() {
  const cases = {};
  for (const name of readdirSync(corpusDir).sort()) {
    const bytes = readFileSync(join(corpusDir, name));
    if (bytes.length === 0 || bytes[0] & 8) continue; // small limits (bit 3) are obleth's own, not llhttp's
    cases[`corpus/${name}`] = stripControlBytes(bytes);
  }
  return cases;
}

function obleth(bytes) {
  const run = spawnSync(TOOL, { input: bytes, encoding: "utf8" });
  assert.equal(run.status, 0, `parse_request_tool failed: ${run.stderr}`);
  const r = JSON.parse(run.stdout);
  return {
    outcome: r.outcome,
    error: r.error,
    method: r.method,
    target: r.target,
    headers: r.headers ?? [],
    body: r.body,
  };
}

let server;
let current; // what Node's server saw of the case in flight

before(async () => {
  // Node's defaults, except: obleth accepts 64 KiB of headers, and a request without Host is the
  // application's business (Node 20 rejects it by default; Node 18 does not know the option).
  server = http.createServer({ requireHostHeader: false, maxHeaderSize: 64 * 1024 });
  server.on("request", (req, res) => {
    if (current.request) {
      res.end(); // a pipelined request: only the first one is compared
      return;
    }
    const seen = { method: req.method, target: req.url, headers: [], body: Buffer.alloc(0), complete: false };
    for (let i = 0; i < req.rawHeaders.length; i += 2) seen.headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    current.request = seen;
    req.on("data", (chunk) => (seen.body = Buffer.concat([seen.body, chunk])));
    req.on("end", () => {
      seen.complete = true;
      res.end();
    });
    req.on("error", () => {});
  });
  server.on("clientError", (err, socket) => {
    if (!current.request?.complete) current.error ??= err.code;
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
});

after(() => new Promise((resolve) => server.close(resolve)));

/** Sends @p bytes to Node's server, half-closes, and reports what it made of the first request. */
function node(bytes) {
  current = {};
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.address().port, "127.0.0.1", () => socket.end(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("Node's server neither answered nor closed"));
    }, 5000);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      // Let the server's own events for this connection run first.
      setImmediate(() => {
        const r = current.request;
        let outcome;
        if (r?.complete) outcome = "complete";
        else if (current.error === "HPE_INVALID_EOF_STATE" || (!current.error && !r?.complete)) outcome = "incomplete";
        else outcome = "error";
        resolve({
          outcome,
          error: current.error,
          method: r?.method,
          target: r?.target,
          headers: r?.headers ?? [],
          body: r ? r.body.toString("latin1") : "",
        });
      });
    });
  });
}

/** The parts that must agree: the outcome, and for a request both accepted, what it said. */
function comparable(r) {
  if (r.outcome !== "complete") return { outcome: r.outcome };
  return { outcome: r.outcome, method: r.method, target: r.target, headers: r.headers, body: r.body };
}

const cases = { ...corpusCases() };
for (const [name, text] of Object.entries(TRICKY)) cases[name] = Buffer.from(text, "latin1");

const disagreements = [];

for (const [name, bytes] of Object.entries(cases)) {
  test(name, async () => {
    const ours = obleth(bytes);
    const theirs = await node(bytes);
    const allowed = ALLOWED[name];
    const same = JSON.stringify(comparable(ours)) === JSON.stringify(comparable(theirs));
    if (!same) {
      disagreements.push(
        `${name}: obleth ${JSON.stringify(comparable(ours))}${ours.outcome === "error" ? ` (${ours.error})` : ""}` +
          `; node ${JSON.stringify(comparable(theirs))}${theirs.error ? ` (${theirs.error})` : ""}`,
      );
    }
    if (allowed) {
      assert.equal(ours.outcome, allowed.obleth, `${name}: obleth's outcome`);
      if (allowed.node) {
        assert.ok(!same, `${name} no longer differs: remove it from ALLOWED`);
        assert.equal(theirs.outcome, allowed.node, `${name}: Node's outcome`);
      }
      return;
    }
    assert.deepEqual(comparable(ours), comparable(theirs), `${name}: obleth and Node's llhttp disagree`);
  });
}

test("summary", () => {
  if (disagreements.length) console.log(`allowed disagreements:\n  ${disagreements.join("\n  ")}`);
});
