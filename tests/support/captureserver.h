#pragma once

#include <QByteArray>
#include <QList>
#include <QTcpServer>

namespace obleth::test {

/// An upstream stand-in that records each raw request it receives and answers with a fixed response.
/// Runs in the test's thread: it serves while the test waits for a response.
class CaptureServer final : public QTcpServer
{
public:
    explicit CaptureServer(QByteArray response = defaultResponse());

    [[nodiscard]] quint16 port() const { return serverPort(); }
    /// Raw requests received so far (head and body).
    [[nodiscard]] const QList<QByteArray> &requests() const noexcept { return m_requests; }
    [[nodiscard]] QByteArray lastHead() const;
    [[nodiscard]] QByteArray lastBody() const;
    void setResponse(QByteArray response) { m_response = std::move(response); }

    static QByteArray defaultResponse();

private:
    void onConnection();
    QByteArray m_response;
    QList<QByteArray> m_requests;
};

} // namespace obleth::test
