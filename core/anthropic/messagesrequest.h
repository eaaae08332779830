#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

/// The Messages API's request translated onto Chat Completions (contract section 13), as a pure function.
namespace obleth::anthropic {

/// @p messages (a client's POST /v1/messages body, parsed) as a Chat Completions request body (compact JSON):
/// - `system` (a string or text blocks) → a first {"role":"system"} message;
/// - each message's `content` (a string or blocks): text → text, `image` (base64 or url source) → an `image_url`
///   part (a data: URL for base64), assistant `tool_use` blocks → `tool_calls` (arguments: the input as JSON text),
///   user `tool_result` blocks → {"role":"tool","tool_call_id",…} messages placed before the user's other content
///   (their content: a string, or their text blocks joined with "\n"; `is_error` kept as a leading "Error: "; the
///   images a tool returned, which a tool message cannot hold, go into the user message that follows, announced by
///   the tool message's text), `document` blocks (text → text, base64 → a `file` part), `thinking` and
///   `redacted_thinking` blocks dropped, `cache_control` ignored;
/// - `tools` → `tools` of type function (`input_schema` → `parameters`), `tool_choice` auto/any/tool/none →
///   "auto"/"required"/{"type":"function",…}/"none", `disable_parallel_tool_use` → `parallel_tool_calls: false`;
/// - `stop_sequences` → `stop`; `temperature`, `top_p`, `max_tokens` as they are; `metadata.user_id` → `user`;
/// - `stream: true` → `stream: true` with `stream_options: {"include_usage": true}`;
/// - dropped, because Chat Completions servers refuse members they do not know: `top_k`, `thinking`, `service_tier`
///   and any other member; tools of a type other than `custom` (Anthropic's server tools); `tool_choice` and
///   `parallel_tool_calls` when no tool is left.
/// The `model` member is kept as the client sent it (each try puts its upstream_model there).
/// False with @p error (worded for the client) when the body is not a Messages request: no `messages` array, a
/// message without a valid role or content, a block of an unknown type.
bool toChatCompletions(const QJsonObject &messages, QByteArray *chatBody, QString *error);

/// The `stop_sequences` of a Messages request (for telling stop_sequence from end_turn in the answer).
[[nodiscard]] QStringList stopSequencesOf(const QJsonObject &messages);

} // namespace obleth::anthropic
