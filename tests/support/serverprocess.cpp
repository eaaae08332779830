#include "serverprocess.h"

#include "mockupstream.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace obleth::test {

ServerProcess::ServerProcess(const QStringList &args, QProcessEnvironment env, AdminToken adminToken)
{
    if (adminToken == AdminToken::FromDataDir)
        env.remove(QStringLiteral("OBLETH_ADMIN_TOKEN"));
    m_process.setProcessEnvironment(env);
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.start(oblethBinary(), QStringList{QStringLiteral("--server")} + args);
    static const QRegularExpression re(
        QStringLiteral("obleth listening data=https?://([0-9.]+):(\\d+) admin=https?://([0-9.]+):(\\d+)\n"));
    const QDeadlineTimer deadline(30'000); // a sanitizer build on a busy machine starts slowly
    while (!deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
        m_process.waitForReadyRead(100);
        out += m_process.readAllStandardOutput();
        const auto m = re.match(QString::fromLatin1(out));
        if (m.hasMatch()) {
            host = m.captured(1);
            dataPort = quint16(m.captured(2).toUInt());
            adminPort = quint16(m.captured(4).toUInt());
            return;
        }
    }
    qWarning("obleth --server did not start: %s %s", out.constData(), m_process.readAllStandardError().constData());
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished();
    }
}

QByteArray ServerProcess::firstKey() const
{
    static const QRegularExpression re(QStringLiteral("first api key: (sk_[0-9a-f]{48})"));
    return re.match(QString::fromLatin1(out)).captured(1).toLatin1();
}

bool ServerProcess::waitForExit(int ms)
{
    return m_process.state() == QProcess::NotRunning || m_process.waitForFinished(ms);
}

qint64 ServerProcess::statusKiB(QByteArrayView field) const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid()));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(field) && line.size() > field.size() && line.at(field.size()) == ':')
            return line.mid(field.size() + 1).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

int ServerProcess::openFiles() const
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid()));
    return fds.exists() ? int(fds.entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System).size()) : -1;
}

} // namespace obleth::test
