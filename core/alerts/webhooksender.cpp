#include "webhooksender.h"

#include "alertcenter.h"
#include "platform/logging.h"

#include <QJsonDocument>

namespace obleth::alerts {

WebhookSender::WebhookSender(proxy::UpstreamClient *client, SnapshotSource snapshot, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_snapshot(std::move(snapshot))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &WebhookSender::startNext);
}

WebhookSender::~WebhookSender() = default;

QString WebhookSender::loggable(const QUrl &url)
{
    QString shown = url.scheme() + QStringLiteral("://") + url.host(QUrl::FullyEncoded);
    if (url.port() >= 0)
        shown += QLatin1Char(':') + QString::number(url.port());
    return shown;
}

void WebhookSender::send(const QString &type, const QJsonObject &alert)
{
    if (!AlertCenter::isAlert(type))
        return;
    const std::shared_ptr<const model::ConfigSnapshot> snapshot = m_snapshot();
    if (!snapshot || snapshot->alerts.webhookUrl.isEmpty())
        return;
    const std::optional<QStringList> &wanted = snapshot->alerts.events;
    if (wanted && !wanted->isEmpty() && !wanted->contains(type))
        return;
    const QUrl url(snapshot->alerts.webhookUrl);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        || url.host().isEmpty()) {
        qCWarning(lcAlerts) << "the alert webhook is not an http or https URL; alert" << type << "not sent";
        return;
    }
    dropIfNotFor(url);
    if (m_queue.size() >= kMaxQueued) {
        // The front one may be under way: the oldest waiting one goes. Told once for each run of drops.
        const auto oldest = std::next(m_queue.begin());
        if (m_dropped++ == 0) {
            qCWarning(lcAlerts).noquote() << "alert webhook" << loggable(oldest->url) << "is" << m_queue.size()
                                          << "alerts behind: the oldest waiting ones are dropped";
        }
        m_queue.erase(oldest);
    }
    m_queue.push_back(Delivery{url, QJsonDocument(alert).toJson(QJsonDocument::Compact), type, 0});
    if (!m_exchange && !m_retry.isActive())
        startNext();
}

void WebhookSender::dropIfNotFor(const QUrl &url)
{
    if (m_queue.empty() || m_queue.front().url == url)
        return;
    qCInfo(lcAlerts).noquote() << "the alert webhook changed:" << m_queue.size() << "alert(s) waiting for"
                               << loggable(m_queue.front().url) << "are dropped";
    m_exchange.reset();
    m_retry.stop();
    m_queue.clear();
    m_dropped = 0;
}

void WebhookSender::startNext()
{
    if (m_queue.empty() || m_exchange)
        return;
    // The settings may have changed since: what waits goes only to the webhook set now.
    const std::shared_ptr<const model::ConfigSnapshot> snapshot = m_snapshot();
    dropIfNotFor(snapshot ? QUrl(snapshot->alerts.webhookUrl) : QUrl());
    if (m_queue.empty())
        return;
    Delivery &delivery = m_queue.front();
    ++delivery.tries;
    proxy::UpstreamRequest request;
    request.url = delivery.url;
    request.method = "POST";
    request.headers.add("Content-Type", "application/json");
    request.headers.add("User-Agent", "obleth-alerts");
    request.body = delivery.body;
    request.connectTimeoutMs = kConnectTimeoutMs;
    request.firstByteTimeoutMs = m_answerTimeoutMs;
    request.idleTimeoutMs = m_answerTimeoutMs;
    m_status = 0;
    m_exchange = std::make_unique<proxy::UpstreamExchange>(m_client, std::move(request), this);
    m_exchange->start(); // may report (and finish) at once
}

void WebhookSender::received(proxy::UpstreamExchange::Received &what)
{
    if (what.head)
        m_status = what.status;
    if (!what.complete && !what.head)
        return;
    // The head is the answer: a body (sent at any pace, or never ended) is not waited for, so a receiver cannot
    // hold up the alerts behind this one. The exchange goes (finishCurrent), and with it its connection.
    if (m_status >= 200 && m_status < 300)
        finishCurrent(true, {});
    else
        finishCurrent(false, QStringLiteral("it answered %1").arg(m_status));
}

void WebhookSender::failed(proxy::UpstreamExchange::Failure failure, const QString &message)
{
    finishCurrent(false,
                  QString::fromLatin1(proxy::UpstreamExchange::failureName(failure)) + QStringLiteral(": ") + message);
}

void WebhookSender::finishCurrent(bool delivered, const QString &why)
{
    // Called from the exchange's report, which allows its receiver to destroy it; the next exchange starts from the
    // timer, once the connection is done with this one.
    m_exchange.reset();
    if (m_queue.empty())
        return;
    Delivery &delivery = m_queue.front();
    if (delivered) {
        qCDebug(lcAlerts).noquote() << "alert" << delivery.event << "delivered to" << loggable(delivery.url);
        if (m_dropped > 0 && m_queue.size() < kMaxQueued / 2) {
            qCWarning(lcAlerts).noquote()
                << "alert webhook" << loggable(delivery.url) << "caught up;" << m_dropped << "alert(s) were dropped";
            m_dropped = 0;
        }
        m_queue.pop_front();
        m_retry.start(0); // the next one once this report is over
        return;
    }
    if (delivery.tries >= kMaxTries) {
        qCWarning(lcAlerts).noquote() << "alert" << delivery.event << "not delivered to" << loggable(delivery.url)
                                      << "after" << delivery.tries << "tries:" << why;
        m_queue.pop_front();
        m_retry.start(0);
        return;
    }
    const int delayMs = m_firstRetryMs << (delivery.tries - 1);
    qCInfo(lcAlerts).noquote() << "alert" << delivery.event << "not delivered to" << loggable(delivery.url) << "("
                               << why << "); trying again in" << delayMs << "ms";
    m_retry.start(delayMs);
}

} // namespace obleth::alerts
