#pragma once

#include <QJsonObject>
#include <QProcess>
#include <QUrl>

namespace obleth::test {

/// The real built-in mock upstream (`obleth --mock-upstream --port 0`) in its own process.
class MockUpstream
{
public:
    MockUpstream();
    ~MockUpstream();

    [[nodiscard]] bool ok() const noexcept { return m_port != 0; }
    [[nodiscard]] quint16 port() const noexcept { return m_port; }
    [[nodiscard]] QUrl url(const QString &path = {}) const;
    /// GET /stats
    [[nodiscard]] QJsonObject stats() const;

private:
    QProcess m_process;
    quint16 m_port = 0;
};

/// Path of the obleth binary under test.
QString oblethBinary();

} // namespace obleth::test
