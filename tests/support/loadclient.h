#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTcpSocket>

namespace obleth::test {

/// Keeps @p connections keep-alive connections busy with mock-model requests and notes, for every answer,
/// its request id and when it arrived (for the kill -9 tests: what was answered must be in the log).
class LoadClient final : public QObject
{
public:
    LoadClient(quint16 port, const QByteArray &key, int connections);
    void stop() { m_stopped = true; }
    QHash<QByteArray, qint64> answered; ///< request id -> ms since start when its answer was complete
    [[nodiscard]] qint64 now() const { return m_clock.elapsed(); }
    /// Ids of the requests whose answers were complete before @p ms (since start).
    [[nodiscard]] QList<QByteArray> answeredBefore(qint64 ms) const
    {
        QList<QByteArray> ids;
        for (auto it = answered.cbegin(); it != answered.cend(); ++it) {
            if (it.value() <= ms)
                ids.append(it.key());
        }
        return ids;
    }

private:
    void onData(QTcpSocket *socket);

    QByteArray m_request;
    QElapsedTimer m_clock;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    bool m_stopped = false;
};

} // namespace obleth::test
