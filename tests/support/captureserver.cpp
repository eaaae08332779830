#include "captureserver.h"

#include <QTcpSocket>

namespace obleth::test {

QByteArray CaptureServer::defaultResponse()
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Upstream: yes\r\nConnection: keep-alive, "
           "X-Drop-Me\r\n"
           "X-Drop-Me: 1\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
}

CaptureServer::CaptureServer(QByteArray response)
    : m_response(std::move(response))
{
    listen(QHostAddress::LocalHost, 0);
    connect(this, &QTcpServer::newConnection, this, &CaptureServer::onConnection);
}

void CaptureServer::onConnection()
{
    while (QTcpSocket *socket = nextPendingConnection()) {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
            *buffer += socket->readAll();
            const qsizetype headEnd = buffer->indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            qsizetype length = 0;
            const QList<QByteArray> lines = buffer->left(headEnd).split('\n');
            for (const QByteArray &line : lines) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer->size() < headEnd + 4 + length)
                return;
            m_requests.append(buffer->left(headEnd + 4 + length));
            buffer->remove(0, headEnd + 4 + length);
            socket->write(m_response);
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

QByteArray CaptureServer::lastHead() const
{
    if (m_requests.isEmpty())
        return {};
    return m_requests.last().left(m_requests.last().indexOf("\r\n\r\n") + 2);
}

QByteArray CaptureServer::lastBody() const
{
    if (m_requests.isEmpty())
        return {};
    return m_requests.last().mid(m_requests.last().indexOf("\r\n\r\n") + 4);
}

} // namespace obleth::test
