// The MCP gateway with the official MCP TypeScript SDK client and the MCP reference server
// (@modelcontextprotocol/server-everything over streamable HTTP), through /mcp/{name}.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { admin, startGateway, startMcpEverything } from "./harness.mjs";

let gateway;
let everything;
let capture;
const captured = [];

function mcpTransport(key, name = "everything") {
  return new StreamableHTTPClientTransport(new URL(`${gateway.dataUrl}/mcp/${name}`), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
}

before(async () => {
  everything = await startMcpEverything();
  gateway = await startGateway();
  assert.equal((await admin(gateway, "POST", "/api/v1/mcp-servers", { name: "everything", upstream_url: everything.url })).status, 201);

  // A stand-in MCP server that records what reaches it, to see which credentials obleth sends.
  capture = createServer((req, res) => {
    captured.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json", "Mcp-Session-Id": "captured-session" });
      res.end('{"jsonrpc":"2.0","id":1,"result":{}}');
    });
  });
  await new Promise((resolve) => capture.listen(0, "127.0.0.1", resolve));
  const created = await admin(gateway, "POST", "/api/v1/mcp-servers", {
    name: "capture",
    upstream_url: `http://127.0.0.1:${capture.address().port}/rpc`,
    auth_header: "Bearer mcp-upstream-secret",
  });
  assert.equal(created.status, 201);
  assert.ok(!JSON.stringify(created.body).includes("mcp-upstream-secret"));
});

after(async () => {
  await gateway?.stop();
  await everything?.stop();
  capture?.close();
});

test("initialize, tools/list, tools/call and the session id, through the gateway", async () => {
  const transport = mcpTransport(gateway.key);
  const client = new Client({ name: "obleth-conformance", version: "1.0.0" });
  await client.connect(transport);
  assert.match(transport.sessionId, /^[0-9a-f-]{36}$/, "the upstream's Mcp-Session-Id reached the client");

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(names.includes("echo") && names.includes("get-sum"), names.join(","));

  const echoed = await client.callTool({ name: "echo", arguments: { message: "through obleth" } });
  assert.match(echoed.content[0].text, /through obleth/);
  const sum = await client.callTool({ name: "get-sum", arguments: { a: 2, b: 40 } });
  assert.match(sum.content[0].text, /42/);

  // DELETE ends the session upstream; the session id no longer works afterwards.
  await transport.terminateSession();
  const after = await fetch(`${gateway.dataUrl}/mcp/everything`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${gateway.key}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "Mcp-Session-Id": transport.sessionId ?? "ended",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
  });
  assert.ok(after.status >= 400, `a terminated session is refused (got ${after.status})`);
  await client.close();
});

test("a GET opens the session's event stream; DELETE ends the session", async () => {
  const headers = {
    Authorization: `Bearer ${gateway.key}`,
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
  };
  const init = await fetch(`${gateway.dataUrl}/mcp/everything`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  assert.equal(init.status, 200);
  const session = init.headers.get("mcp-session-id");
  assert.ok(session);
  await init.text();
  const sessionHeaders = { ...headers, "Mcp-Session-Id": session, "Mcp-Protocol-Version": "2025-06-18" };
  const initialized = await fetch(`${gateway.dataUrl}/mcp/everything`, {
    method: "POST",
    headers: sessionHeaders,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  assert.equal(initialized.status, 202);

  const controller = new AbortController();
  const events = await fetch(`${gateway.dataUrl}/mcp/everything`, {
    headers: { ...sessionHeaders, Accept: "text/event-stream" },
    signal: controller.signal,
  });
  assert.equal(events.status, 200);
  assert.match(events.headers.get("content-type"), /text\/event-stream/);
  controller.abort();

  const ended = await fetch(`${gateway.dataUrl}/mcp/everything`, { method: "DELETE", headers: sessionHeaders });
  assert.ok(ended.status === 200 || ended.status === 204, `DELETE answered ${ended.status}`);
});

test("no key is 401, a tenant not allowed is 403", async () => {
  const anonymous = await fetch(`${gateway.dataUrl}/mcp/everything`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).error.code, "invalid_api_key");

  const other = await admin(gateway, "POST", "/api/v1/tenants", { name: "other-team" });
  const restricted = await admin(gateway, "POST", "/api/v1/mcp-servers", {
    name: "restricted",
    upstream_url: everything.url,
    allowed_tenants: [other.body.id],
  });
  assert.equal(restricted.status, 201);
  const client = new Client({ name: "obleth-conformance", version: "1.0.0" });
  await assert.rejects(client.connect(mcpTransport(gateway.key, "restricted")), /403|tenant_not_allowed/);

  const otherKey = await admin(gateway, "POST", `/api/v1/tenants/${other.body.id}/keys`, { name: "k" });
  const allowed = new Client({ name: "obleth-conformance", version: "1.0.0" });
  await allowed.connect(mcpTransport(otherKey.body.secret, "restricted"));
  assert.ok((await allowed.listTools()).tools.length > 0);
  await allowed.close();
});

test("auth_header is sent upstream instead of the tenant key, and never shown", async () => {
  const response = await fetch(`${gateway.dataUrl}/mcp/capture/extra/path?x=1`, {
    method: "POST",
    headers: { Authorization: `Bearer ${gateway.key}`, "Content-Type": "application/json", "Mcp-Session-Id": "abc" },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("mcp-session-id"), "captured-session");
  const text = await response.text();
  assert.ok(!text.includes("mcp-upstream-secret"));
  const seen = captured.at(-1);
  assert.equal(seen.url, "/rpc/extra/path?x=1");
  assert.equal(seen.headers.authorization, "Bearer mcp-upstream-secret");
  assert.equal(seen.headers["mcp-session-id"], "abc");
  assert.ok(!JSON.stringify(seen.headers).includes(gateway.key), "the tenant key is not forwarded");
});
