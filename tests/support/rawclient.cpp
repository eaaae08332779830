#include "rawclient.h"

#include <QHostAddress>

namespace obleth::test {

RawClient::RawClient(quint16 port, const QByteArray &request)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, [this] {
        if (m_reading)
            m_received += m_socket.readAll();
    });
    if (!request.isEmpty())
        connect(&m_socket, &QTcpSocket::connected, this, [this, request] { m_socket.write(request); });
    m_socket.connectToHost(QHostAddress::LocalHost, port);
}

void RawClient::setReading(bool reading)
{
    m_reading = reading;
    if (!reading)
        m_socket.setReadBufferSize(1024);
    else
        m_received += m_socket.readAll();
}

qint64 RawClient::readSome(qint64 max)
{
    const QByteArray bytes = m_socket.read(max);
    m_received += bytes;
    return bytes.size();
}

} // namespace obleth::test
