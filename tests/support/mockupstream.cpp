#include "mockupstream.h"

#include "testhttp.h"

#include <QDeadlineTimer>
#include <QRegularExpression>
#include <QTest>

namespace obleth::test {

QString oblethBinary()
{
    return QStringLiteral(OBLETH_BINARY);
}

MockUpstream::MockUpstream(quint16 port)
{
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    launch(port);
}

bool MockUpstream::launch(quint16 port)
{
    m_process.start(oblethBinary(),
                    {QStringLiteral("--mock-upstream"), QStringLiteral("--port"), QString::number(port)});
    const QDeadlineTimer deadline(10'000);
    QByteArray out;
    static const QRegularExpression re(QStringLiteral("obleth mock-upstream listening http://127\\.0\\.0\\.1:(\\d+)"));
    while (!deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
        m_process.waitForReadyRead(100);
        out += m_process.readAllStandardOutput();
        const auto match = re.match(QString::fromLatin1(out));
        if (match.hasMatch()) {
            m_port = quint16(match.captured(1).toUInt());
            return true;
        }
    }
    qWarning("mock upstream did not start: %s", out.constData());
    return false;
}

void MockUpstream::kill()
{
    m_process.kill();
    m_process.waitForFinished(5000);
}

bool MockUpstream::restart()
{
    kill();
    // The port was this one's; a moment's retry covers a slow release of it.
    const QDeadlineTimer deadline(10'000);
    while (!deadline.hasExpired()) {
        if (launch(m_port))
            return true;
        m_process.waitForFinished(1000);
        QTest::qWait(100);
    }
    return false;
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
