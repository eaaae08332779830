#pragma once

#include <QByteArray>
#include <QTcpSocket>

namespace obleth::test {

/// A client socket for tests that watch a response arrive piece by piece, read slowly, or hang up
/// half-way. Everything received is appended to received(); tests wait with QTRY_* on it.
class RawClient final : public QObject
{
public:
    explicit RawClient(quint16 port, const QByteArray &request = {});

    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    /// Stops reading from the socket (the kernel buffers fill, then the server must wait).
    void setReading(bool reading);
    /// Takes up to @p max bytes that the socket has buffered.
    qint64 readSome(qint64 max);
    void hangUp() { m_socket.abort(); }

    [[nodiscard]] const QByteArray &received() const noexcept { return m_received; }
    [[nodiscard]] bool isClosed() const { return m_socket.state() == QAbstractSocket::UnconnectedState; }
    [[nodiscard]] QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
    bool m_reading = true;
};

} // namespace obleth::test
