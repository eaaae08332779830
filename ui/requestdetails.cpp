#include "requestdetails.h"

#include "shellquote.h"

#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <QStringDecoder>

namespace obleth::ui::requestdetails {

namespace {
QString cutNote(bool cut)
{
    return cut ? QStringLiteral("\n") + QObject::tr("(cut at %1 KiB)").arg(model::kMaxLiveBodyBytes / 1024) : QString();
}

/// @p bytes as UTF-8, or nothing when they are not text (a cut body may end inside a character: that is text).
std::optional<QString> asText(const QByteArray &bytes)
{
    if (bytes.contains('\0'))
        return std::nullopt;
    QStringDecoder decode(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decode(bytes);
    const qsizetype bad = text.count(QChar::ReplacementCharacter);
    if (bad > 4) // a few: a character cut at the end, or one odd byte
        return std::nullopt;
    return text;
}

/// Valid JSON @p json indented by four spaces, its members in the order sent (QJsonDocument would sort them).
QString indented(const QString &json)
{
    QString out;
    out.reserve(json.size() * 2);
    int depth = 0;
    bool inString = false;
    const auto newline = [&out, &depth] { out += QLatin1Char('\n') + QString(depth * 4, QLatin1Char(' ')); };
    for (qsizetype i = 0; i < json.size(); ++i) {
        const QChar c = json.at(i);
        if (inString) {
            out += c;
            if (c == QLatin1Char('\\') && i + 1 < json.size())
                out += json.at(++i);
            else if (c == QLatin1Char('"'))
                inString = false;
            continue;
        }
        switch (c.unicode()) {
        case '"':
            inString = true;
            out += c;
            break;
        case '{':
        case '[': {
            qsizetype next = i + 1;
            while (next < json.size() && json.at(next).isSpace())
                ++next;
            if (next < json.size() && (json.at(next) == QLatin1Char('}') || json.at(next) == QLatin1Char(']'))) {
                out += c; // {} and [] stay on their line
                out += json.at(next);
                i = next;
                break;
            }
            out += c;
            ++depth;
            newline();
            break;
        }
        case '}':
        case ']':
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':': out += QStringLiteral(": "); break;
        case ' ':
        case '\t':
        case '\n':
        case '\r': break; // the layout is ours
        default: out += c;
        }
    }
    return out;
}

bool isHopByHop(const QByteArray &name)
{
    static const QList<QByteArray> names{"connection",
                                         "keep-alive",
                                         "proxy-authorization",
                                         "proxy-connection",
                                         "proxy-authenticate",
                                         "te",
                                         "trailer",
                                         "trailers",
                                         "transfer-encoding",
                                         "upgrade",
                                         "host",
                                         "content-length",
                                         "expect",
                                         "cookie"};
    return names.contains(name.toLower());
}
} // namespace

QString prettyBody(const QByteArray &body, bool cut)
{
    if (body.isEmpty())
        return QObject::tr("(empty)");
    if (!cut) {
        QJsonParseError error;
        const QJsonDocument json = QJsonDocument::fromJson(body, &error);
        if (error.error == QJsonParseError::NoError && !json.isNull())
            return indented(QString::fromUtf8(body));
    }
    const std::optional<QString> text = asText(body);
    if (!text)
        return QObject::tr("(%1 bytes of binary data)").arg(QLocale().toString(body.size())) + cutNote(cut);
    return *text + cutNote(cut);
}

QString rawEvents(const QByteArray &stream, bool cut, int maxEvents)
{
    const std::optional<QString> text = asText(stream);
    if (!text)
        return prettyBody(stream, cut);
    QString normal = *text;
    normal.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    QStringList events = normal.split(QStringLiteral("\n\n"), Qt::SkipEmptyParts);
    const qsizetype all = events.size();
    if (all > maxEvents) {
        events.resize(maxEvents);
        events << QObject::tr("… %n more event(s)", nullptr, int(all - maxEvents));
    }
    return events.join(QStringLiteral("\n")) + cutNote(cut);
}

bool canReproduce(const model::RequestRecord &r)
{
    return !r.requestHeaders.isEmpty() && !r.requestBodyCut && r.requestBody.size() == r.bytesIn
        && asText(r.requestBody).has_value();
}

QString curlCommand(const model::RequestRecord &r, const QString &dataUrl)
{
    QString url = dataUrl + QString::fromUtf8(r.path);
    if (!r.query.isEmpty())
        url += QLatin1Char('?') + QString::fromUtf8(r.query);
    QStringList parts{QStringLiteral("curl ") + shellQuoted(url)};
    const bool body = !r.requestBody.isEmpty();
    if (!(r.method == "GET" && !body) && !(r.method == "POST" && body))
        parts << QStringLiteral("-X ") + shellQuoted(QString::fromLatin1(r.method));
    if (r.streamed)
        parts << QStringLiteral("-N");
    for (const auto &[name, value] : r.requestHeaders) {
        const QByteArray lower = name.toLower();
        if (isHopByHop(lower))
            continue;
        if (lower == "accept-encoding") {
            parts << QStringLiteral("--compressed");
            continue;
        }
        const QString field = QString::fromLatin1(name);
        if (lower == "authorization" || lower == "x-api-key" || lower == "api-key") {
            // The key itself is never kept: the command reads it from the environment (double quotes expand it).
            QString scheme;
            if (lower == "authorization") { // "Bearer sk_1f…(masked)": the scheme stays when it is a word
                const qsizetype space = value.indexOf(' ');
                scheme = space > 0 ? QString::fromLatin1(value.left(space)) : QString();
                // The client wrote it: anything but a plain token ("$(…)", a backtick) must not reach the shell
                // inside double quotes, where it would run.
                static const QRegularExpression token(QStringLiteral("^[A-Za-z][A-Za-z0-9._~+-]*$"));
                if (!token.match(scheme).hasMatch())
                    scheme = QStringLiteral("Bearer");
                scheme += QLatin1Char(' ');
            }
            parts << QStringLiteral("-H \"%1: %2$OBLETH_API_KEY\"").arg(field, scheme);
            continue;
        }
        parts << QStringLiteral("-H ") + shellQuoted(field + QStringLiteral(": ") + QString::fromUtf8(value));
    }
    if (body)
        parts << QStringLiteral("--data-raw ") + shellQuoted(asText(r.requestBody).value_or(QString()));
    return parts.join(QStringLiteral(" \\\n  "));
}

} // namespace obleth::ui::requestdetails
