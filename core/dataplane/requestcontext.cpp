#include "requestcontext.h"

#include "openai/error.h"
#include "platform/logging.h"
#include "status/eventfeed.h"

namespace obleth::dataplane {

http::Headers RequestContext::idHeader() const
{
    http::Headers h;
    h.add(QByteArrayLiteral("x-obleth-request-id"), requestId); // a literal: no allocation
    return h;
}

QString RequestContext::shown(const QString &clientName)
{
    return clientName.size() > 128 ? clientName.left(128) + QStringLiteral("...") : clientName;
}

void RequestContext::error(int status, const QByteArray &code, const QString &message, const QString &param,
                           const http::Headers &extra) const
{
    // The messages name a key by its prefix only, never the key. The message is quoted (control characters
    // escaped): it may carry the client's own text, such as a model name, which must not forge log lines.
    if (status == 429 && code == "rate_limited" && events && key) {
        const model::Tenant *tenant = snapshot->findTenant(key->tenantId);
        events->reportRateLimited(key->tenantId, tenant ? tenant->name : QString(), message);
    }
    send(status, code, message, param, extra);
}

void RequestContext::deploymentsBusy(const QString &modelName) const
{
    http::Headers retry;
    retry.add("Retry-After", "1");
    send(429, "rate_limited", QStringLiteral("every deployment of %1 is busy (max_concurrency)").arg(modelName), {},
         retry);
}

void RequestContext::send(int status, const QByteArray &code, const QString &message, const QString &param,
                          const http::Headers &extra) const
{
    qCDebug(lcDataPlane) << requestId << "refused:" << status << code << "-" << message;
    http::Headers headers = idHeader();
    for (const auto &[name, value] : extra.fields())
        headers.add(name, value);
    openai::sendError(responder, status, code, message, std::move(headers), param);
}

void RequestContext::unavailable(const QString &subject, const QString &why, int retryAfterSecs) const
{
    http::Headers retry;
    retry.add("Retry-After", QByteArray::number(retryAfterSecs));
    // One pass over the three: a model name holding "%2" is not taken for a place to fill.
    error(503, "model_unavailable",
          QStringLiteral("nothing of %1 can answer now (%2, no fallback left); retry in %3 s")
              .arg(subject, why, QString::number(retryAfterSecs)),
          QStringLiteral("model"), retry);
}

} // namespace obleth::dataplane
