#pragma once

#include <QList>
#include <QString>

namespace obleth::ui {

/// A ready-to-copy piece of code or configuration that points a tool at the gateway.
struct ConnectSnippet
{
    QString title; ///< the tool, as a tab shows it ("curl", "OpenAI Python", …)
    QString language; ///< "sh", "python", "javascript", "toml"
    QString text;
};

/// The environment variable the snippets read the key from when none is given.
inline constexpr char kApiKeyVariable[] = "OBLETH_API_KEY";

/// The snippets that connect curl, the OpenAI SDKs (Python, Node), LangChain, Claude Code and Codex to the gateway
/// at @p dataUrl (its data plane's URL, with or without /v1) with @p model; @p key is written into them, or, when
/// empty, read from $OBLETH_API_KEY. Every value is quoted for the language it lands in.
[[nodiscard]] QList<ConnectSnippet> connectSnippets(const QString &dataUrl, const QString &key, const QString &model);

/// @p text as a double-quoted string literal that Python, JavaScript, JSON and TOML all read back as @p text
/// (backslash, quote and control characters escaped).
[[nodiscard]] QString codeString(const QString &text);

} // namespace obleth::ui
