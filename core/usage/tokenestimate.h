#pragma once

#include <QJsonObject>

namespace obleth::usage {

/// Tokens in @p chars characters of text, at about four characters a token (at least one for any text).
[[nodiscard]] qint64 tokensForChars(qint64 chars);

/// The prompt tokens of a request, estimated from its text (prompttext.h): a chat (`messages`), completion
/// (`prompt`), Anthropic Messages (`system`, string or text blocks, and `messages`) or Responses request
/// (`instructions` and `input`), plus the compact JSON of its `tools` (any of them).
[[nodiscard]] qint64 promptTokenEstimate(const QJsonObject &request);

/// Completion tokens assumed for a request that sets no max_tokens, for token-budget reservations.
constexpr qint64 kDefaultCompletionEstimate = 256;

/// What a request is likely to use, reserved from a token budget before it runs: its prompt's estimate plus its
/// max_completion_tokens, else max_tokens (chat, completions, Messages), else max_output_tokens (Responses), else
/// kDefaultCompletionEstimate.
[[nodiscard]] qint64 requestTokenEstimate(const QJsonObject &request);
/// The same with the prompt's estimate already made (@p prompt: promptTokenEstimate() of @p request).
[[nodiscard]] qint64 requestTokenEstimate(const QJsonObject &request, qint64 prompt);

} // namespace obleth::usage
