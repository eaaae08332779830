#include "mockupstream.h"

#include "testhttp.h"

#include <QDeadlineTimer>
#include <QRegularExpression>

namespace obleth::test {

QString oblethBinary()
{
    return QStringLiteral(OBLETH_BINARY);
}

MockUpstream::MockUpstream()
{
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(oblethBinary(), {QStringLiteral("--mock-upstream"), QStringLiteral("--port"), QStringLiteral("0")});
    const QDeadlineTimer deadline(10'000);
    QByteArray out;
    static const QRegularExpression re(QStringLiteral("obleth mock-upstream listening http://127\\.0\\.0\\.1:(\\d+)"));
    while (!deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
        m_process.waitForReadyRead(100);
        out += m_process.readAllStandardOutput();
        const auto match = re.match(QString::fromLatin1(out));
        if (match.hasMatch()) {
            m_port = quint16(match.captured(1).toUInt());
            return;
        }
    }
    qWarning("mock upstream did not start: %s", out.constData());
}

MockUpstream::~MockUpstream()
{
    m_process.terminate();
    if (!m_process.waitForFinished(5000))
        m_process.kill();
}

QUrl MockUpstream::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}

QJsonObject MockUpstream::stats() const
{
    return request(m_port, "GET", "/stats").json();
}

} // namespace obleth::test
