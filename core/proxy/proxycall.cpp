#include "proxycall.h"

#include "forwarding.h"
#include "openai/error.h"
#include "platform/logging.h"

namespace obleth::proxy {

ProxyCall *ProxyCall::create(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
                             const QByteArray &requestId)
{
    auto call = std::unique_ptr<ProxyCall>(new ProxyCall(client, std::move(request), responder, requestId));
    ProxyCall *const raw = call.get();
    responder->adopt(std::move(call));
    return raw;
}

ProxyCall::ProxyCall(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
                     const QByteArray &requestId)
    : m_responder(responder)
    , m_requestId(requestId)
    , m_client(client)
    , m_exchange(std::make_unique<UpstreamExchange>(client, std::move(request), static_cast<Receiver *>(this)))
{ }

void ProxyCall::restart(UpstreamRequest request)
{
    m_spent.push_back(std::move(m_exchange));
    m_exchange = std::make_unique<UpstreamExchange>(m_client, std::move(request), static_cast<Receiver *>(this));
    m_exchange->start(); // may report (and restart) before it returns
}

ProxyCall::~ProxyCall() = default;

void ProxyCall::clientDrained()
{
    m_exchange->setReadPaused(false);
}

void ProxyCall::clientGone()
{
    m_exchange->abort();
}

void ProxyCall::received(UpstreamExchange::Received &what)
{
    http::HttpResponder *const responder = m_responder;
    if (what.head && !responder->hasStarted() && m_tries.retryAfterHead && m_tries.retryAfterHead(what.status)) {
        // Dropped before the client saw any of it: its connection is closed (never pooled with an answer half read).
        if (!what.complete)
            m_exchange->abort();
        if (m_tries.next)
            m_tries.next();
        return;
    }
    {
        // The head, the body and the end that came together leave together, in one write.
        const http::HttpResponder::Batch batch(responder);
        if (what.head)
            responder->beginStream(what.status, clientResponseHeaders(std::move(what.headers), m_requestId));
        responder->writeChunk(what.body);
        if (what.complete) {
            tryEnded(true);
            // The responder may let go of this call once the response has ended: nothing of it is used after.
            return responder->endStream();
        }
    }
    if (responder->bufferedBytes() > kHighWater)
        m_exchange->setReadPaused(true);
}

QString ProxyCall::clientMessage(UpstreamExchange::Failure failure)
{
    // Fixed words per kind of failure: the upstream's address and the socket's error text (which may name
    // it) are for the operator only, in the request log and the debug log.
    switch (failure) {
    case UpstreamExchange::Failure::ConnectFailed: return QStringLiteral("the upstream could not be reached");
    case UpstreamExchange::Failure::ConnectTimeout: return QStringLiteral("the upstream could not be reached in time");
    case UpstreamExchange::Failure::FirstByteTimeout: return QStringLiteral("the upstream gave no response in time");
    case UpstreamExchange::Failure::IdleTimeout: return QStringLiteral("the upstream stopped sending");
    case UpstreamExchange::Failure::Reset:
        return QStringLiteral("the upstream closed the connection before its response was complete");
    case UpstreamExchange::Failure::Malformed: return QStringLiteral("the upstream's answer was not valid HTTP");
    }
    return QStringLiteral("the upstream failed");
}

void ProxyCall::failed(UpstreamExchange::Failure failure, const QString &detail)
{
    // The operator's line: which request, which upstream (no path, no query, no credentials), what happened.
    const QString where = m_exchange->endpoint() ? m_exchange->endpoint()->loggable() : QString();
    qCWarning(lcProxy).noquote() << "request" << m_requestId << "to upstream" << where << "failed:" << detail
                                 << QStringLiteral("(%1)").arg(QLatin1String(UpstreamExchange::failureName(failure)));
    if (m_reportFailure)
        m_reportFailure(where + QStringLiteral(": ") + detail); // with the address: the request log is the operator's
    // The responder may let go of this call once the response has ended: nothing of it is used after.
    http::HttpResponder *const responder = m_responder;
    if (!responder->hasStarted() && m_tries.retryAfterFailure && m_tries.retryAfterFailure(failure, detail)) {
        if (m_tries.next)
            m_tries.next();
        return;
    }
    tryEnded(false);
    if (responder->hasStarted())
        return responder->abortConnection(); // the client must see an error, not a clean end
    const bool timeout = failure == UpstreamExchange::Failure::ConnectTimeout
        || failure == UpstreamExchange::Failure::FirstByteTimeout;
    http::Headers extra;
    extra.add("x-obleth-request-id", m_requestId);
    const QString shown
        = clientMessage(failure) + QStringLiteral(" (request ") + QString::fromLatin1(m_requestId) + QLatin1Char(')');
    if (timeout)
        openai::sendError(responder, 504, "upstream_timeout", shown, extra);
    else
        openai::sendError(responder, 502, "upstream_error", shown, extra);
}

} // namespace obleth::proxy
