// The official OpenAI Node SDK and LangChain, unmodified, pointed at obleth with only a base URL.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { ChatOpenAI, OpenAI as LangChainOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { admin, startGateway, startMockUpstream } from "./harness.mjs";

let gateway;
let mock;
let client;

before(async () => {
  mock = await startMockUpstream();
  gateway = await startGateway();
  const created = await admin(gateway, "POST", "/api/v1/models", {
    model_name: "remote",
    upstream_model: "mock-model",
    api_base: `${mock.url}/v1`,
  });
  assert.equal(created.status, 201);
  client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: gateway.key, maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await mock?.stop();
});

for (const model of ["mock-model", "remote"]) {
  test(`chat completion (${model})`, async () => {
    const reply = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Say something" }],
      max_tokens: 8,
    });
    assert.equal(reply.object, "chat.completion");
    assert.equal(reply.choices[0].message.role, "assistant");
    assert.equal(reply.choices[0].message.content.split(" ").length, 8);
    assert.equal(reply.usage.completion_tokens, 8);
  });

  test(`streaming chat completion (${model})`, async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Stream" }],
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text.split(" ").length, 6);
    assert.equal(chunks, 6 + 1 + 1);
    assert.equal(usage.completion_tokens, 6);
  });
}

test("legacy completions, plain and streamed", async () => {
  const reply = await client.completions.create({ model: "remote", prompt: "Once upon", max_tokens: 4 });
  assert.equal(reply.object, "text_completion");
  assert.equal(reply.choices[0].text.split(" ").length, 4);
  const stream = await client.completions.create({ model: "mock-model", prompt: "Once", max_tokens: 3, stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
  assert.equal(text.split(" ").length, 3);
});

test("embeddings (the SDK asks for base64 and decodes it)", async () => {
  const reply = await client.embeddings.create({ model: "remote", input: ["first", "second"] });
  assert.equal(reply.data.length, 2);
  assert.equal(reply.data[0].embedding.length, 16);
  const norm = Math.hypot(...reply.data[0].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-3, `unit length, got ${norm}`);
  const floats = await client.embeddings.create({ model: "mock-model", input: "x", encoding_format: "float", dimensions: 4 });
  assert.equal(floats.data[0].embedding.length, 4);
});

test("model listing", async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids.sort(), ["mock-model", "remote"]);
  const one = await client.models.retrieve("remote");
  assert.equal(one.id, "remote");
});

test("upstream and gateway errors surface as the SDK's typed errors", async () => {
  const rateLimited = new OpenAI({
    baseURL: `${gateway.dataUrl}/v1`,
    apiKey: gateway.key,
    maxRetries: 0,
    defaultHeaders: { "x-mock-status": "429" },
  });
  await assert.rejects(
    rateLimited.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "x" }] }),
    (error) => error instanceof OpenAI.RateLimitError && error.status === 429 && error.code === "mock_status_429",
  );
  const unavailable = new OpenAI({
    baseURL: `${gateway.dataUrl}/v1`,
    apiKey: gateway.key,
    maxRetries: 0,
    defaultHeaders: { "x-mock-status": "503" },
  });
  await assert.rejects(
    unavailable.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "x" }] }),
    (error) => error instanceof OpenAI.InternalServerError && error.status === 503,
  );
  const badKey = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: `sk_${"0".repeat(48)}`, maxRetries: 0 });
  await assert.rejects(
    badKey.chat.completions.create({ model: "mock-model", messages: [{ role: "user", content: "x" }] }),
    (error) => error instanceof OpenAI.AuthenticationError && error.code === "invalid_api_key",
  );
  await assert.rejects(
    client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    (error) => error instanceof OpenAI.NotFoundError && error.code === "model_not_found",
  );
});

test("LangChain: chat, streaming, completions and embeddings", async () => {
  const configuration = { baseURL: `${gateway.dataUrl}/v1` };
  const chat = new ChatOpenAI({ model: "remote", apiKey: gateway.key, configuration, maxTokens: 5, maxRetries: 0 });
  const message = await chat.invoke("Hello from LangChain");
  assert.equal(message.content.split(" ").length, 5);

  let streamed = "";
  for await (const chunk of await chat.stream("Stream from LangChain")) streamed += chunk.content;
  assert.equal(streamed.split(" ").length, 5);

  const llm = new LangChainOpenAI({ model: "mock-model", apiKey: gateway.key, configuration, maxTokens: 3, maxRetries: 0 });
  assert.equal((await llm.invoke("Once")).split(" ").length, 3);

  const embeddings = new OpenAIEmbeddings({ model: "remote", apiKey: gateway.key, configuration, maxRetries: 0 });
  const vectors = await embeddings.embedDocuments(["a", "b", "c"]);
  assert.equal(vectors.length, 3);
  assert.equal(vectors[0].length, 16);

  const failing = new ChatOpenAI({
    model: "remote",
    apiKey: gateway.key,
    configuration: { ...configuration, defaultHeaders: { "x-mock-status": "429" } },
    maxRetries: 0,
  });
  await assert.rejects(failing.invoke("x"), (error) => error.status === 429 || /429/.test(String(error)));
});
