#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

namespace obleth::test {

/// A real redis-server for one test, on a free loopback port, without persistence; stopped when the object goes.
/// When redis-server is not installed, ok() is false and why() says so (see OBLETH_REQUIRE_ENGINE in pgcluster.h).
class RedisServer
{
public:
    RedisServer();
    ~RedisServer();
    Q_DISABLE_COPY_MOVE(RedisServer)

    [[nodiscard]] bool ok() const noexcept { return m_process.state() == QProcess::Running && m_ready; }
    [[nodiscard]] const QString &why() const noexcept { return m_why; }
    [[nodiscard]] quint16 port() const noexcept { return m_port; }
    /// redis://127.0.0.1:PORT
    [[nodiscard]] QString url() const;

    /// Stops the server (SIGKILL: clients see their connection drop), and starts it again on the same port (empty:
    /// nothing persisted).
    void stop();
    bool start();
    /// Sends @p args as one command through redis-cli; its output, or a null string on failure.
    QString cli(const QStringList &args);

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    bool m_ready = false;
    QString m_why;
};

} // namespace obleth::test
