// The official Anthropic TypeScript SDK, unmodified, pointed at obleth with only a base URL and an obleth key
// (contract section 13). Every scenario runs twice: against a native upstream (api_format anthropic: it gets the
// Messages request as the client sent it, model rewritten) and translated onto a Chat Completions upstream
// (api_format openai). Both upstreams are recording ones written here, so each test checks what the client got
// and what the upstream was sent.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { admin, loggedRequest, startGateway } from "./harness.mjs";
import { dataEvent, namedEvent, sendJson, startRecordingUpstream } from "./recording-upstream.mjs";

const NATIVE_UPSTREAM_KEY = "sk-ant-upstream-0123456789";
const OPENAI_UPSTREAM_KEY = "sk-openai-upstream-9876543210";
const INPUT_COST = 0.000001;
const OUTPUT_COST = 0.000004;

const weatherTool = {
  name: "get_weather",
  description: "The current weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

let gateway;
const upstreams = {};

/** Everything the SDK sent obleth, by way of its `fetch` option. */
const sent = [];
function recordingFetch(url, init) {
  sent.push({ url: String(url), headers: new Headers(init?.headers) });
  return fetch(url, init);
}

function client(options = {}) {
  return new Anthropic({ baseURL: gateway.dataUrl, apiKey: gateway.key, maxRetries: 0, fetch: recordingFetch, ...options });
}

/** No header the upstream got carries the client's obleth key. */
function assertNoGatewayKey(request) {
  for (const [name, value] of Object.entries(request.headers))
    assert.ok(!String(value).includes(gateway.key), `the obleth key went upstream in ${name}`);
}

/** A Chat Completions message's content as text (a string, or text parts). */
function textOf(content) {
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

/** The types of @p events with each run of content_block_delta counted once. */
function shape(events) {
  const types = [];
  for (const event of events) {
    if (event.type === "content_block_delta" && types.at(-1) === "content_block_delta") continue;
    types.push(event.type);
  }
  return types;
}

function chatCompletion(message, finishReason, usage) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1767225600,
    model: "gpt-upstream",
    choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finishReason }],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

function chatChunk(delta, finishReason = null) {
  return {
    id: "chatcmpl-2",
    object: "chat.completion.chunk",
    created: 1767225600,
    model: "gpt-upstream",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

function anthropicMessage(content, stopReason, usage) {
  return {
    id: "msg_upstream_1",
    type: "message",
    role: "assistant",
    model: "claude-upstream",
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

/** A promise that a test resolves when its client saw something, with a deadline (no waiting forever). */
function gate(timeoutMs = 10000) {
  let open;
  const opened = new Promise((resolve) => {
    open = () => resolve(true);
    setTimeout(() => resolve(false), timeoutMs).unref();
  });
  return { open, opened };
}

// What each kind of upstream answers, and what it should have been sent.
const modes = [
  {
    name: "native",
    model: "claude-native",
    format: "anthropic",
    upstreamModel: "claude-upstream",
    upstreamKey: NATIVE_UPSTREAM_KEY,
    messagesPath: "/v1/messages",
    text: (response, text, usage) => sendJson(response, 200, anthropicMessage([{ type: "text", text }], "end_turn", usage)),
    toolCall: (response, usage) =>
      sendJson(
        response,
        200,
        anthropicMessage(
          [
            { type: "text", text: "Let me look." },
            { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } },
          ],
          "tool_use",
          usage,
        ),
      ),
    error: (response, status) =>
      sendJson(response, status, {
        type: "error",
        error: { type: status === 429 ? "rate_limit_error" : "api_error", message: `upstream says ${status}` },
      }),
  },
  {
    name: "translated",
    model: "claude-translated",
    format: "openai",
    upstreamModel: "gpt-upstream",
    upstreamKey: OPENAI_UPSTREAM_KEY,
    messagesPath: "/v1/chat/completions",
    text: (response, text, usage) => sendJson(response, 200, chatCompletion({ content: text }, "stop", usage)),
    toolCall: (response, usage) =>
      sendJson(
        response,
        200,
        chatCompletion(
          {
            content: "Let me look.",
            tool_calls: [{ id: "call_01", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
          },
          "tool_calls",
          usage,
        ),
      ),
    error: (response, status) =>
      sendJson(response, status, {
        error: { message: `upstream says ${status}`, type: status === 429 ? "rate_limit_exceeded" : "server_error", code: null },
      }),
  },
];

/** The event stream each upstream answers the streaming test with: text in two pieces, then a tool call. */
function streamPieces(mode) {
  if (mode.name === "native") {
    const message = anthropicMessage([], null, { input: 20, output: 1 });
    const head = [
      namedEvent("message_start", { message }),
      namedEvent("ping"),
      namedEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      namedEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Let me" } }),
    ];
    const tail = [
      namedEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text: " check." } }),
      namedEvent("content_block_stop", { index: 0 }),
      namedEvent("content_block_start", {
        index: 1,
        content_block: { type: "tool_use", id: "toolu_07", name: "get_weather", input: {} },
      }),
      namedEvent("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
      namedEvent("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '{"ci' } }),
      namedEvent("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: 'ty": "Pa' } }),
      namedEvent("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: 'ris"}' } }),
      namedEvent("content_block_stop", { index: 1 }),
      namedEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 15 } }),
      namedEvent("message_stop"),
    ];
    return { head, tail };
  }
  const argumentsPiece = dataEvent(chatChunk({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Pa' } }] }));
  const head = [
    dataEvent(chatChunk({ role: "assistant", content: "" })),
    dataEvent(chatChunk({ content: "Let me" })),
  ];
  const tail = [
    dataEvent(chatChunk({ content: " check." })),
    // The tool call split across chunks: id and name first, the arguments over several.
    dataEvent(
      chatChunk({
        tool_calls: [{ index: 0, id: "call_07", type: "function", function: { name: "get_weather", arguments: "" } }],
      }),
    ),
    dataEvent(chatChunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] })),
    // One line in two writes: the translation must wait for its end.
    argumentsPiece.slice(0, 40),
    argumentsPiece.slice(40),
    dataEvent(chatChunk({ tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] })),
    dataEvent(chatChunk({}, "tool_calls")),
    dataEvent({ ...chatChunk({}), choices: [], usage: { prompt_tokens: 20, completion_tokens: 15, total_tokens: 35 } }),
    dataEvent("[DONE]"),
  ];
  return { head, tail };
}

before(async () => {
  gateway = await startGateway();
  for (const mode of modes) {
    upstreams[mode.name] = await startRecordingUpstream();
    const created = await admin(gateway, "POST", "/api/v1/models", {
      model_name: mode.model,
      upstream_model: mode.upstreamModel,
      api_base: mode.name === "native" ? upstreams[mode.name].url : `${upstreams[mode.name].url}/v1`,
      api_key: mode.upstreamKey,
      api_format: mode.format,
      input_cost_per_token: INPUT_COST,
      output_cost_per_token: OUTPUT_COST,
      health_check_secs: 0,
      max_retries: 0,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.api_format, mode.format);
  }
});

after(async () => {
  await gateway?.stop();
  for (const upstream of Object.values(upstreams)) await upstream.stop();
});

for (const mode of modes) {
  describe(`Messages API, ${mode.name}`, () => {
    test("messages.create: text, stop_reason, usage, and what the upstream got", async () => {
      const upstream = upstreams[mode.name];
      const earlier = upstream.requests.length;
      upstream.answer((_, response) => mode.text(response, "Hello there", { input: 12, output: 3 }));
      const request = {
        model: mode.model,
        max_tokens: 64,
        system: "You are terse.",
        messages: [{ role: "user", content: "Say hello" }],
        tools: [weatherTool],
        stop_sequences: ["END"],
        temperature: 0.5,
        top_p: 0.9,
      };
      const message = await client({ defaultHeaders: { "anthropic-beta": "test-beta-2026-01-01" } }).messages.create(request);

      assert.equal(message.type, "message");
      assert.equal(message.role, "assistant");
      assert.deepEqual(message.content, [{ type: "text", text: "Hello there" }]);
      assert.equal(message.stop_reason, "end_turn");
      assert.equal(message.usage.input_tokens, 12);
      assert.equal(message.usage.output_tokens, 3);

      const got = upstream.since(earlier);
      assert.equal(got.length, 1);
      const [forwarded] = got;
      assert.equal(forwarded.method, "POST");
      assert.equal(forwarded.path, mode.messagesPath);
      assertNoGatewayKey(forwarded);
      if (mode.name === "native") {
        // Byte for byte as the SDK sent it, but for the model.
        assert.equal(forwarded.body, JSON.stringify({ ...request, model: mode.upstreamModel }));
        assert.equal(forwarded.headers["x-api-key"], NATIVE_UPSTREAM_KEY);
        assert.equal(forwarded.headers.authorization, undefined);
        assert.equal(forwarded.headers["anthropic-version"], sent.at(-1).headers.get("anthropic-version"));
        assert.ok(forwarded.headers["anthropic-version"], "the SDK sends anthropic-version");
        assert.equal(forwarded.headers["anthropic-beta"], "test-beta-2026-01-01");
      } else {
        assert.equal(message.model, mode.model);
        assert.match(message.id, /^msg_/);
        assert.equal(forwarded.headers.authorization, `Bearer ${OPENAI_UPSTREAM_KEY}`);
        assert.equal(forwarded.headers["x-api-key"], undefined);
        assert.equal(forwarded.headers["anthropic-version"], undefined);
        assert.equal(forwarded.headers["anthropic-beta"], undefined);
        const body = forwarded.json;
        assert.equal(body.model, mode.upstreamModel);
        assert.equal(body.messages.length, 2);
        assert.equal(body.messages[0].role, "system");
        assert.equal(textOf(body.messages[0].content), "You are terse.");
        assert.equal(body.messages[1].role, "user");
        assert.equal(textOf(body.messages[1].content), "Say hello");
        assert.deepEqual(body.tools, [
          {
            type: "function",
            function: { name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.input_schema },
          },
        ]);
        assert.deepEqual(body.stop, ["END"]);
        assert.equal(body.max_tokens, 64);
        assert.equal(body.temperature, 0.5);
        assert.equal(body.top_p, 0.9);
        assert.ok(!body.stream, "not streamed");
      }

      const row = await loggedRequest(
        gateway,
        (r) => r.path === "/v1/messages" && r.model === mode.model && !r.streamed && r.prompt_tokens === 12,
      );
      assert.equal(row.status, 200);
      assert.equal(row.completion_tokens, 3);
      assert.equal(row.estimated, false);
      assert.ok(Math.abs(row.cost - (12 * INPUT_COST + 3 * OUTPUT_COST)) < 1e-12, `cost ${row.cost}`);
    });

    test("an obleth key in x-api-key, as Claude Code sends it", async () => {
      const upstream = upstreams[mode.name];
      upstream.answer((_, response) => mode.text(response, "Hi", { input: 2, output: 1 }));
      const viaHeader = client({ defaultHeaders: { "X-Api-Key": gateway.key, Authorization: null } });
      const message = await viaHeader.messages.create({
        model: mode.model,
        max_tokens: 8,
        messages: [{ role: "user", content: "Hi" }],
      });
      assert.equal(sent.at(-1).headers.get("authorization"), null);
      assert.equal(sent.at(-1).headers.get("x-api-key"), gateway.key);
      assert.deepEqual(message.content, [{ type: "text", text: "Hi" }]);
      assertNoGatewayKey(upstream.requests.at(-1));
    });

    test("the beta route (/v1/messages?beta=true), as Claude Code calls it", async () => {
      const upstream = upstreams[mode.name];
      const earlier = upstream.requests.length;
      upstream.answer((_, response) => mode.text(response, "Beta hello", { input: 4, output: 2 }));
      // Claude Code adds ?beta=true; this SDK's beta.messages sends the header only, so the query is added here.
      const message = await client().beta.messages.create(
        { model: mode.model, max_tokens: 16, messages: [{ role: "user", content: "Hi" }], betas: ["test-beta-2026-01-01"] },
        { query: { beta: "true" } },
      );
      assert.match(sent.at(-1).url, /\/v1\/messages\?beta=true$/);
      assert.equal(message.content[0].text, "Beta hello");
      const [forwarded] = upstream.since(earlier);
      assertNoGatewayKey(forwarded);
      if (mode.name === "native") {
        assert.match(forwarded.path, /^\/v1\/messages(\?beta=true)?$/);
        assert.equal(forwarded.headers["anthropic-beta"], "test-beta-2026-01-01");
      } else {
        // Anthropic's query does not go to a Chat Completions upstream, as anthropic-beta does not (docs/data-plane.md).
        assert.equal(forwarded.path, "/v1/chat/completions");
      }
    });

    test("messages.stream: events in order, as they arrive; the tool input assembled", async () => {
      const upstream = upstreams[mode.name];
      const earlier = upstream.requests.length;
      const firstText = gate();
      const { head, tail } = streamPieces(mode);
      upstream.answer(async (_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        for (const piece of head) response.write(piece);
        // The rest waits until the client has the first piece of text: nothing may be held back on the way.
        firstText.relayed = await firstText.opened;
        for (const piece of tail) {
          response.write(piece);
          await new Promise((resolve) => setImmediate(resolve));
        }
        response.end();
      });

      const stream = client().messages.stream({
        model: mode.model,
        max_tokens: 128,
        messages: [{ role: "user", content: "Weather in Paris?" }],
        tools: [weatherTool],
      });
      const events = [];
      for await (const event of stream) {
        events.push(event);
        if (event.type === "content_block_delta" && event.delta.type === "text_delta") firstText.open();
      }
      const final = await stream.finalMessage();
      assert.equal(firstText.relayed, true, "the first text delta reached the client before the upstream's stream went on");

      assert.deepEqual(shape(events), [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
      ]);
      const blocks = events.filter((e) => e.type === "content_block_start").map((e) => e.content_block);
      assert.equal(blocks[0].type, "text");
      assert.equal(blocks[1].type, "tool_use");
      assert.equal(blocks[1].name, "get_weather");
      const text = events
        .filter((e) => e.type === "content_block_delta" && e.delta.type === "text_delta")
        .map((e) => e.delta.text)
        .join("");
      assert.equal(text, "Let me check.");
      const json = events
        .filter((e) => e.type === "content_block_delta" && e.delta.type === "input_json_delta")
        .map((e) => e.delta.partial_json)
        .join("");
      assert.deepEqual(JSON.parse(json), { city: "Paris" });
      const jsonPieces = events.filter(
        (e) => e.type === "content_block_delta" && e.delta.type === "input_json_delta" && e.delta.partial_json,
      );
      assert.ok(jsonPieces.length >= 3, "the arguments stream in pieces");

      assert.equal(final.stop_reason, "tool_use");
      assert.equal(final.content[0].type, "text");
      assert.equal(final.content[0].text, "Let me check.");
      assert.equal(final.content[1].type, "tool_use");
      assert.equal(final.content[1].name, "get_weather");
      assert.deepEqual(final.content[1].input, { city: "Paris" });
      assert.equal(final.usage.input_tokens, 20);
      assert.equal(final.usage.output_tokens, 15);

      const [forwarded] = upstream.since(earlier);
      assert.equal(forwarded.path, mode.messagesPath);
      assert.equal(forwarded.json.stream, true);
      if (mode.name === "translated") {
        assert.equal(final.content[1].id, "call_07");
        assert.equal(forwarded.json.stream_options?.include_usage, true);
      } else {
        assert.equal(final.content[1].id, "toolu_07");
      }

      const row = await loggedRequest(gateway, (r) => r.path === "/v1/messages" && r.model === mode.model && r.streamed);
      assert.equal(row.status, 200);
      assert.equal(row.prompt_tokens, 20);
      assert.equal(row.completion_tokens, 15);
      assert.ok(Math.abs(row.cost - (20 * INPUT_COST + 15 * OUTPUT_COST)) < 1e-12, `cost ${row.cost}`);
    });

    test("a tool-use round trip: tool_use, then tool_result, then the answer", async () => {
      const upstream = upstreams[mode.name];
      const earlier = upstream.requests.length;
      const anthropic = client();
      upstream.answer((_, response) => mode.toolCall(response, { input: 30, output: 10 }));
      const question = { role: "user", content: "What's the weather in Paris?" };
      const first = await anthropic.messages.create({
        model: mode.model,
        max_tokens: 256,
        tools: [weatherTool],
        tool_choice: { type: "auto" },
        messages: [question],
      });
      assert.equal(first.stop_reason, "tool_use");
      const toolUse = first.content.find((block) => block.type === "tool_use");
      assert.ok(toolUse, JSON.stringify(first.content));
      assert.equal(toolUse.name, "get_weather");
      assert.deepEqual(toolUse.input, { city: "Paris" });

      upstream.answer((_, response) => mode.text(response, "It is 18°C and sunny in Paris.", { input: 50, output: 9 }));
      const second = {
        model: mode.model,
        max_tokens: 256,
        tools: [weatherTool],
        messages: [
          question,
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18°C and sunny" }] },
        ],
      };
      const final = await anthropic.messages.create(second);
      assert.equal(final.stop_reason, "end_turn");
      assert.deepEqual(final.content, [{ type: "text", text: "It is 18°C and sunny in Paris." }]);

      const [asked, answered] = upstream.since(earlier);
      if (mode.name === "native") {
        assert.equal(answered.body, JSON.stringify({ ...second, model: mode.upstreamModel }));
        return;
      }
      assert.equal(asked.json.tool_choice, "auto");
      const messages = answered.json.messages;
      assert.deepEqual(
        messages.map((m) => m.role),
        ["user", "assistant", "tool"],
      );
      const assistant = messages[1];
      assert.equal(assistant.tool_calls.length, 1);
      assert.equal(assistant.tool_calls[0].id, toolUse.id);
      assert.equal(assistant.tool_calls[0].type, "function");
      assert.equal(assistant.tool_calls[0].function.name, "get_weather");
      assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { city: "Paris" });
      assert.equal(textOf(assistant.content ?? ""), "Let me look.");
      assert.equal(messages[2].tool_call_id, toolUse.id);
      assert.equal(textOf(messages[2].content), "18°C and sunny");
    });

    test("errors: unknown model, bad keys (never forwarded), upstream 429 and 500", async () => {
      const upstream = upstreams[mode.name];
      const earlier = upstream.requests.length;
      const ask = (anthropic, model = mode.model) =>
        anthropic.messages.create({ model, max_tokens: 8, messages: [{ role: "user", content: "x" }] });

      await assert.rejects(
        ask(client(), "no-such-model"),
        (error) => error instanceof Anthropic.NotFoundError && error.status === 404 && error.type === "not_found_error",
      );
      await assert.rejects(
        ask(client({ apiKey: `sk_${"0".repeat(48)}` })),
        (error) =>
          error instanceof Anthropic.AuthenticationError && error.status === 401 && error.type === "authentication_error",
      );
      // An Anthropic secret, as a client configured for Anthropic's API would send it: refused here, never passed on.
      const anthropicSecret = `sk-ant-api03-${"a1B2".repeat(20)}-AAAA`;
      for (const options of [
        { apiKey: anthropicSecret },
        { defaultHeaders: { "X-Api-Key": anthropicSecret, Authorization: null } },
      ]) {
        await assert.rejects(ask(client(options)), (error) => {
          assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
          assert.equal(error.status, 401);
          assert.equal(error.type, "authentication_error");
          assert.ok(!error.message.includes(anthropicSecret), "the secret is not echoed");
          return true;
        });
      }
      assert.equal(upstream.requests.length, earlier, "nothing reached the upstream");

      upstream.answer((_, response) => mode.error(response, 429));
      await assert.rejects(
        ask(client()),
        (error) => error instanceof Anthropic.RateLimitError && error.status === 429 && error.type === "rate_limit_error",
      );
      upstream.answer((_, response) => mode.error(response, 500));
      await assert.rejects(
        ask(client()),
        (error) => error instanceof Anthropic.InternalServerError && error.status === 500 && error.type === "api_error",
      );
      assert.equal(upstream.requests.length, earlier + 2);
      const row = await loggedRequest(gateway, (r) => r.model === mode.model && r.status === 429);
      assert.equal(row.error, "rate_limit_error");
    });

    if (mode.name === "translated") {
      test("translated: images, tool_choice, metadata, and max_tokens as the stop reason", async () => {
        const upstream = upstreams[mode.name];
        const earlier = upstream.requests.length;
        upstream.answer((_, response) =>
          sendJson(response, 200, chatCompletion({ content: "A red dot, and" }, "length", { input: 40, output: 4 })),
        );
        const pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
        const message = await client().messages.create({
          model: mode.model,
          max_tokens: 4,
          metadata: { user_id: "user-42" },
          tools: [weatherTool],
          tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
          messages: [
            {
              role: "user",
              content: [
                { type: "image", source: { type: "base64", media_type: "image/png", data: pixel } },
                { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
                { type: "text", text: "What is in these pictures?" },
              ],
            },
          ],
        });
        assert.equal(message.stop_reason, "max_tokens");
        assert.deepEqual(message.content, [{ type: "text", text: "A red dot, and" }]);

        const [forwarded] = upstream.since(earlier);
        const body = forwarded.json;
        assert.deepEqual(body.tool_choice, { type: "function", function: { name: "get_weather" } });
        assert.equal(body.parallel_tool_calls, false);
        assert.equal(body.user, "user-42");
        assert.equal(body.max_tokens, 4);
        const parts = body.messages[0].content;
        assert.equal(body.messages[0].role, "user");
        assert.deepEqual(
          parts.map((part) => part.type),
          ["image_url", "image_url", "text"],
        );
        assert.equal(parts[0].image_url.url, `data:image/png;base64,${pixel}`);
        assert.equal(parts[1].image_url.url, "https://example.com/cat.png");
        assert.equal(parts[2].text, "What is in these pictures?");

        upstream.answer((_, response) => mode.text(response, "ok", { input: 1, output: 1 }));
        await client().messages.create({
          model: mode.model,
          max_tokens: 4,
          tools: [weatherTool],
          tool_choice: { type: "any" },
          messages: [{ role: "user", content: "x" }],
        });
        assert.equal(upstream.requests.at(-1).json.tool_choice, "required");
      });
    }

    if (mode.name === "translated") {
      test("translated: two tool calls in one stream, and an upstream error in the middle of one", async () => {
        const upstream = upstreams[mode.name];
        const call = (index, fields) => dataEvent(chatChunk({ tool_calls: [{ index, ...fields }] }));
        upstream.answer((_, response) => {
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.end(
            [
              call(0, { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":' } }),
              call(0, { function: { arguments: '"Oslo"}' } }),
              call(1, { id: "call_b", type: "function", function: { name: "get_weather", arguments: "" } }),
              call(1, { function: { arguments: '{"city":"Rome"}' } }),
              dataEvent(chatChunk({}, "tool_calls")),
              dataEvent({ ...chatChunk({}), choices: [], usage: { prompt_tokens: 7, completion_tokens: 6 } }),
              dataEvent("[DONE]"),
            ].join(""),
          );
        });
        const ask = {
          model: mode.model,
          max_tokens: 64,
          tools: [weatherTool],
          messages: [{ role: "user", content: "Oslo, Rome?" }],
        };
        const final = await client().messages.stream(ask).finalMessage();
        assert.equal(final.stop_reason, "tool_use");
        assert.deepEqual(
          final.content.map((block) => [block.type, block.id, block.input]),
          [
            ["tool_use", "call_a", { city: "Oslo" }],
            ["tool_use", "call_b", { city: "Rome" }],
          ],
        );
        assert.equal(final.usage.output_tokens, 6);

        upstream.answer((_, response) => {
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.end(
            dataEvent(chatChunk({ role: "assistant", content: "Half" })) +
              dataEvent({ error: { message: "the model crashed", type: "server_error" } }),
          );
        });
        await assert.rejects(client().messages.stream(ask).finalMessage(), (error) => {
          assert.ok(error instanceof Anthropic.APIError, String(error));
          assert.match(error.message, /the model crashed/);
          return true;
        });
      });
    }

    test("a client that stops a stream (Esc in Claude Code) ends the upstream's at once", async () => {
      const upstream = upstreams[mode.name];
      const closed = gate();
      upstream.answer((_, response) => {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(streamPieces(mode).head.join(""));
        // ...and never ends, unless obleth closes the connection.
        response.on("close", () => closed.open());
      });
      const stream = client().messages.stream({
        model: mode.model,
        max_tokens: 64,
        messages: [{ role: "user", content: "Go" }],
      });
      for await (const event of stream) {
        if (event.type === "content_block_delta") break; // leaving the loop aborts the request
      }
      assert.equal(await closed.opened, true, "the upstream's connection was closed");
      // Logged as cut short.
      await loggedRequest(gateway, (r) => r.model === mode.model && r.streamed && r.status === 200 && r.error);
    });

    test("messages.countTokens", async () => {
      const upstream = upstreams[mode.name];
      const earlier = upstream.requests.length;
      upstream.answer((request, response) => sendJson(response, 200, { input_tokens: 42 }));
      const anthropic = client();
      const request = {
        model: mode.model,
        system: "You are terse.",
        messages: [{ role: "user", content: "Count these words, please." }],
      };
      const counted = await anthropic.messages.countTokens(request);
      const got = upstream.since(earlier);
      if (mode.name === "native") {
        assert.equal(counted.input_tokens, 42);
        assert.equal(got.length, 1);
        assert.equal(got[0].path, "/v1/messages/count_tokens");
        assert.equal(got[0].body, JSON.stringify({ ...request, model: mode.upstreamModel }));
        assert.equal(got[0].headers["x-api-key"], NATIVE_UPSTREAM_KEY);
        assertNoGatewayKey(got[0]);
      } else {
        // Estimated by obleth: a Chat Completions upstream has no such route.
        assert.equal(got.length, 0, "nothing reached the upstream");
        assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 0, JSON.stringify(counted));
        const { response } = await anthropic.messages.countTokens(request).withResponse();
        assert.equal(response.headers.get("x-obleth-token-count"), "estimated");
        const longer = await anthropic.messages.countTokens({
          ...request,
          messages: [{ role: "user", content: "Count these words, please. ".repeat(50) }],
        });
        assert.ok(longer.input_tokens > counted.input_tokens, `${longer.input_tokens} > ${counted.input_tokens}`);
      }
    });
  });
}

test("mock-model answers the Messages API, plain and streamed (the README's first try)", async () => {
  const anthropic = client();
  const message = await anthropic.messages.create({
    model: "mock-model",
    max_tokens: 6,
    messages: [{ role: "user", content: "Hello!" }],
  });
  assert.equal(message.model, "mock-model");
  assert.equal(message.content[0].text.split(" ").length, 6);
  assert.equal(message.stop_reason, "max_tokens");
  assert.equal(message.usage.output_tokens, 6);

  const stream = anthropic.messages.stream({
    model: "mock-model",
    max_tokens: 5,
    messages: [{ role: "user", content: "Stream" }],
  });
  let text = "";
  stream.on("text", (piece) => (text += piece));
  const final = await stream.finalMessage();
  assert.equal(text.trim().split(" ").length, 5);
  assert.equal(final.content[0].text, text);
  assert.equal(final.usage.output_tokens, 5);
});

test("the response cache serves a repeated Messages request, plain and streamed, without the upstream", async () => {
  for (const mode of modes) {
    const upstream = upstreams[mode.name];
    const model = `${mode.model}-cached`;
    const created = await admin(gateway, "POST", "/api/v1/models", {
      model_name: model,
      upstream_model: mode.upstreamModel,
      api_base: mode.name === "native" ? upstream.url : `${upstream.url}/v1`,
      api_key: mode.upstreamKey,
      api_format: mode.format,
      cache_enabled: true,
      health_check_secs: 0,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const anthropic = client();
    const earlier = upstream.requests.length;

    upstream.answer((_, response) => mode.text(response, "Cached words", { input: 5, output: 2 }));
    const ask = { model, max_tokens: 16, messages: [{ role: "user", content: "Same question" }] };
    const first = await anthropic.messages.create(ask).withResponse();
    const again = await anthropic.messages.create(ask).withResponse();
    assert.equal(first.response.headers.get("x-obleth-cache"), "miss");
    assert.equal(again.response.headers.get("x-obleth-cache"), "hit");
    assert.deepEqual(again.data, first.data);

    const { head, tail } = streamPieces(mode);
    upstream.answer((_, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.end([...head, ...tail].join(""));
    });
    const streamed = { ...ask, tools: [weatherTool] };
    const once = await anthropic.messages.stream(streamed).finalMessage();
    const twice = await anthropic.messages.stream(streamed).finalMessage();
    assert.deepEqual(twice, once);
    assert.deepEqual(twice.content[1].input, { city: "Paris" });

    assert.equal(upstream.requests.length, earlier + 2, `${mode.name}: one upstream request per distinct question`);
  }
});

test("a tenant's token budget holds on the Messages route: 429 rate_limit_error with Retry-After", async () => {
  const tenant = await admin(gateway, "POST", "/api/v1/tenants", { name: "small-budget", tokens_per_minute: 100 });
  assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
  const key = await admin(gateway, "POST", `/api/v1/tenants/${tenant.body.id}/keys`, { name: "k" });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  const mode = modes[1];
  const upstream = upstreams[mode.name];
  upstream.answer((_, response) => mode.text(response, "fine", { input: 1000, output: 1000 }));
  const anthropic = client({ apiKey: key.body.secret });
  const ask = { model: mode.model, max_tokens: 1000, messages: [{ role: "user", content: "A long one" }] };
  await anthropic.messages.create(ask); // the bucket had tokens: admitted, and settled 2,000 tokens into debt
  const earlier = upstream.requests.length;
  await assert.rejects(anthropic.messages.create(ask), (error) => {
    assert.ok(error instanceof Anthropic.RateLimitError, String(error));
    assert.equal(error.type, "rate_limit_error");
    assert.ok(Number(error.headers.get("retry-after")) > 0, "Retry-After");
    return true;
  });
  assert.equal(upstream.requests.length, earlier, "refused before the upstream");
});
