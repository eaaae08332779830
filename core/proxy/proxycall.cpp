#include "proxycall.h"

#include "forwarding.h"
#include "http/httpresponder.h"
#include "openai/error.h"
#include "platform/logging.h"

#include <QMetaEnum>

namespace obleth::proxy {

ProxyCall *ProxyCall::create(UpstreamClient *client, UpstreamRequest request, http::HttpResponder *responder,
                             const QByteArray &requestId)
{
    auto *call = new ProxyCall(responder, requestId);
    call->m_where = loggableUrl(request.url);
    UpstreamExchange *exchange = client->create(std::move(request));
    call->m_exchange = exchange;
    connect(exchange, &UpstreamExchange::received, call, &ProxyCall::onReceived);
    connect(exchange, &UpstreamExchange::failed, call, &ProxyCall::onFailed);
    connect(responder, &http::HttpResponder::clientGone, call, &ProxyCall::onClientGone);
    connect(responder, &QObject::destroyed, call, &ProxyCall::onClientGone);
    connect(responder, &http::HttpResponder::drained, call, [call] {
        if (call->m_exchange)
            call->m_exchange->setReadPaused(false);
    });
    return call;
}

ProxyCall::ProxyCall(http::HttpResponder *responder, const QByteArray &requestId)
    : QObject(responder)
    , m_responder(responder)
    , m_requestId(requestId)
{ }

void ProxyCall::start()
{
    if (m_exchange)
        m_exchange->start();
}

void ProxyCall::onReceived(const UpstreamExchange::Received &what)
{
    if (m_responder) {
        // The head, the body and the end that came together leave together, in one write.
        const http::HttpResponder::Batch batch(m_responder);
        if (what.head)
            m_responder->beginStream(what.status, clientResponseHeaders(what.headers, m_requestId));
        m_responder->writeChunk(what.body);
        if (what.complete)
            m_responder->endStream();
    }
    if (what.complete)
        return finish();
    if (m_responder && m_responder->bufferedBytes() > kHighWater && m_exchange)
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

void ProxyCall::onFailed(UpstreamExchange::Failure failure, const QString &detail)
{
    // The operator's line: which request, which upstream (no path, no query, no credentials), what happened.
    qCWarning(lcProxy).noquote() << "request" << m_requestId << "to upstream" << m_where << "failed:" << detail
                                 << QStringLiteral("(%1)").arg(QLatin1String(
                                        QMetaEnum::fromType<UpstreamExchange::Failure>().valueToKey(int(failure))));
    const QString message = m_where + QStringLiteral(": ") + detail;
    if (m_reportFailure && m_responder)
        m_reportFailure(message); // with the address: the request log is the operator's
    if (m_responder && !m_responder->hasStarted()) {
        const bool timeout = failure == UpstreamExchange::Failure::ConnectTimeout
            || failure == UpstreamExchange::Failure::FirstByteTimeout;
        http::Headers extra;
        extra.add("x-obleth-request-id", m_requestId);
        const QString shown = clientMessage(failure) + QStringLiteral(" (request ") + QString::fromLatin1(m_requestId)
            + QLatin1Char(')');
        if (timeout)
            openai::sendError(m_responder, 504, "upstream_timeout", shown, extra);
        else
            openai::sendError(m_responder, 502, "upstream_error", shown, extra);
    } else if (m_responder) {
        m_responder->abortConnection(); // the client must see an error, not a clean end
    }
    finish();
}

void ProxyCall::onClientGone()
{
    if (m_done)
        return;
    if (m_exchange)
        m_exchange->abort();
    finish();
}

void ProxyCall::finish()
{
    if (m_done)
        return;
    m_done = true;
    deleteLater();
}

} // namespace obleth::proxy
