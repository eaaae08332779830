#pragma once

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

namespace obleth::test {

/// A real `obleth --server` in its own process; waits for its listening line.
class ServerProcess
{
public:
    /// What the process gets of OBLETH_ADMIN_TOKEN: nothing (it makes DATA_DIR/admin-token), or what @p env holds
    /// (instances that share one token, as behind a load balancer).
    enum class AdminToken { FromDataDir, FromEnvironment };

    explicit ServerProcess(const QStringList &args, QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                           AdminToken adminToken = AdminToken::FromDataDir);
    ~ServerProcess();

    [[nodiscard]] bool ok() const noexcept { return dataPort != 0; }
    /// The key printed on first start, or empty.
    [[nodiscard]] QByteArray firstKey() const;
    void terminate() { m_process.terminate(); }
    /// SIGKILL: the process ends at once, without a word to anyone (its sockets are closed by the kernel).
    void kill() { m_process.kill(); }
    [[nodiscard]] bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    bool waitForExit(int ms);
    [[nodiscard]] int exitCode() const { return m_process.exitCode(); }
    [[nodiscard]] QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    [[nodiscard]] qint64 pid() const { return m_process.processId(); }
    /// What it wrote to stderr so far.
    [[nodiscard]] QByteArray errorOutput() { return m_process.readAllStandardError(); }

    /// Resident memory now, in KiB (Linux /proc; -1 elsewhere).
    [[nodiscard]] qint64 rssKiB() const { return statusKiB("VmRSS"); }
    /// Address space now, in KiB (Linux /proc; -1 elsewhere).
    [[nodiscard]] qint64 virtualKiB() const { return statusKiB("VmSize"); }
    /// Open file descriptors now (Linux /proc; -1 elsewhere).
    [[nodiscard]] int openFiles() const;

    QByteArray out;
    QString host;
    quint16 dataPort = 0;
    quint16 adminPort = 0;

private:
    [[nodiscard]] qint64 statusKiB(QByteArrayView field) const;

    QProcess m_process;
};

} // namespace obleth::test
