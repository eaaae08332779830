// A scripted upstream for the conformance tests: an HTTP server on 127.0.0.1 that records every request it
// gets (method, path, headers, body) and answers as the test says, in JSON or as an event stream it writes. The
// tests then check both sides: what the client got from obleth, and what obleth sent upstream.

import { createServer } from "node:http";

function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Answers @p response with @p body as JSON. */
export function sendJson(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** A Chat Completions stream chunk: a `data:` line of JSON, or `[DONE]`. */
export function dataEvent(payload) {
  return `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;
}

/** A named event, as in Anthropic's streams and the Responses API's: `event: TYPE` and its JSON, whose `type` is TYPE. */
export function namedEvent(type, fields = {}) {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
}

/**
 * Starts the upstream. `answer(handler)` sets how it answers from then on: `handler(request, response)` gets the
 * recorded request ({ method, path, headers, body, json }) and node's response. Until a handler is set, and
 * after `answer()` with none, it answers 418 so that an unexpected request shows in the test.
 */
export async function startRecordingUpstream() {
  const requests = [];
  const unexpected = (request, response) =>
    sendJson(response, 418, { error: { message: `unexpected ${request.method} ${request.path}` } });
  let handler = unexpected;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const recorded = { method: request.method, path: request.url, headers: request.headers, body, json: parsed(body) };
      requests.push(recorded);
      try {
        await handler(recorded, response);
      } catch (error) {
        if (!response.headersSent) sendJson(response, 599, { error: { message: String(error) } });
        else response.destroy();
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Sets the handler for the requests to come. */
    answer(next) {
      handler = next ?? unexpected;
    },
    /** The requests recorded since @p count had been (what one step of a test caused). */
    since(count) {
      return requests.slice(count);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
