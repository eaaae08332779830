#include "testhttp.h"

#include "http/messageparser.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QTcpSocket>
#include <QTimer>

namespace obleth::test {

bool Response::isOpenAiError() const
{
    const QJsonObject error = json().value(QStringLiteral("error")).toObject();
    return error.value(QStringLiteral("message")).isString() && error.value(QStringLiteral("type")).isString()
        && error.value(QStringLiteral("code")).isString()
        && !error.value(QStringLiteral("message")).toString().isEmpty();
}

http::Headers headers(std::initializer_list<std::pair<const char *, QByteArray>> fields)
{
    http::Headers h;
    for (const auto &f : fields)
        h.add(f.first, f.second);
    return h;
}

Response rawExchange(quint16 port, const QByteArray &raw, int timeoutMs, bool oneResponse)
{
    Response response;
    QTcpSocket socket;
    QEventLoop loop;
    http::MessageParser parser(http::MessageParser::Kind::Response);
    const bool head = raw.startsWith("HEAD "); // the answer to a HEAD has no body, whatever it declares
    if (head)
        parser.expectNoBody();
    bool done = false;
    auto finish = [&] {
        done = true;
        loop.quit();
    };
    auto consume = [&] {
        const QByteArray bytes = socket.readAll();
        response.raw += bytes;
        parser.append(bytes);
        for (;;) {
            const auto event = parser.next();
            if (event == http::MessageParser::Event::NeedMore)
                return;
            if (event == http::MessageParser::Event::Error)
                return finish();
            if (event == http::MessageParser::Event::Headers) {
                if (parser.status() >= 200) {
                    response.status = parser.status();
                    response.headers = parser.headers();
                }
            } else if (event == http::MessageParser::Event::Body) {
                response.body += parser.takeBody();
            } else if (event == http::MessageParser::Event::Complete) {
                if (parser.status() < 200) {
                    parser.reset();
                    if (head)
                        parser.expectNoBody();
                    continue;
                }
                if (oneResponse)
                    return finish();
                parser.reset();
            }
        }
    };
    QObject::connect(&socket, &QTcpSocket::connected, &loop, [&] { socket.write(raw); });
    QObject::connect(&socket, &QTcpSocket::readyRead, &loop, consume);
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, [&] {
        consume();
        if (parser.isCloseDelimited() && parser.finishAtEof() == http::MessageParser::Event::Complete)
            response.status = parser.status();
        finish();
    });
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, [&](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            finish();
    });
    QTimer::singleShot(timeoutMs, &loop, finish);
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!done)
        loop.exec();
    return response;
}

Response request(quint16 port, const QByteArray &method, const QByteArray &target, const http::Headers &hdrs,
                 const QByteArray &body, int timeoutMs)
{
    QByteArray raw = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    for (const auto &f : hdrs.fields())
        raw += f.first + ": " + f.second + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT" || method == "PATCH")
        raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    raw += "\r\n" + body;
    return rawExchange(port, raw, timeoutMs, true);
}

Response postJson(quint16 port, const QByteArray &target, const QByteArray &token, const QByteArray &json,
                  http::Headers extra)
{
    extra.add("Content-Type", "application/json");
    if (!token.isEmpty())
        extra.add("Authorization", "Bearer " + token);
    return request(port, "POST", target, extra, json);
}

QByteArray chatBody(const Chat &chat)
{
    QJsonObject body{{QStringLiteral("model"), chat.model},
                     {QStringLiteral("max_tokens"), chat.maxTokens},
                     {QStringLiteral("messages"),
                      QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                             {QStringLiteral("content"), chat.prompt}}}}};
    if (chat.stream)
        body.insert(QStringLiteral("stream"), true);
    if (chat.includeUsage)
        body.insert(QStringLiteral("stream_options"), QJsonObject{{QStringLiteral("include_usage"), true}});
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace obleth::test
