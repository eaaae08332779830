#pragma once

#include "http/headers.h"
#include "http/httprequest.h"
#include "model/configsnapshot.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace obleth::http {
class HttpResponder;
}
namespace obleth::status {
class EventFeed;
}
namespace obleth::usage {
class RequestTrace;
}

namespace obleth::dataplane {

/// One data-plane request as it is served: the request (its path in the normal form), where its answer goes, its
/// id, the configuration it is served with and, once authenticated, its key. Copied into callbacks that answer
/// later (admission), which run only while the responder lives.
struct RequestContext
{
    http::HttpRequest request;
    http::HttpResponder *responder = nullptr;
    QByteArray requestId;
    std::shared_ptr<const model::ConfigSnapshot> snapshot;
    const model::ApiKey *key = nullptr; ///< set by KeyAuthenticator::authenticate()
    usage::RequestTrace *trace = nullptr; ///< owned by the responder; none for /health
    status::EventFeed *events = nullptr; ///< where a tenant's 429 rate_limited is reported (for its alert)

    /// x-obleth-request-id, which every answer of the data plane carries.
    [[nodiscard]] http::Headers idHeader() const;
    /// Refuses the request with an OpenAI-style error (and @p extra headers such as Retry-After); the refusal is
    /// logged at debug level with the request id. A 429 rate_limited of an authenticated request is reported to
    /// events as the key's tenant's.
    void error(int status, const QByteArray &code, const QString &message, const QString &param = {},
               const http::Headers &extra = {}) const;
    /// Refuses the request with 503 model_unavailable and Retry-After: @p retryAfterSecs (contract section 10): nothing
    /// that could answer it for @p subject (such as "the model 'x'") can be tried now. The one wording of it.
    /// @p why says what stands in the way ("every deployment unhealthy").
    void unavailable(const QString &subject, const QString &why, int retryAfterSecs) const;
    /// Refuses the request with 429 rate_limited and Retry-After: 1 because every deployment of @p modelName is at
    /// its max_concurrency: the model's capacity, not the tenant's doing, so no tenant_rate_limited is reported.
    void deploymentsBusy(const QString &modelName) const;
    /// A name the client sent (a model, say) as an error message shows it: at most 128 characters, then "...".
    [[nodiscard]] static QString shown(const QString &clientName);

private:
    /// The error answer itself, logged at debug level; error() also reports a tenant's 429 to the event feed.
    void send(int status, const QByteArray &code, const QString &message, const QString &param,
              const http::Headers &extra) const;
};

} // namespace obleth::dataplane
