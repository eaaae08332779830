#include "messagesrequest.h"

#include "platform/logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

// The request's translation (contract section 13). What a Chat Completions server cannot take is left out rather
// than passed on, since OpenAI's API and most servers that copy it refuse members they do not know:
// - `top_k` (OpenAI has no such parameter), `thinking` (extended thinking has no Chat Completions counterpart),
//   `service_tier`, `container`, `mcp_servers` and any other member not named here;
// - `cache_control` on system blocks, content blocks and tools (Chat Completions caches on its own);
// - tools of a type other than `custom` (Anthropic's server tools, such as web search, and its own client tools,
//   such as bash or the text editor, whose schemas only Anthropic's models know): a Chat Completions model could
//   not use them; they are logged;
// - `thinking` and `redacted_thinking` blocks of earlier assistant turns.
// Images a tool returns (a `tool_result` holding `image` blocks) cannot go into a tool message, which takes text
// only: they follow the tool messages in the next user message, each tool result's images after a text part
// "Images returned by tool call ID:", so that the model still sees them; the tool message's text says so.
namespace obleth::anthropic {

namespace {

QString str(const char *s)
{
    return QString::fromLatin1(s);
}

/// A client's word quoted in an error message: at most 64 characters of it.
QString shown(const QString &word)
{
    return word.size() <= 64 ? word : word.left(64) + QStringLiteral("…");
}

/// What one message's translation needs: where it is (for error messages) and where its output goes.
class Translator
{
public:
    QJsonArray out;
    QString error;

    bool system(const QJsonValue &system);
    bool message(const QJsonValue &message, int at);

private:
    bool fail(const QString &where, const QString &what)
    {
        error = where + QLatin1Char(' ') + what;
        return false;
    }
    bool textOf(const QJsonObject &block, const QString &where, QString *text);
    bool imagePart(const QJsonObject &block, const QString &where, QJsonObject *part);
    bool documentPart(const QJsonObject &block, const QString &where, QJsonObject *part);
    bool userMessage(const QJsonArray &blocks, const QString &where);
    bool assistantMessage(const QJsonArray &blocks, const QString &where);
};

bool Translator::system(const QJsonValue &system)
{
    if (system.isUndefined() || system.isNull())
        return true;
    QString text;
    if (system.isString()) {
        text = system.toString();
    } else if (system.isArray()) {
        const QJsonArray blocks = system.toArray();
        for (qsizetype i = 0; i < blocks.size(); ++i) {
            const QString where = QStringLiteral("system.%1").arg(i);
            const QJsonObject block = blocks.at(i).toObject();
            if (block.value(QLatin1String("type")) != QLatin1String("text"))
                return fail(where, QStringLiteral("must be a text block"));
            QString piece;
            if (!textOf(block, where, &piece))
                return false;
            if (!text.isEmpty())
                text += QLatin1Char('\n');
            text += piece;
        }
    } else {
        return fail(str("system"), QStringLiteral("must be a string or an array of text blocks"));
    }
    if (!text.isEmpty())
        out.append(QJsonObject{{str("role"), str("system")}, {str("content"), text}});
    return true;
}

bool Translator::textOf(const QJsonObject &block, const QString &where, QString *text)
{
    const QJsonValue value = block.value(QLatin1String("text"));
    if (!value.isString())
        return fail(where, QStringLiteral("is a text block without a \"text\" string"));
    *text = value.toString();
    return true;
}

bool Translator::imagePart(const QJsonObject &block, const QString &where, QJsonObject *part)
{
    const QJsonObject source = block.value(QLatin1String("source")).toObject();
    const QString type = source.value(QLatin1String("type")).toString();
    QString url;
    if (type == QLatin1String("base64")) {
        const QString mediaType = source.value(QLatin1String("media_type")).toString();
        const QJsonValue data = source.value(QLatin1String("data"));
        if (mediaType.isEmpty() || !data.isString())
            return fail(where, QStringLiteral("is a base64 image without \"media_type\" and \"data\""));
        url = QStringLiteral("data:") + mediaType + QStringLiteral(";base64,") + data.toString();
    } else if (type == QLatin1String("url")) {
        url = source.value(QLatin1String("url")).toString();
        if (url.isEmpty())
            return fail(where, QStringLiteral("is an image whose url source has no \"url\""));
    } else {
        return fail(where,
                    QStringLiteral("is an image whose source type is not supported on this model "
                                   "(base64 and url are)"));
    }
    *part = QJsonObject{{str("type"), str("image_url")}, {str("image_url"), QJsonObject{{str("url"), url}}}};
    return true;
}

bool Translator::documentPart(const QJsonObject &block, const QString &where, QJsonObject *part)
{
    const QJsonObject source = block.value(QLatin1String("source")).toObject();
    const QString type = source.value(QLatin1String("type")).toString();
    if (type == QLatin1String("text") && source.value(QLatin1String("data")).isString()) {
        *part = QJsonObject{{str("type"), str("text")}, {str("text"), source.value(QLatin1String("data"))}};
        return true;
    }
    if (type == QLatin1String("base64") && source.value(QLatin1String("data")).isString()) {
        const QString mediaType = source.value(QLatin1String("media_type")).toString(QStringLiteral("application/pdf"));
        QString name = block.value(QLatin1String("title")).toString();
        if (name.isEmpty())
            name = mediaType == QLatin1String("application/pdf") ? QStringLiteral("document.pdf")
                                                                 : QStringLiteral("document");
        const QString data = QStringLiteral("data:") + mediaType + QStringLiteral(";base64,")
            + source.value(QLatin1String("data")).toString();
        *part = QJsonObject{{str("type"), str("file")},
                            {str("file"), QJsonObject{{str("filename"), name}, {str("file_data"), data}}}};
        return true;
    }
    return fail(where,
                QStringLiteral("is a document whose source is not supported on this model (text and base64 "
                               "are)"));
}

/// The parts as a Chat Completions content: one text part as a plain string, anything else as an array.
QJsonValue contentOf(const QJsonArray &parts)
{
    if (parts.isEmpty())
        return QString();
    if (parts.size() == 1 && parts.at(0).toObject().value(QLatin1String("type")) == QLatin1String("text"))
        return parts.at(0).toObject().value(QLatin1String("text"));
    return parts;
}

bool Translator::userMessage(const QJsonArray &blocks, const QString &where)
{
    QJsonArray parts; // the user's own content
    QJsonArray toolImages; // images that tool results returned, which go before it
    bool anyToolResult = false;
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        const QString at = QStringLiteral("%1.content.%2").arg(where).arg(i);
        if (!blocks.at(i).isObject())
            return fail(at, QStringLiteral("must be a content block (an object)"));
        const QJsonObject block = blocks.at(i).toObject();
        const QString type = block.value(QLatin1String("type")).toString();
        if (type == QLatin1String("text")) {
            QString text;
            if (!textOf(block, at, &text))
                return false;
            parts.append(QJsonObject{{str("type"), str("text")}, {str("text"), text}});
        } else if (type == QLatin1String("image")) {
            QJsonObject part;
            if (!imagePart(block, at, &part))
                return false;
            parts.append(part);
        } else if (type == QLatin1String("document")) {
            QJsonObject part;
            if (!documentPart(block, at, &part))
                return false;
            parts.append(part);
        } else if (type == QLatin1String("tool_result")) {
            const QJsonValue id = block.value(QLatin1String("tool_use_id"));
            if (!id.isString() || id.toString().isEmpty())
                return fail(at, QStringLiteral("is a tool_result without a \"tool_use_id\""));
            const QJsonValue content = block.value(QLatin1String("content"));
            QString text;
            QJsonArray images;
            if (content.isString()) {
                text = content.toString();
            } else if (content.isArray()) {
                const QJsonArray inner = content.toArray();
                for (qsizetype j = 0; j < inner.size(); ++j) {
                    const QString innerAt = QStringLiteral("%1.content.%2").arg(at).arg(j);
                    const QJsonObject piece = inner.at(j).toObject();
                    const QString pieceType = piece.value(QLatin1String("type")).toString();
                    if (pieceType == QLatin1String("text")) {
                        QString t;
                        if (!textOf(piece, innerAt, &t))
                            return false;
                        if (!text.isEmpty())
                            text += QLatin1Char('\n');
                        text += t;
                    } else if (pieceType == QLatin1String("image")) {
                        QJsonObject part;
                        if (!imagePart(piece, innerAt, &part))
                            return false;
                        images.append(part);
                    } else if (pieceType == QLatin1String("document")) {
                        QJsonObject part;
                        if (!documentPart(piece, innerAt, &part))
                            return false;
                        if (part.value(QLatin1String("type")) == QLatin1String("text")) {
                            if (!text.isEmpty())
                                text += QLatin1Char('\n');
                            text += part.value(QLatin1String("text")).toString();
                        } else {
                            images.append(part);
                        }
                    } else {
                        return fail(innerAt,
                                    QStringLiteral("has a type that a tool_result cannot hold here: \"%1\"")
                                        .arg(shown(pieceType)));
                    }
                }
            } else if (!content.isUndefined() && !content.isNull()) {
                return fail(at, QStringLiteral("has a \"content\" that is neither a string nor an array of blocks"));
            }
            if (!images.isEmpty()) {
                const QString note
                    = QStringLiteral("(%1 attachment(s) follow in the next user message)").arg(images.size());
                text = text.isEmpty() ? note : text + QLatin1Char('\n') + note;
                toolImages.append(QJsonObject{
                    {str("type"), str("text")},
                    {str("text"), QStringLiteral("Attachments returned by tool call %1:").arg(id.toString())}});
                for (const QJsonValue &image : std::as_const(images))
                    toolImages.append(image);
            }
            if (block.value(QLatin1String("is_error")).toBool())
                text.prepend(QStringLiteral("Error: "));
            out.append(QJsonObject{{str("role"), str("tool")}, {str("tool_call_id"), id}, {str("content"), text}});
            anyToolResult = true;
        } else if (type == QLatin1String("thinking") || type == QLatin1String("redacted_thinking")) {
            continue;
        } else if (type == QLatin1String("tool_use")) {
            return fail(at, QStringLiteral("is a tool_use block, which only an assistant message can hold"));
        } else {
            return fail(at,
                        QStringLiteral("has a content block type that is not supported on this model: \"%1\"")
                            .arg(shown(type)));
        }
    }
    if (!toolImages.isEmpty()) {
        for (const QJsonValue &part : std::as_const(parts))
            toolImages.append(part);
        parts = toolImages;
    }
    if (parts.isEmpty() && anyToolResult)
        return true; // only tool results: the tool messages are the turn
    out.append(QJsonObject{{str("role"), str("user")}, {str("content"), contentOf(parts)}});
    return true;
}

bool Translator::assistantMessage(const QJsonArray &blocks, const QString &where)
{
    QString text;
    QJsonArray toolCalls;
    for (qsizetype i = 0; i < blocks.size(); ++i) {
        const QString at = QStringLiteral("%1.content.%2").arg(where).arg(i);
        if (!blocks.at(i).isObject())
            return fail(at, QStringLiteral("must be a content block (an object)"));
        const QJsonObject block = blocks.at(i).toObject();
        const QString type = block.value(QLatin1String("type")).toString();
        if (type == QLatin1String("text")) {
            QString piece;
            if (!textOf(block, at, &piece))
                return false;
            text += piece; // an answer's text blocks are pieces of one text (split by citations, say)
        } else if (type == QLatin1String("tool_use")) {
            const QJsonValue id = block.value(QLatin1String("id"));
            const QJsonValue name = block.value(QLatin1String("name"));
            if (!id.isString() || id.toString().isEmpty() || !name.isString() || name.toString().isEmpty())
                return fail(at, QStringLiteral("is a tool_use block without \"id\" and \"name\""));
            const QJsonValue input = block.value(QLatin1String("input"));
            if (!input.isObject() && !input.isUndefined() && !input.isNull())
                return fail(at, QStringLiteral("is a tool_use block whose \"input\" is not an object"));
            const QString arguments = QString::fromUtf8(QJsonDocument(input.toObject()).toJson(QJsonDocument::Compact));
            toolCalls.append(
                QJsonObject{{str("id"), id},
                            {str("type"), str("function")},
                            {str("function"), QJsonObject{{str("name"), name}, {str("arguments"), arguments}}}});
        } else if (type == QLatin1String("thinking") || type == QLatin1String("redacted_thinking")) {
            continue;
        } else if (type == QLatin1String("tool_result")) {
            return fail(at, QStringLiteral("is a tool_result block, which only a user message can hold"));
        } else {
            return fail(at,
                        QStringLiteral("has a content block type that an assistant message cannot hold on "
                                       "this model: \"%1\"")
                            .arg(shown(type)));
        }
    }
    QJsonObject message{{str("role"), str("assistant")}};
    if (toolCalls.isEmpty()) {
        message.insert(str("content"), text);
    } else {
        message.insert(str("content"), text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text));
        message.insert(str("tool_calls"), toolCalls);
    }
    out.append(message);
    return true;
}

bool Translator::message(const QJsonValue &value, int at)
{
    const QString where = QStringLiteral("messages.%1").arg(at);
    if (!value.isObject())
        return fail(where, QStringLiteral("must be an object with \"role\" and \"content\""));
    const QJsonObject message = value.toObject();
    const QString role = message.value(QLatin1String("role")).toString();
    const bool user = role == QLatin1String("user");
    if (!user && role != QLatin1String("assistant"))
        return fail(where + QStringLiteral(".role"), QStringLiteral("must be \"user\" or \"assistant\""));
    const QJsonValue content = message.value(QLatin1String("content"));
    if (content.isString()) {
        out.append(QJsonObject{{str("role"), role}, {str("content"), content}});
        return true;
    }
    if (!content.isArray())
        return fail(where + QStringLiteral(".content"),
                    QStringLiteral("must be a string or an array of content "
                                   "blocks"));
    return user ? userMessage(content.toArray(), where) : assistantMessage(content.toArray(), where);
}

/// Anthropic's tools as Chat Completions function tools; the number left out (not `custom` tools) in @p dropped.
QJsonArray toolsOf(const QJsonArray &tools, QString *error)
{
    QJsonArray out;
    for (qsizetype i = 0; i < tools.size(); ++i) {
        const QJsonObject tool = tools.at(i).toObject();
        const QString type = tool.value(QLatin1String("type")).toString(QStringLiteral("custom"));
        const QJsonValue name = tool.value(QLatin1String("name"));
        if (type != QLatin1String("custom")) {
            qCDebug(lcAnthropic) << "a tool of type" << shown(type) << "is left out of a translated request";
            continue;
        }
        if (!name.isString() || name.toString().isEmpty()) {
            *error = QStringLiteral("tools.%1 has no \"name\"").arg(i);
            return {};
        }
        QJsonObject function{{str("name"), name}};
        const QJsonValue description = tool.value(QLatin1String("description"));
        if (description.isString())
            function.insert(str("description"), description);
        const QJsonValue schema = tool.value(QLatin1String("input_schema"));
        function.insert(
            str("parameters"),
            schema.isObject() ? schema : QJsonObject{{str("type"), str("object")}, {str("properties"), QJsonObject()}});
        out.append(QJsonObject{{str("type"), str("function")}, {str("function"), function}});
    }
    return out;
}

} // namespace

bool toChatCompletions(const QJsonObject &messages, QByteArray *chatBody, QString *error)
{
    const QJsonValue list = messages.value(QLatin1String("messages"));
    if (!list.isArray()) {
        *error = QStringLiteral("\"messages\" must be an array of messages");
        return false;
    }
    Translator t;
    if (!t.system(messages.value(QLatin1String("system")))) {
        *error = t.error;
        return false;
    }
    const QJsonArray array = list.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!t.message(array.at(i), int(i))) {
            *error = t.error;
            return false;
        }
    }

    QJsonObject chat;
    const QJsonValue model = messages.value(QLatin1String("model"));
    if (!model.isUndefined())
        chat.insert(str("model"), model);
    chat.insert(str("messages"), t.out);

    for (const char *same : {"max_tokens", "temperature", "top_p"}) {
        const QJsonValue v = messages.value(QLatin1String(same));
        if (v.isUndefined() || v.isNull())
            continue;
        if (!v.isDouble()) {
            *error = QStringLiteral("\"%1\" must be a number").arg(QLatin1String(same));
            return false;
        }
        chat.insert(QLatin1String(same), v);
    }

    const QJsonValue stops = messages.value(QLatin1String("stop_sequences"));
    if (!stops.isUndefined() && !stops.isNull()) {
        if (!stops.isArray()) {
            *error = QStringLiteral("\"stop_sequences\" must be an array of strings");
            return false;
        }
        for (const QJsonValue &s : stops.toArray()) {
            if (!s.isString()) {
                *error = QStringLiteral("\"stop_sequences\" must be an array of strings");
                return false;
            }
        }
        if (!stops.toArray().isEmpty())
            chat.insert(str("stop"), stops);
    }

    const QJsonValue userId = messages.value(QLatin1String("metadata")).toObject().value(QLatin1String("user_id"));
    if (userId.isString() && !userId.toString().isEmpty())
        chat.insert(str("user"), userId);

    const QJsonValue tools = messages.value(QLatin1String("tools"));
    if (!tools.isUndefined() && !tools.isNull() && !tools.isArray()) {
        *error = QStringLiteral("\"tools\" must be an array of tools");
        return false;
    }
    QString toolError;
    const QJsonArray functions = toolsOf(tools.toArray(), &toolError);
    if (!toolError.isEmpty()) {
        *error = toolError;
        return false;
    }
    // OpenAI refuses tool_choice and parallel_tool_calls without tools: they go only with some.
    const QJsonValue choiceValue = messages.value(QLatin1String("tool_choice"));
    if (!choiceValue.isUndefined() && !choiceValue.isNull() && !choiceValue.isObject()) {
        *error = QStringLiteral("\"tool_choice\" must be an object with a \"type\"");
        return false;
    }
    const QJsonObject choice = choiceValue.toObject();
    const QString choiceType = choice.value(QLatin1String("type")).toString();
    QJsonValue toolChoice;
    if (choiceType == QLatin1String("auto")) {
        toolChoice = str("auto");
    } else if (choiceType == QLatin1String("any")) {
        toolChoice = str("required");
    } else if (choiceType == QLatin1String("none")) {
        toolChoice = str("none");
    } else if (choiceType == QLatin1String("tool")) {
        const QJsonValue name = choice.value(QLatin1String("name"));
        if (!name.isString() || name.toString().isEmpty()) {
            *error = QStringLiteral("\"tool_choice\" of type \"tool\" needs a \"name\"");
            return false;
        }
        toolChoice = QJsonObject{{str("type"), str("function")}, {str("function"), QJsonObject{{str("name"), name}}}};
    } else if (!choiceValue.isUndefined() && !choiceValue.isNull()) {
        *error = QStringLiteral("\"tool_choice.type\" must be \"auto\", \"any\", \"tool\" or \"none\"");
        return false;
    }
    if (!functions.isEmpty()) {
        chat.insert(str("tools"), functions);
        if (!toolChoice.isUndefined())
            chat.insert(str("tool_choice"), toolChoice);
        if (choice.value(QLatin1String("disable_parallel_tool_use")).toBool())
            chat.insert(str("parallel_tool_calls"), false);
    }

    if (messages.value(QLatin1String("stream")).toBool()) {
        chat.insert(str("stream"), true);
        chat.insert(str("stream_options"), QJsonObject{{str("include_usage"), true}});
    }

    *chatBody = QJsonDocument(chat).toJson(QJsonDocument::Compact);
    return true;
}

QStringList stopSequencesOf(const QJsonObject &messages)
{
    QStringList out;
    for (const QJsonValue &s : messages.value(QLatin1String("stop_sequences")).toArray()) {
        if (s.isString())
            out.append(s.toString());
    }
    return out;
}

} // namespace obleth::anthropic
