#pragma once

#include "http/headers.h"
#include "http/httphandler.h"

#include <QObject>

namespace obleth::mock {

/// The built-in mock OpenAI backend (contract section 8). Serves mock-model inside the gateway and,
/// behind its own HttpServer, `obleth --mock-upstream`. Deterministic: the same request gets the same
/// answer. x-mock-latency-ms, x-mock-chunk-delay-ms and x-mock-status shape the answer.
class MockBackend final : public QObject, public http::HttpHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MockBackend)

public:
    explicit MockBackend(QObject *parent = nullptr);

    void handle(http::HttpRequest request, http::HttpResponder *responder) override;
    /// As handle(), adding @p extraHeaders to the response (the gateway's request id).
    void serve(const http::HttpRequest &request, http::HttpResponder *responder, const http::Headers &extraHeaders);

    struct Stats
    {
        qint64 requests = 0; ///< API requests served, /stats not included
        qint64 chatCompletions = 0;
        qint64 completions = 0;
        qint64 embeddings = 0;
        qint64 models = 0;
        int inFlight = 0;
        int maxInFlight = 0;
    };
    [[nodiscard]] const Stats &stats() const noexcept { return m_stats; }

private:
    void respond(const http::HttpRequest &request, http::HttpResponder *responder, const http::Headers &extra,
                 int chunkDelayMs);
    void track(http::HttpResponder *responder);

    Stats m_stats;
};

} // namespace obleth::mock
