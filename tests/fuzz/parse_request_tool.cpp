// Prints obleth's parse of the first HTTP request in a byte stream (standard input) as one JSON object, for the
// differential test against Node's llhttp (tests/node/parser-diff.test.mjs):
//   {"outcome":"complete"|"error"|"incomplete", "status":<error status>, "error":"...",
//    "method":"...", "target":"...", "headers":[[name,value],...], "body":"..."}
// Strings are the bytes as Latin-1, so every byte survives. The parser is fed the whole stream, then sees the
// end of it, as a server does when the client half-closes.

#include "http/messageparser.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using obleth::http::Headers;
using obleth::http::MessageParser;

int main()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read standard input\n");
        return 2;
    }
    const QByteArray bytes = in.readAll();
    const auto latin1 = [](const QByteArray &b) { return QJsonValue(QString::fromLatin1(b)); };

    MessageParser parser(MessageParser::Kind::Request);
    parser.append(bytes);
    QJsonObject out{{QStringLiteral("outcome"), QStringLiteral("incomplete")}};
    QByteArray body;
    bool done = false;
    while (!done) {
        switch (parser.next()) {
        case MessageParser::Event::NeedMore: done = true; break;
        case MessageParser::Event::Headers: {
            out.insert(QStringLiteral("method"), latin1(parser.method()));
            out.insert(QStringLiteral("target"), latin1(parser.target()));
            QJsonArray headers;
            for (const Headers::Field &f : parser.headers().fields())
                headers.append(QJsonArray{latin1(f.first), latin1(f.second)});
            out.insert(QStringLiteral("headers"), headers);
            break;
        }
        case MessageParser::Event::Body: body += parser.takeBody(); break;
        case MessageParser::Event::Complete:
            out.insert(QStringLiteral("outcome"), QStringLiteral("complete"));
            done = true;
            break;
        case MessageParser::Event::Error:
            out.insert(QStringLiteral("outcome"), QStringLiteral("error"));
            out.insert(QStringLiteral("status"), parser.errorStatus());
            out.insert(QStringLiteral("error"), parser.errorMessage());
            done = true;
            break;
        }
    }
    out.insert(QStringLiteral("body"), latin1(body));
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Compact);
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    std::fputc('\n', stdout);
    return 0;
}
