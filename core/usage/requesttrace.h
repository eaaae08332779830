#pragma once

#include "http/httpresponder.h"
#include "model/requestrecord.h"
#include "usagemeter.h"

#include <QElapsedTimer>

#include <functional>
#include <optional>

namespace obleth::http {
struct HttpRequest;
}

namespace obleth::usage {

class RequestMonitor;

/// Follows one data-plane request from arrival to its last byte and reports it to the RequestMonitor:
/// started, progress (streams), finished (the request log's record, with tokens and cost). It taps the
/// response, so it sees every answer the same way whoever writes it. Owned by the request's responder.
/// Starts and progress are built only while someone listens; the finished record is handed over, not copied.
/// While someone watches (RequestMonitor::wantsProgress()) it also keeps the headers (secrets masked) and the first
/// model::kMaxLiveBodyBytes of both bodies, for the live views only.
class RequestTrace final : public http::ResponseTap
{
public:
    RequestTrace(RequestMonitor *monitor, const http::HttpRequest &request, const QByteArray &id);
    ~RequestTrace() override;
    Q_DISABLE_COPY_MOVE(RequestTrace)

    void setTenant(const QString &id, const QString &name, const QString &keyPrefix);
    /// The request is for this model, priced per token.
    void setModel(const QString &name, double inputCostPerToken, double outputCostPerToken);
    /// Count tokens (from the upstream's usage, else estimated from @p requestBody and the answer).
    void meterUsage(const QByteArray &requestBody);
    /// "hit", "miss" or "off"; a hit costs nothing.
    void setCache(const QString &state) { m_record.cache = state; }
    /// What went wrong, when the response alone does not say (an upstream cut mid-stream, say).
    void setError(const QString &error) { m_record.error = error; }
    /// Another model than the one asked for answers (a fallback, or the one "auto" picked): @p requested is the
    /// client's name; setModel() names the one that answers.
    /// The first name given is kept: "auto" stays the requested model when the model it picked hands over to a
    /// fallback.
    void setRequestedModel(const QString &requested, bool fallback)
    {
        if (m_record.requestedModel.isEmpty())
            m_record.requestedModel = requested;
        m_record.fallback = m_record.fallback || fallback;
    }
    /// The deployment the (latest) try went to.
    void setDeployment(const QString &id) { m_record.deploymentId = id; }
    /// The answer's usage is made up (a translation that got none from the upstream wrote estimates into it): the
    /// record says estimated, whatever the meter read.
    void setUsageEstimated() { m_usageEstimated = true; }
    /// max_tokens was capped by the brownout.
    void setBrownout() { m_record.brownout = true; }
    /// Announces the start now (else it is announced with the answer's head).
    void announceStart();
    /// Sets what runs once the record is complete, before it is announced (the admission ticket settles the token
    /// budget here). One callback: a second replaces the first.
    void onFinished(std::function<void(const model::RequestRecord &)> callback) { m_onFinished = std::move(callback); }

    void responseHead(int status, http::Headers &headers) override;
    void responseBody(const QByteArray &data) override;
    void responseEnd(bool complete) override;

private:
    void reportProgress(bool force);

    RequestMonitor *m_monitor;
    QElapsedTimer m_clock;
    model::RequestRecord m_record;
    double m_inputCost = 0;
    double m_outputCost = 0;
    std::optional<UsageMeter> m_meter;
    bool m_metering = false;
    bool m_usageEstimated = false;
    bool m_started = false;
    bool m_ended = false;
    QByteArray m_errorBody; ///< the start of an error answer, for its code
    qint64 m_lastProgressMs = -1;
    qint64 m_progressBytes = 0;
    bool m_liveText = false;
    bool m_watched = false; ///< someone looked at bodies when it arrived: they are kept for the live view
    std::function<void(const model::RequestRecord &)> m_onFinished;
};

} // namespace obleth::usage
