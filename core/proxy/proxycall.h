#pragma once

#include "http/httpresponder.h"
#include "upstreamclient.h"

#include <functional>
#include <memory>
#include <vector>

namespace obleth::proxy {

/// Relays one upstream exchange to one client: head, body as it arrives, errors mapped to 502/504
/// before the response has started and to a cut connection after. Follows the client: when it goes
/// away the upstream request is aborted at once. Work of the responder's (http::ResponseWork): it hears the client
/// through it, and is destroyed with it, aborting the exchange if that still runs.
///
/// With Tries set, the call may relay one of several exchanges in turn (a model's deployments, its fallbacks):
/// while nothing has reached the client, a failure or a head its owner does not want ends that exchange and
/// another one starts (restart()). Spent exchanges are kept until the call goes, since one reports from inside
/// its own calls.
class ProxyCall final : public http::ResponseWork, private UpstreamExchange::Receiver
{
public:
    /// Prepares the call and hands it to @p responder, which owns it from then on (the responder must not have
    /// started); then start().
    static ProxyCall *create(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
                             const QByteArray &requestId);
    ~ProxyCall() override;
    Q_DISABLE_COPY_MOVE(ProxyCall)

    /// Sends the request. The answer may be complete (a refused connection) when it returns, and the call gone.
    void start() { m_exchange->start(); }
    /// Called when the upstream fails (refused, reset, timed out, cut mid-stream), with what happened.
    void onFailure(std::function<void(const QString &error)> report) { m_reportFailure = std::move(report); }

    /// The owner's say over successive tries (all optional).
    struct Tries
    {
        /// The exchange failed before anything reached the client: true when another try follows (the call then
        /// answers nothing, and calls next()).
        std::function<bool(UpstreamExchange::Failure failure, const QString &detail)> retryAfterFailure;
        /// An answer's head came with @p status, nothing has reached the client yet: true to drop it (the exchange
        /// is aborted, its connection closed) and try again (next()); false to relay it.
        std::function<bool(int status)> retryAfterHead;
        /// Starts the next try (restart()); called once a retry was decided and the spent exchange is stopped.
        std::function<void()> next;
        /// The try being relayed is over: its answer complete (true), or cut or failed (false).
        std::function<void(bool complete)> ended;
    };
    void setTries(Tries tries) { m_tries = std::move(tries); }
    /// Starts another exchange, with @p request, in place of the spent one (which is kept until the call goes).
    void restart(UpstreamRequest request);

    /// The client's buffer above which reading from the upstream pauses.
    static constexpr qint64 kHighWater = 1024 * 1024;

private:
    ProxyCall(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
              const QByteArray &requestId);
    void clientDrained() override;
    void clientGone() override;
    /// Relays what one read from the upstream brought in one write to the client.
    void received(UpstreamExchange::Received &what) override;
    /// @p detail says what went wrong (a socket's error text, a timeout); it does not name the upstream.
    void failed(UpstreamExchange::Failure failure, const QString &detail) override;
    /// What the client is told about @p failure: no address, no socket error text.
    static QString clientMessage(UpstreamExchange::Failure failure);

    http::HttpResponder *m_responder; ///< owns this call
    QByteArray m_requestId;
    void tryEnded(bool complete) const
    {
        if (m_tries.ended)
            m_tries.ended(complete);
    }

    UpstreamClient *m_client;
    std::function<void(const QString &)> m_reportFailure;
    Tries m_tries;
    std::vector<std::unique_ptr<UpstreamExchange>> m_spent; ///< earlier tries' exchanges, all done
    /// last, so that it is the first to go (and aborts before anything else goes)
    std::unique_ptr<UpstreamExchange> m_exchange;
};

} // namespace obleth::proxy
