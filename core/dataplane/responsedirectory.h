#pragma once

#include "http/httpresponder.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <deque>
#include <functional>

namespace obleth::dataplane {

/// Which tenant, model and deployment created each response of the Responses API (contract section 13), so that
/// GET and DELETE /v1/responses/{id} go to the upstream that holds it, and never to another tenant. At most
/// kCapacity ids are kept (a bounded memory, in the gateway thread); when a new one would pass that, the oldest id
/// of the tenant holding the most goes, so that no tenant pushes out another's below an equal share. An id obleth
/// forgot (or never saw: after a restart) is unknown again.
class ResponseDirectory final
{
public:
    struct Origin
    {
        QString tenantId;
        QString model; ///< the registered model's name
        QString deploymentId;
    };

    /// Remembers @p id (a response's id, as its upstream named it) as created by @p origin; false when it is not
    /// remembered: not 1 to kMaxIdBytes printable ASCII bytes, or another tenant's already (an upstream that reuses
    /// ids never hands one tenant's to another). The same tenant's id again takes the new origin, and keeps its age.
    bool remember(const QByteArray &id, Origin origin);
    /// Where @p id came from; nullptr when it is unknown (never seen, or forgotten for newer ones).
    [[nodiscard]] const Origin *find(const QByteArray &id) const;
    [[nodiscard]] qsizetype size() const noexcept { return m_origins.size(); }

    static constexpr qsizetype kCapacity = 10'000;
    /// The longest id remembered: OpenAI's are about 50 bytes, a proxy's that encode their routing a few hundred.
    /// Without it the bound of kCapacity ids would be one of gigabytes (an answer may be 16 MiB, all id).
    static constexpr qsizetype kMaxIdBytes = 1024;

private:
    QHash<QByteArray, Origin> m_origins;
    QHash<QString, std::deque<QByteArray>> m_byTenant; ///< each tenant's ids, oldest first
};

/// Reads a Responses API answer's id as it passes to the client (http::ResponseTap): a 2xx JSON answer's top-level
/// "id", or the response.id of a stream's first `response.created` event; hands it to found() once.
class ResponseIdTap final : public http::ResponseTap
{
public:
    explicit ResponseIdTap(std::function<void(const QByteArray &id)> found)
        : m_found(std::move(found))
    { }

    void responseHead(int status, http::Headers &headers) override;
    void responseBody(const QByteArray &data) override;
    void responseEnd(bool complete) override;

    /// At most this much of an answer is held: a JSON answer's id is read from its first member (where the Responses
    /// API writes it) as soon as it arrived, else from the whole answer when it is no larger; a stream's line is read
    /// whole up to this size, and a longer one's id from its start (`"response":{"id":…` of response.created).
    static constexpr qsizetype kMaxHeldBytes = 64 * 1024;

private:
    void report(const QByteArray &id);
    void scanLines();

    std::function<void(const QByteArray &id)> m_found;
    enum class Mode { Off, Json, Stream } m_mode = Mode::Off;
    QByteArray m_buffer;
    bool m_skippingLine = false; ///< a stream line over kMaxHeldBytes: the rest of it is not held
};

} // namespace obleth::dataplane
