#include "connectsnippets.h"

#include "shellquote.h"

#include <QCoreApplication>

namespace obleth::ui {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("ConnectSnippets", text);
}

/// The data plane's root, without a trailing slash or /v1.
QString rootUrl(QString url)
{
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    if (url.endsWith(QLatin1String("/v1")))
        url.chop(3);
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return url;
}

QString curlSnippet(const QString &v1, const QString &key, const QString &model)
{
    const QString variable = QString::fromLatin1(kApiKeyVariable);
    const QString body = QStringLiteral("{\"model\":%1,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}")
                             .arg(codeString(model));
    QString text;
    if (key.isEmpty())
        text += tr("# Set %1 to one of your keys first: export %1=sk_...").arg(variable) + QLatin1Char('\n');
    text += QStringLiteral("curl -s %1 \\\n").arg(shellQuoted(v1 + QStringLiteral("/chat/completions")));
    text += key.isEmpty()
        ? QStringLiteral("  -H \"Authorization: Bearer $%1\" \\\n").arg(variable)
        : QStringLiteral("  -H %1 \\\n").arg(shellQuoted(QStringLiteral("Authorization: Bearer ") + key));
    text += QStringLiteral("  -H 'Content-Type: application/json' \\\n");
    text += QStringLiteral("  -d %1\n").arg(shellQuoted(body));
    return text;
}

QString pythonKey(const QString &key)
{
    return key.isEmpty() ? QStringLiteral("os.environ[\"%1\"]").arg(QString::fromLatin1(kApiKeyVariable))
                         : codeString(key);
}

QString openAiPythonSnippet(const QString &v1, const QString &key, const QString &model)
{
    QString text = QStringLiteral("# pip install openai\n");
    if (key.isEmpty())
        text += QStringLiteral("import os\n\n");
    text += QStringLiteral("from openai import OpenAI\n\n"
                           "client = OpenAI(base_url=%1, api_key=%2)\n"
                           "answer = client.chat.completions.create(\n"
                           "    model=%3,\n"
                           "    messages=[{\"role\": \"user\", \"content\": \"Say hello\"}],\n"
                           ")\n"
                           "print(answer.choices[0].message.content)\n")
                .arg(codeString(v1), pythonKey(key), codeString(model));
    return text;
}

QString openAiNodeSnippet(const QString &v1, const QString &key, const QString &model)
{
    const QString apiKey
        = key.isEmpty() ? QStringLiteral("process.env.%1").arg(QString::fromLatin1(kApiKeyVariable)) : codeString(key);
    return QStringLiteral("// npm install openai; save as hello.mjs and run: node hello.mjs\n"
                          "import OpenAI from \"openai\";\n\n"
                          "const client = new OpenAI({ baseURL: %1, apiKey: %2 });\n"
                          "const answer = await client.chat.completions.create({\n"
                          "  model: %3,\n"
                          "  messages: [{ role: \"user\", content: \"Say hello\" }],\n"
                          "});\n"
                          "console.log(answer.choices[0].message.content);\n")
        .arg(codeString(v1), apiKey, codeString(model));
}

QString langChainSnippet(const QString &v1, const QString &key, const QString &model)
{
    QString text = QStringLiteral("# pip install langchain-openai\n");
    if (key.isEmpty())
        text += QStringLiteral("import os\n\n");
    text += QStringLiteral("from langchain_openai import ChatOpenAI\n\n"
                           "llm = ChatOpenAI(base_url=%1, api_key=%2, model=%3)\n"
                           "print(llm.invoke(\"Say hello\").content)\n")
                .arg(codeString(v1), pythonKey(key), codeString(model));
    return text;
}

QString claudeCodeSnippet(const QString &root, const QString &key, const QString &model)
{
    QString text
        = tr("# Claude Code speaks Anthropic's Messages API; obleth serves it with the same keys.") + QLatin1Char('\n');
    text += QStringLiteral("export ANTHROPIC_BASE_URL=%1\n").arg(shellQuoted(root));
    text += key.isEmpty()
        ? QStringLiteral("export ANTHROPIC_AUTH_TOKEN=\"$%1\"\n").arg(QString::fromLatin1(kApiKeyVariable))
        : QStringLiteral("export ANTHROPIC_AUTH_TOKEN=%1\n").arg(shellQuoted(key));
    text += QStringLiteral("export ANTHROPIC_MODEL=%1\n").arg(shellQuoted(model));
    text += QStringLiteral("export ANTHROPIC_DEFAULT_HAIKU_MODEL=%1\n").arg(shellQuoted(model));
    text += QStringLiteral("claude\n");
    return text;
}

QString codexSnippet(const QString &v1, const QString &key, const QString &model)
{
    const QString variable = QString::fromLatin1(kApiKeyVariable);
    QString text = tr("# In ~/.codex/config.toml. Codex speaks the Responses API: pick a model whose backend serves "
                      "it (mock-model does not).")
        + QLatin1Char('\n');
    text += QStringLiteral("model = %1\n"
                           "model_provider = \"obleth\"\n\n"
                           "[model_providers.obleth]\n"
                           "name = \"obleth\"\n"
                           "base_url = %2\n"
                           "env_key = \"%3\"\n"
                           "wire_api = \"responses\"\n\n")
                .arg(codeString(model), codeString(v1), variable);
    QString run = key.isEmpty() ? tr("# Then, with %1 set to one of your keys, run: codex").arg(variable)
                                : tr("# Then run: export %1=%2 && codex").arg(variable, shellQuoted(key));
    run.replace(QLatin1Char('\n'), QLatin1Char(' ')).replace(QLatin1Char('\r'), QLatin1Char(' '));
    return text + run + QLatin1Char('\n');
}
} // namespace

QString codeString(const QString &text)
{
    QString out;
    out.reserve(text.size() + 2);
    out += QLatin1Char('"');
    for (const QChar c : text) {
        switch (c.unicode()) {
        case '"': out += QStringLiteral("\\\""); break;
        case '\\': out += QStringLiteral("\\\\"); break;
        case '\n': out += QStringLiteral("\\n"); break;
        case '\r': out += QStringLiteral("\\r"); break;
        case '\t': out += QStringLiteral("\\t"); break;
        default:
            // Other control characters, DEL and the two line separators JavaScript once refused in strings.
            if (c.unicode() < 0x20 || c.unicode() == 0x7f || c.unicode() == 0x2028 || c.unicode() == 0x2029)
                out += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
            else
                out += c;
        }
    }
    out += QLatin1Char('"');
    return out;
}

QList<ConnectSnippet> connectSnippets(const QString &dataUrl, const QString &key, const QString &model)
{
    const QString root = rootUrl(dataUrl);
    const QString v1 = root + QStringLiteral("/v1");
    return {
        {QStringLiteral("curl"), QStringLiteral("sh"), curlSnippet(v1, key, model)},
        {QStringLiteral("OpenAI Python"), QStringLiteral("python"), openAiPythonSnippet(v1, key, model)},
        {QStringLiteral("OpenAI Node"), QStringLiteral("javascript"), openAiNodeSnippet(v1, key, model)},
        {QStringLiteral("LangChain (Python)"), QStringLiteral("python"), langChainSnippet(v1, key, model)},
        {QStringLiteral("Claude Code"), QStringLiteral("sh"), claudeCodeSnippet(root, key, model)},
        {QStringLiteral("Codex"), QStringLiteral("toml"), codexSnippet(v1, key, model)},
    };
}

} // namespace obleth::ui
