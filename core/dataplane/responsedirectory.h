#pragma once

#include "http/httpresponder.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <deque>
#include <functional>

namespace obleth::dataplane {

/// Which tenant, model and deployment created each response of the Responses API (contract section 13), so that
/// GET and DELETE /v1/responses/{id} go to the upstream that holds it, and never to another tenant. The most recent
/// kCapacity ids are kept (a bounded memory, in the gateway thread); an older id is unknown again.
class ResponseDirectory final
{
public:
    struct Origin
    {
        QString tenantId;
        QString model; ///< the registered model's name
        QString deploymentId;
    };

    /// Remembers @p id (a response's id, as its upstream named it) as created by @p origin; an id longer than
    /// kMaxIdBytes is not remembered (it stays unknown).
    void remember(const QByteArray &id, Origin origin);
    /// Where @p id came from; nullptr when it is unknown (never seen, or forgotten for newer ones).
    [[nodiscard]] const Origin *find(const QByteArray &id) const;
    [[nodiscard]] qsizetype size() const noexcept { return m_origins.size(); }

    static constexpr qsizetype kCapacity = 10'000;
    /// The longest id remembered: OpenAI's are about 50 bytes, a proxy's that encode their routing a few hundred.
    /// Without it the bound of kCapacity ids would be one of gigabytes (an answer may be 16 MiB, all id).
    static constexpr qsizetype kMaxIdBytes = 1024;

private:
    QHash<QByteArray, Origin> m_origins;
    std::deque<QByteArray> m_order; ///< oldest first
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

    /// A JSON answer is read whole up to this size (its id is at its top level); past it, it is not read.
    static constexpr qsizetype kMaxJsonBytes = 16 * 1024 * 1024;

private:
    void report(const QByteArray &id);
    void scanLines();

    std::function<void(const QByteArray &id)> m_found;
    enum class Mode { Off, Json, Stream } m_mode = Mode::Off;
    QByteArray m_buffer;
};

} // namespace obleth::dataplane
