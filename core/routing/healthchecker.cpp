#include "healthchecker.h"

#include "healthboard.h"
#include "platform/logging.h"
#include "proxy/forwarding.h"
#include "proxy/upstreamclient.h"
#include "proxy/upstreamendpoint.h"

#include <QElapsedTimer>
#include <QSet>

namespace obleth::routing {

/// One check of one deployment.
class HealthChecker::Check final : private proxy::UpstreamExchange::Receiver
{
public:
    Check(HealthChecker *owner, const model::ModelConfig &model, const model::Deployment &deployment, bool probe)
        : m_owner(owner)
        , m_model(model)
        , m_deploymentId(deployment.id)
        , m_probe(probe)
    {
        const QString apiBase = deployment.apiBase.isEmpty() ? model.apiBase : deployment.apiBase;
        // Its key as its API takes it (contract section 13): Anthropic's answers a Bearer key with 401.
        const bool anthropic = model.formatOf(deployment) == model::ApiFormat::Anthropic;
        auto endpoint = proxy::endpointFor(apiBase, deployment.apiKey, anthropic);
        proxy::UpstreamRequest request;
        request.method = "GET";
        request.target = proxy::upstreamTarget(*endpoint, "/v1/models", {});
        request.headerLines = "Accept: application/json\r\n";
        if (!endpoint->authorization().isEmpty())
            request.headerLines += "Authorization: " + endpoint->authorization() + "\r\n";
        if (!endpoint->apiKey().isEmpty())
            request.headerLines += "x-api-key: " + endpoint->apiKey() + "\r\n";
        if (anthropic)
            request.headerLines += "anthropic-version: " + proxy::kAnthropicVersion.toByteArray() + "\r\n";
        request.endpoint = std::move(endpoint);
        request.connectTimeoutMs = int(std::clamp<qint64>(model.connectTimeoutSecs * 1000, 1, kCheckTimeoutMs));
        request.firstByteTimeoutMs = kCheckTimeoutMs;
        request.idleTimeoutMs = kCheckTimeoutMs;
        m_exchange = std::make_unique<proxy::UpstreamExchange>(owner->m_client, std::move(request),
                                                               static_cast<Receiver *>(this));
    }

    void start()
    {
        m_clock.start();
        m_exchange->start(); // may report before it returns
    }
    [[nodiscard]] const QString &deploymentId() const { return m_deploymentId; }

private:
    void received(proxy::UpstreamExchange::Received &what) override
    {
        if (what.head) {
            m_headMs = m_clock.elapsed();
            m_status = what.status;
            // The head decides: the body (a list of models of any size, sent at any pace) is not waited for, so a
            // check cannot run on for ever and leave the deployment unchecked (or its probe running) meanwhile.
            m_exchange->abort();
            if (HealthBoard::isFailureStatus(what.status))
                return report(QStringLiteral("health check: HTTP %1").arg(what.status));
            return report({});
        }
        if (what.complete)
            report({});
    }
    void failed(proxy::UpstreamExchange::Failure failure, const QString &) override
    {
        report(QStringLiteral("health check: ") + proxy::UpstreamExchange::failureText(failure));
    }
    void report(const QString &error)
    {
        if (m_reported)
            return;
        m_reported = true;
        if (error.isEmpty())
            m_owner->m_board->succeeded(m_model, m_deploymentId, m_headMs);
        else
            m_owner->m_board->failed(m_model, m_deploymentId, error);
        m_owner->m_board->checkEnded(m_deploymentId, m_probe);
        m_owner->finished(this);
    }

    HealthChecker *m_owner;
    model::ModelConfig m_model; ///< a copy: the snapshot it came from may go
    QString m_deploymentId;
    bool m_probe;
    bool m_reported = false;
    int m_status = 0;
    qint64 m_headMs = 0;
    QElapsedTimer m_clock;
    std::unique_ptr<proxy::UpstreamExchange> m_exchange;
};

HealthChecker::HealthChecker(proxy::UpstreamClient *client, HealthBoard *board, SnapshotSource snapshot,
                             QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_board(board)
    , m_snapshot(std::move(snapshot))
{
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &HealthChecker::tick);
    m_timer.start();
}

HealthChecker::~HealthChecker()
{
    m_timer.stop();
    for (Check *check : std::as_const(m_running))
        delete check; // its exchange aborts: nothing is reported
    m_running.clear();
}

void HealthChecker::tick()
{
    m_done.clear();
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    const qint64 now = clock.elapsed();
    const std::shared_ptr<const model::ConfigSnapshot> snapshot = m_snapshot();
    if (!snapshot)
        return;
    QSet<QString> checked;
    for (const model::ModelConfig &model : snapshot->models) {
        if (model.healthCheckSecs <= 0 || !model.enabled)
            continue;
        for (const model::Deployment &d : model.deployments) {
            if (!d.enabled)
                continue;
            checked.insert(d.id);
            if (m_running.contains(d.id))
                continue;
            const auto last = m_lastStartMs.constFind(d.id);
            if (last == m_lastStartMs.cend()) {
                // First seen: checked one period from now (a fresh gateway sends no burst of checks at its start).
                m_lastStartMs.insert(d.id, now);
                continue;
            }
            if (now - *last < model.healthCheckSecs * 1000)
                continue;
            m_lastStartMs.insert(d.id, now);
            const bool probe = m_board->checkStarted(model, d.id);
            auto *check = new Check(this, model, d, probe);
            m_running.insert(d.id, check);
            check->start();
        }
    }
    // Deployments no longer checked (gone, disabled, checks off) start afresh should they come back.
    if (m_lastStartMs.size() > checked.size()) {
        for (auto it = m_lastStartMs.begin(); it != m_lastStartMs.end();)
            it = checked.contains(it.key()) ? std::next(it) : m_lastStartMs.erase(it);
    }
}

void HealthChecker::finished(Check *check)
{
    // Called from inside the check's exchange: the check is deleted on the next tick, not now.
    if (m_running.value(check->deploymentId()) == check)
        m_running.remove(check->deploymentId());
    m_done.emplace_back(check);
}

} // namespace obleth::routing
