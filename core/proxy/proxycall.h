#pragma once

#include "upstreamclient.h"

#include <QObject>
#include <QPointer>

#include <functional>

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
    /// Prepares the call (the responder must not have started); then start().
    static ProxyCall *create(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
                             const QByteArray &requestId);
    void start();
    /// Called when the upstream fails (refused, reset, timed out, cut mid-stream), with what happened.
    void onFailure(std::function<void(const QString &error)> report) { m_reportFailure = std::move(report); }

    /// The client's buffer above which reading from the upstream pauses.
    static constexpr qint64 kHighWater = 1024 * 1024;

private:
    ProxyCall(http::HttpResponder *responder, const QByteArray &requestId);
    /// Relays what one read from the upstream brought in one write to the client.
    void onReceived(const UpstreamExchange::Received &what);
    /// @p detail says what went wrong (a socket's error text, a timeout); it does not name the upstream.
    void onFailed(UpstreamExchange::Failure failure, const QString &detail);
    /// What the client is told about @p failure: no address, no socket error text.
    static QString clientMessage(UpstreamExchange::Failure failure);
    void onClientGone();
    void finish();

    QPointer<http::HttpResponder> m_responder;
    QPointer<UpstreamExchange> m_exchange;
    QByteArray m_requestId;
    QString m_where; ///< the upstream's scheme, host and port
    std::function<void(const QString &)> m_reportFailure;
    bool m_done = false;
};

} // namespace obleth::proxy
