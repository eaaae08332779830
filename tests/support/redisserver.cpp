#include "redisserver.h"

#include <QDeadlineTimer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

namespace obleth::test {

namespace {
QString redisServerBinary()
{
    QString path = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                              {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    return path;
}

bool answersPing(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(200))
        return false;
    socket.write("PING\r\n");
    QByteArray answer;
    const QDeadlineTimer deadline(500);
    while (!answer.contains("\r\n") && !deadline.hasExpired() && socket.waitForReadyRead(int(deadline.remainingTime())))
        answer += socket.readAll();
    return answer.startsWith("+PONG");
}
} // namespace

RedisServer::RedisServer()
{
    if (redisServerBinary().isEmpty()) {
        m_why = QStringLiteral("redis-server is not installed; scripts/install-deps.sh --tests installs it");
        return;
    }
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        m_why = QStringLiteral("no free port for redis-server");
        return;
    }
    m_port = probe.serverPort();
    probe.close();
    start();
}

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}

bool RedisServer::start()
{
    m_ready = false;
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    m_process.setWorkingDirectory(m_dir.path());
    m_process.start(redisServerBinary(),
                    {QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
                     QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                     QStringLiteral("no"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--daemonize"),
                     QStringLiteral("no"), QStringLiteral("--loglevel"), QStringLiteral("warning")});
    if (!m_process.waitForStarted(10'000)) {
        m_why = QStringLiteral("redis-server did not start: ") + m_process.errorString();
        return false;
    }
    const QDeadlineTimer deadline(15'000);
    while (!deadline.hasExpired() && m_process.state() == QProcess::Running) {
        if (answersPing(m_port)) {
            m_ready = true;
            return true;
        }
        m_process.waitForReadyRead(50);
    }
    m_why = QStringLiteral("redis-server did not answer on port %1: %2")
                .arg(m_port)
                .arg(QString::fromLocal8Bit(m_process.readAll()).trimmed());
    return false;
}

void RedisServer::stop()
{
    m_ready = false;
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(10'000);
    }
}

QString RedisServer::cli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral("redis-cli"), QStringList{QStringLiteral("-p"), QString::number(m_port)} + args);
    if (!p.waitForFinished(10'000) || p.exitCode() != 0)
        return {};
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    return out.isNull() ? QStringLiteral("") : out.trimmed();
}

} // namespace obleth::test
