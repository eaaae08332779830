#include "loadclient.h"

#include <QHostAddress>

namespace obleth::test {

LoadClient::LoadClient(quint16 port, const QByteArray &key, int connections)
{
    const QByteArray body = "{\"model\":\"mock-model\",\"max_tokens\":2}";
    m_request = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n"
        + body;
    m_clock.start();
    for (int i = 0; i < connections; ++i) {
        auto *socket = new QTcpSocket(this);
        connect(socket, &QTcpSocket::connected, socket, [this, socket] { socket->write(m_request); });
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { onData(socket); });
        socket->connectToHost(QHostAddress::LocalHost, port);
    }
}

void LoadClient::onData(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QByteArray head = buffer.left(end).toLower();
        const qsizetype cl = head.indexOf("content-length: ");
        const qsizetype id = head.indexOf("x-obleth-request-id: ");
        if (cl < 0 || id < 0)
            return;
        const qint64 length = head.mid(cl + 16, head.indexOf('\r', cl) - cl - 16).toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        const qsizetype idEnd = head.indexOf('\r', id);
        answered.insert(buffer.mid(id + 21, (idEnd < 0 ? head.size() : idEnd) - id - 21), m_clock.elapsed());
        buffer.remove(0, end + 4 + length);
        if (!m_stopped)
            socket->write(m_request);
    }
}

} // namespace obleth::test
