// Starts the real processes the conformance tests drive: `obleth --server`, `obleth --mock-upstream`
// and the MCP reference server, each on a free port, and stops them afterwards.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const OBLETH = process.env.OBLETH_BINARY;
if (!OBLETH) throw new Error("set OBLETH_BINARY to the obleth executable (CTest does)");

/** Resolves with the first match of `regex` in what `stream` prints, or rejects after `timeoutMs`. */
function waitFor(child, stream, regex, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${regex}; got: ${seen}`)), timeoutMs);
    child[stream].on("data", (chunk) => {
      seen += chunk;
      const match = seen.match(regex);
      if (match) {
        clearTimeout(timer);
        resolve({ match, seen });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${regex}; got: ${seen}`));
    });
  });
}

function stopper(child, cleanup = () => {}) {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    cleanup();
  };
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** A fresh `obleth --server` with its own data directory. */
export async function startGateway() {
  const dataDir = mkdtempSync(join(tmpdir(), "obleth-node-"));
  const env = { ...process.env };
  delete env.OBLETH_ADMIN_TOKEN;
  const child = spawn(OBLETH, ["--server", "--port", "0", "--admin-port", "0", "--data-dir", dataDir], { env });
  child.stderr.on("data", () => {});
  const { match, seen } = await waitFor(child, "stdout", /obleth listening data=(\S+) admin=(\S+)\n/);
  return {
    dataUrl: match[1],
    adminUrl: match[2],
    key: seen.match(/first api key: (sk_[0-9a-f]{48})/)[1],
    adminToken: readFileSync(join(dataDir, "admin-token"), "utf8").trim(),
    stop: stopper(child, () => rmSync(dataDir, { recursive: true, force: true })),
  };
}

/** `obleth --mock-upstream` on a free port. */
export async function startMockUpstream() {
  const child = spawn(OBLETH, ["--mock-upstream", "--port", "0"]);
  const { match } = await waitFor(child, "stdout", /obleth mock-upstream listening (\S+)\n/);
  return { url: match[1], stop: stopper(child) };
}

/** The MCP reference server (@modelcontextprotocol/server-everything) over streamable HTTP. */
export async function startMcpEverything() {
  const port = await freePort();
  const entry = fileURLToPath(new URL("./node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url));
  const child = spawn(process.execPath, [entry, "streamableHttp"], { env: { ...process.env, PORT: String(port) } });
  child.stdout.on("data", () => {});
  await waitFor(child, "stderr", /listening on port/);
  return { url: `http://127.0.0.1:${port}/mcp`, stop: stopper(child) };
}

/** A Management API call; resolves with { status, body }. */
export async function admin(gateway, method, path, body) {
  const response = await fetch(gateway.adminUrl + path, {
    method,
    headers: { Authorization: `Bearer ${gateway.adminToken}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/**
 * Polls the request log (GET /api/v1/requests) until a row matches @p predicate, and resolves with it; rejects
 * after @p timeoutMs with the rows it saw. Log rows are written in batches, a moment after the answer.
 */
export async function loggedRequest(gateway, predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  for (;;) {
    const { status, body } = await admin(gateway, "GET", "/api/v1/requests?limit=200");
    if (status !== 200) throw new Error(`GET /api/v1/requests answered ${status}`);
    rows = body.data;
    const row = rows.find(predicate);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no such row in the request log; rows: ${JSON.stringify(rows, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
