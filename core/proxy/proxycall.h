#pragma once

#include "upstreamclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

namespace obleth::http {
class HttpResponder;
}

namespace obleth::proxy {

/// Relays one upstream exchange to one client: head, body as it arrives, errors mapped to 502/504
/// before the response has started and to a cut connection after. Follows the client: when it goes
/// away the upstream request is aborted at once. Deletes itself when done.
class ProxyCall final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProxyCall)

public:
    struct Outcome
    {
        int status = 0;
        bool failed = false; ///< the client did not get a complete answer from the upstream
        bool clientGone = false;
        QString error;
        qint64 bytesToClient = 0;
        qint64 firstByteMs = -1;
        qint64 totalMs = 0;
    };

    /// Prepares the call (the responder must not have started); connect to done(), then start().
    static ProxyCall *create(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
                             const QByteArray &requestId);
    void start();

    /// The client's buffer above which reading from the upstream pauses.
    static constexpr qint64 kHighWater = 1024 * 1024;

Q_SIGNALS:
    void done(const obleth::proxy::ProxyCall::Outcome &outcome);

private:
    ProxyCall(http::HttpResponder *responder, const QByteArray &requestId);
    void onHead(int status, const http::Headers &headers);
    void onBody(const QByteArray &data);
    void onFinished();
    void onFailed(UpstreamExchange::Failure failure, const QString &message);
    void onClientGone();
    void finish();

    QPointer<http::HttpResponder> m_responder;
    QPointer<UpstreamExchange> m_exchange;
    QByteArray m_requestId;
    QElapsedTimer m_clock;
    Outcome m_outcome;
    bool m_done = false;
};

} // namespace obleth::proxy
