#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QUrl>

namespace obleth::test {

/// The real built-in mock upstream (`obleth --mock-upstream --port 0`) in its own process.
class MockUpstream
{
public:
    /// Starts it on @p port (0: any free port).
    explicit MockUpstream(quint16 port = 0);
    ~MockUpstream();

    /// Kills the process at once (SIGKILL): its connections are cut, its port refuses.
    void kill();
    /// Starts it again on the same port (after kill()); true once it listens.
    bool restart();
    [[nodiscard]] bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    [[nodiscard]] bool ok() const noexcept { return m_port != 0; }
    [[nodiscard]] quint16 port() const noexcept { return m_port; }
    [[nodiscard]] QUrl url(const QString &path = {}) const;
    /// GET /stats
    [[nodiscard]] QJsonObject stats() const;

private:
    /// Starts the process on @p port and waits for its listening line.
    bool launch(quint16 port);

    QProcess m_process;
    quint16 m_port = 0;
};

/// Path of the obleth binary under test.
QString oblethBinary();

} // namespace obleth::test
