// The official OpenAI Node SDK's Responses API (client.responses: create, plain and streamed, retrieve, delete)
// through obleth onto a recording upstream that answers as OpenAI's Responses API does (contract section 13).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { admin, loggedRequest, startGateway } from "./harness.mjs";
import { namedEvent, sendJson, startRecordingUpstream } from "./recording-upstream.mjs";

const UPSTREAM_KEY = "sk-upstream-responses-0123456789";
const INPUT_COST = 0.000002;
const OUTPUT_COST = 0.000008;

let gateway;
let upstream;
let client;
/** The responses the upstream has made, by id: what GET answers and DELETE removes. */
const stored = new Map();

function responseObject(id, text, usage, status = "completed") {
  return {
    id,
    object: "response",
    created_at: 1767225600,
    status,
    model: "gpt-upstream",
    output:
      text === null
        ? []
        : [
            {
              type: "message",
              id: `msg_${id.slice(5)}`,
              status: "completed",
              role: "assistant",
              content: [{ type: "output_text", text, annotations: [] }],
            },
          ],
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
    usage: usage && { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

/** What the recording upstream answers: the Responses API's routes, plain and streamed (held at @p hold). */
function answerAsResponsesApi({ hold } = {}) {
  upstream.answer(async (request, response) => {
    const byId = request.path.match(/^\/v1\/responses\/(resp_[A-Za-z0-9_]+)$/);
    if (byId && request.method === "GET") {
      const found = stored.get(byId[1]);
      if (!found) return sendJson(response, 404, { error: { message: "No response found", type: "invalid_request_error" } });
      return sendJson(response, 200, found);
    }
    if (byId && request.method === "DELETE") {
      stored.delete(byId[1]);
      return sendJson(response, 200, { id: byId[1], object: "response", deleted: true });
    }
    if (request.path !== "/v1/responses" || request.method !== "POST") {
      return sendJson(response, 404, { error: { message: `no route ${request.method} ${request.path}` } });
    }
    if (!request.json.stream) {
      const answer = responseObject("resp_plain_1", "Hello from the Responses API", { input: 9, output: 5 });
      stored.set(answer.id, answer);
      return sendJson(response, 200, answer);
    }
    const id = "resp_stream_1";
    const itemId = "msg_stream_1";
    const pieces = ["Streamed", " over", " SSE"];
    const final = responseObject(id, pieces.join(""), { input: 11, output: 3 });
    stored.set(id, final);
    let sequence = 0;
    const event = (type, fields) => namedEvent(type, { ...fields, sequence_number: sequence++ });
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    response.write(event("response.created", { response: responseObject(id, null, null, "in_progress") }));
    response.write(event("response.in_progress", { response: responseObject(id, null, null, "in_progress") }));
    response.write(
      event("response.output_item.added", {
        output_index: 0,
        item: { type: "message", id: itemId, status: "in_progress", role: "assistant", content: [] },
      }),
    );
    response.write(
      event("response.content_part.added", {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      }),
    );
    const textAt = { item_id: itemId, output_index: 0, content_index: 0 };
    response.write(event("response.output_text.delta", { ...textAt, delta: pieces[0] }));
    // The rest waits until the client has the first delta: nothing may be held back on the way.
    if (hold) hold.relayed = await hold.opened;
    for (const delta of pieces.slice(1)) {
      response.write(event("response.output_text.delta", { ...textAt, delta }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const text = pieces.join("");
    response.write(event("response.output_text.done", { ...textAt, text }));
    response.write(
      event("response.content_part.done", {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part: { type: "output_text", text, annotations: [] },
      }),
    );
    response.write(event("response.output_item.done", { output_index: 0, item: final.output[0] }));
    response.write(event("response.completed", { response: final }));
    response.end();
  });
}

function gate(timeoutMs = 10000) {
  let open;
  const opened = new Promise((resolve) => {
    open = () => resolve(true);
    setTimeout(() => resolve(false), timeoutMs).unref();
  });
  return { open, opened };
}

function assertNoGatewayKey(request) {
  for (const [name, value] of Object.entries(request.headers))
    assert.ok(!String(value).includes(gateway.key), `the obleth key went upstream in ${name}`);
}

before(async () => {
  upstream = await startRecordingUpstream();
  gateway = await startGateway();
  const created = await admin(gateway, "POST", "/api/v1/models", {
    model_name: "codex-model",
    upstream_model: "gpt-upstream",
    api_base: `${upstream.url}/v1`,
    api_key: UPSTREAM_KEY,
    input_cost_per_token: INPUT_COST,
    output_cost_per_token: OUTPUT_COST,
    health_check_secs: 0,
    max_retries: 0,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: gateway.key, maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await upstream?.stop();
});

test("responses.create: the answer, and the body forwarded with the model rewritten", async () => {
  answerAsResponsesApi();
  const earlier = upstream.requests.length;
  const request = {
    model: "codex-model",
    instructions: "You are a coding agent.",
    input: [{ role: "user", content: [{ type: "input_text", text: "Say hello" }] }],
    max_output_tokens: 64,
    store: true,
  };
  const response = await client.responses.create(request);
  assert.equal(response.id, "resp_plain_1");
  assert.equal(response.object, "response");
  assert.equal(response.output_text, "Hello from the Responses API");
  assert.equal(response.usage.input_tokens, 9);
  assert.equal(response.usage.output_tokens, 5);

  const got = upstream.since(earlier);
  assert.equal(got.length, 1);
  assert.equal(got[0].method, "POST");
  assert.equal(got[0].path, "/v1/responses");
  assert.equal(got[0].body, JSON.stringify({ ...request, model: "gpt-upstream" }));
  assert.equal(got[0].headers.authorization, `Bearer ${UPSTREAM_KEY}`);
  assertNoGatewayKey(got[0]);

  const row = await loggedRequest(gateway, (r) => r.path === "/v1/responses" && r.model === "codex-model" && !r.streamed);
  assert.equal(row.status, 200);
  assert.equal(row.prompt_tokens, 9);
  assert.equal(row.completion_tokens, 5);
  assert.equal(row.estimated, false);
  assert.ok(Math.abs(row.cost - (9 * INPUT_COST + 5 * OUTPUT_COST)) < 1e-12, `cost ${row.cost}`);
});

test("responses.create with stream: true: events as they arrive, usage from response.completed", async () => {
  const firstDelta = gate();
  answerAsResponsesApi({ hold: firstDelta });
  const earlier = upstream.requests.length;
  const request = { model: "codex-model", input: "Stream something", stream: true };
  const stream = await client.responses.create(request);
  const types = [];
  let text = "";
  let completed = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "response.output_text.delta") {
      text += event.delta;
      firstDelta.open();
    }
    if (event.type === "response.completed") completed = event.response;
  }
  assert.equal(firstDelta.relayed, true, "the first delta reached the client before the upstream's stream went on");
  assert.deepEqual(types, [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.equal(text, "Streamed over SSE");
  assert.equal(completed.id, "resp_stream_1");
  assert.equal(completed.usage.output_tokens, 3);

  const [forwarded] = upstream.since(earlier);
  assert.equal(forwarded.body, JSON.stringify({ ...request, model: "gpt-upstream" }));
  assert.equal(forwarded.headers.authorization, `Bearer ${UPSTREAM_KEY}`);

  const row = await loggedRequest(gateway, (r) => r.path === "/v1/responses" && r.model === "codex-model" && r.streamed);
  assert.equal(row.status, 200);
  assert.equal(row.prompt_tokens, 11);
  assert.equal(row.completion_tokens, 3);
  assert.equal(row.estimated, false);
  assert.ok(Math.abs(row.cost - (11 * INPUT_COST + 3 * OUTPUT_COST)) < 1e-12, `cost ${row.cost}`);
});

test("responses.retrieve and responses.delete reach the upstream that made the response", async () => {
  answerAsResponsesApi();
  const earlier = upstream.requests.length;
  for (const id of ["resp_plain_1", "resp_stream_1"]) {
    const again = await client.responses.retrieve(id);
    assert.equal(again.id, id);
    assert.equal(again.output_text, stored.get(id).output[0].content[0].text);
  }
  await client.responses.delete("resp_plain_1");
  assert.ok(!stored.has("resp_plain_1"));

  const got = upstream.since(earlier);
  assert.deepEqual(
    got.map((r) => `${r.method} ${r.path}`),
    ["GET /v1/responses/resp_plain_1", "GET /v1/responses/resp_stream_1", "DELETE /v1/responses/resp_plain_1"],
  );
  for (const request of got) {
    assert.equal(request.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assertNoGatewayKey(request);
  }
  const row = await loggedRequest(gateway, (r) => r.method === "DELETE" && r.path === "/v1/responses/resp_plain_1");
  assert.equal(row.model, "codex-model");
  assert.equal(row.status, 200);
});

test("an unknown response id, or another tenant's (also as previous_response_id), is 404 and goes nowhere", async () => {
  answerAsResponsesApi();
  const earlier = upstream.requests.length;
  await assert.rejects(
    client.responses.retrieve("resp_never_made"),
    (error) => error instanceof OpenAI.NotFoundError && error.status === 404,
  );

  const tenant = await admin(gateway, "POST", "/api/v1/tenants", { name: "other-team" });
  assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
  const key = await admin(gateway, "POST", `/api/v1/tenants/${tenant.body.id}/keys`, { name: "other" });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const other = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: key.body.secret, maxRetries: 0 });
  await assert.rejects(other.responses.retrieve("resp_stream_1"), (error) => error instanceof OpenAI.NotFoundError);
  await assert.rejects(other.responses.delete("resp_stream_1"), (error) => error instanceof OpenAI.NotFoundError);
  // Nor can another tenant go on with the conversation.
  await assert.rejects(
    other.responses.create({ model: "codex-model", input: "and then?", previous_response_id: "resp_stream_1" }),
    (error) => error instanceof OpenAI.NotFoundError && error.status === 404,
  );
  assert.equal(upstream.requests.length, earlier, "nothing reached the upstream");
  assert.ok(stored.has("resp_stream_1"));

  // Its own tenant can.
  const next = await client.responses.create({
    model: "codex-model",
    input: "and then?",
    previous_response_id: "resp_stream_1",
  });
  assert.equal(next.output_text, "Hello from the Responses API");
  const [forwarded] = upstream.since(earlier);
  assert.equal(forwarded.json.previous_response_id, "resp_stream_1");
  assert.equal(forwarded.json.model, "gpt-upstream");
});

test("upstream errors surface as the SDK's typed errors", async () => {
  const earlier = upstream.requests.length;
  upstream.answer((_, response) =>
    sendJson(response, 429, { error: { message: "slow down", type: "rate_limit_exceeded", code: "rate_limit_exceeded" } }),
  );
  await assert.rejects(
    client.responses.create({ model: "codex-model", input: "x" }),
    (error) => error instanceof OpenAI.RateLimitError && error.status === 429 && error.code === "rate_limit_exceeded",
  );
  await assert.rejects(
    client.responses.create({ model: "no-such-model", input: "x" }),
    (error) => error instanceof OpenAI.NotFoundError && error.code === "model_not_found",
  );
  assert.equal(upstream.requests.length, earlier + 1);
});

test("a tenant's token budget holds on the Responses route: settled from the usage, then 429 with Retry-After", async () => {
  upstream.answer((_, response) =>
    sendJson(response, 200, responseObject("resp_big_1", "A long answer", { input: 1000, output: 1000 })),
  );
  const tenant = await admin(gateway, "POST", "/api/v1/tenants", { name: "small-budget", tokens_per_minute: 100 });
  assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
  const key = await admin(gateway, "POST", `/api/v1/tenants/${tenant.body.id}/keys`, { name: "k" });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const limited = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: key.body.secret, maxRetries: 0 });
  const ask = { model: "codex-model", input: "A long one", max_output_tokens: 16 };
  await limited.responses.create(ask); // the bucket had tokens: admitted, and settled 2,000 tokens into debt
  const earlier = upstream.requests.length;
  await assert.rejects(limited.responses.create(ask), (error) => {
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.ok(Number(error.headers.get("retry-after")) > 0, "Retry-After");
    return true;
  });
  assert.equal(upstream.requests.length, earlier, "refused before the upstream");
});
