#pragma once

#include "http/headers.h"
#include "model/configsnapshot.h"

#include <QHash>
#include <QObject>

namespace obleth::dataplane {

struct RequestContext;

/// Tenant keys on the data plane (contract sections 2 and 14): the key a request presents, looked up by its hash
/// in the configuration snapshot; disabled and expired keys; the key's own max_in_flight, counted until each
/// answer is over; and its allowed_models. The count is this instance's: with several instances on Redis (contract
/// section 15), a generation request's admission also takes a lease on the key's max_in_flight shared by all of them
/// (admission::Admission::Request::key), refused with the same 429 when the key is at its limit elsewhere.
class KeyAuthenticator final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyAuthenticator)

public:
    explicit KeyAuthenticator(QObject *parent = nullptr);

    /// What authenticate() would refuse, judged on the head alone: true when @p headers present a usable key of
    /// @p snapshot whose max_in_flight is not reached.
    [[nodiscard]] bool acceptsHead(const http::Headers &headers, const model::ConfigSnapshot &snapshot) const;
    /// Answers 401/403 (no usable key) or 429 (its max_in_flight reached) and returns false; else sets the
    /// context's key and the trace's tenant, and counts the request against the key until its responder goes.
    bool authenticate(RequestContext &ctx);
    /// The key's allowed_models: answers 403 `model_not_allowed` and returns false unless @p name is allowed (an
    /// empty name: a route whose model obleth cannot see, refused to a key with a model list).
    [[nodiscard]] static bool checkModelScope(const RequestContext &ctx, const QString &name);

private:
    /// The usable key @p presented stands for, or nullptr (unknown, its tenant gone, disabled or expired).
    [[nodiscard]] static const model::ApiKey *findKey(const QByteArray &presented,
                                                      const model::ConfigSnapshot &snapshot);
    bool holdSlot(RequestContext &ctx);
    /// The key from "Authorization: Bearer ..." or "x-api-key"; null when neither is sent, empty when
    /// Authorization is not a bearer token.
    [[nodiscard]] static QByteArray presentedKey(const http::Headers &headers);

    QHash<QString, int> m_inFlight; ///< key id -> requests in flight, for keys with max_in_flight
};

} // namespace obleth::dataplane
