#include "keyauthenticator.h"

#include "config/secrets.h"
#include "http/authorization.h"
#include "http/httpresponder.h"
#include "requestcontext.h"
#include "usage/requesttrace.h"

#include <QDateTime>

namespace obleth::dataplane {

KeyAuthenticator::KeyAuthenticator(QObject *parent)
    : QObject(parent)
{ }

QByteArray KeyAuthenticator::presentedKey(const http::Headers &headers)
{
    const QByteArray bearer = http::bearerToken(headers);
    return bearer.isNull() ? headers.value("x-api-key").trimmed() : bearer;
}

const model::ApiKey *KeyAuthenticator::findKey(const QByteArray &presented, const model::ConfigSnapshot &snapshot)
{
    return !presented.isNull() && config::isWellFormedApiKey(presented)
        ? snapshot.findKeyByHash(config::hashSecret(presented))
        : nullptr;
}

bool KeyAuthenticator::acceptsHead(const http::Headers &headers, const model::ConfigSnapshot &snapshot) const
{
    const model::ApiKey *found = findKey(presentedKey(headers), snapshot);
    if (!found || !snapshot.findTenant(found->tenantId) || !found->isUsableAt(QDateTime::currentDateTimeUtc()))
        return false;
    return !found->maxInFlight || m_inFlight.value(found->id) < *found->maxInFlight;
}

bool KeyAuthenticator::authenticate(RequestContext &ctx)
{
    const QByteArray key = presentedKey(ctx.request.headers);
    if (key.isNull()) {
        ctx.error(401, "invalid_api_key",
                  QStringLiteral("no API key: send 'Authorization: Bearer sk_...' or 'x-api-key: sk_...'"));
        return false;
    }
    const model::ApiKey *found = findKey(key, *ctx.snapshot);
    const model::Tenant *tenant = found ? ctx.snapshot->findTenant(found->tenantId) : nullptr;
    if (!tenant) {
        ctx.error(401, "invalid_api_key", QStringLiteral("the API key is not valid"));
        return false;
    }
    if (!found->isUsableAt(QDateTime::currentDateTimeUtc())) {
        ctx.error(403, "key_disabled",
                  found->disabled ? QStringLiteral("the API key %1... is disabled").arg(found->keyPrefix)
                                  : QStringLiteral("the API key %1... has expired").arg(found->keyPrefix));
        return false;
    }
    ctx.key = found;
    ctx.trace->setTenant(tenant->id, tenant->name, found->keyPrefix);
    return holdSlot(ctx);
}

bool KeyAuthenticator::holdSlot(RequestContext &ctx)
{
    if (!ctx.key->maxInFlight)
        return true;
    int &inFlight = m_inFlight[ctx.key->id];
    if (inFlight >= *ctx.key->maxInFlight) {
        if (inFlight == 0)
            m_inFlight.remove(ctx.key->id);
        http::Headers retry;
        retry.add("Retry-After", "1");
        ctx.error(429, "rate_limited",
                  QStringLiteral("the API key %1... already has %2 requests in flight, its limit")
                      .arg(ctx.key->keyPrefix)
                      .arg(*ctx.key->maxInFlight),
                  {}, retry);
        return false;
    }
    ++inFlight;
    // The slot is held until the answer is over: the responder goes when its connection is done with it.
    connect(ctx.responder, &QObject::destroyed, this, [this, id = ctx.key->id] {
        const auto it = m_inFlight.find(id);
        if (it != m_inFlight.end() && --*it <= 0)
            m_inFlight.erase(it);
    });
    return true;
}

bool KeyAuthenticator::checkModelScope(const RequestContext &ctx, const QString &name)
{
    if (ctx.key->allowsModel(name))
        return true;
    const QString shown = RequestContext::shown(name);
    ctx.error(403, "model_not_allowed",
              name.isEmpty()
                  ? QStringLiteral("the API key %1... is limited to certain models; this route names none")
                        .arg(ctx.key->keyPrefix)
                  : QStringLiteral("the API key %1... may not use the model '%2'").arg(ctx.key->keyPrefix, shown),
              QStringLiteral("model"));
    return false;
}

} // namespace obleth::dataplane
