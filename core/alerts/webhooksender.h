#pragma once

#include "model/configsnapshot.h"
#include "proxy/upstreamclient.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <deque>
#include <functional>
#include <memory>

namespace obleth::alerts {

/// Sends each alert to the webhook of the alert settings (snapshot->alerts: webhook_url, and the alert names it
/// wants, none meaning all) as a POST of the alert's JSON {"event", "time", "message", "details"}, through the
/// gateway's UpstreamClient, so all of it runs asynchronously on the gateway thread and never holds up a request.
///
/// Deliveries go one at a time from a bounded queue (the oldest is dropped when it is full, with a warning). One
/// that fails (no connection, a timeout, a status other than 2xx) is tried again after 1 s, 2 s, 4 s, then given
/// up. When the webhook setting changes, what waits for the old one is dropped. The log names the webhook only as
/// scheme://host:port: its path or query may carry a token.
class WebhookSender final : public QObject, public proxy::UpstreamExchange::Receiver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WebhookSender)

public:
    static constexpr int kMaxQueued = 256; ///< at least 2: the one under way and one waiting
    static constexpr int kMaxTries = 4; ///< the first try and three more
    static constexpr int kFirstRetryMs = 1'000; ///< doubled for each further try
    static constexpr int kConnectTimeoutMs = 5'000;
    static constexpr int kAnswerTimeoutMs = 10'000;

    using SnapshotSource = std::function<std::shared_ptr<const model::ConfigSnapshot>()>;
    WebhookSender(proxy::UpstreamClient *client, SnapshotSource snapshot, QObject *parent = nullptr);
    ~WebhookSender() override;

    /// Queues @p alert (named @p type) for the webhook if one is set and wants it; anything but an alert is
    /// ignored. Connected to EventFeed::published.
    void send(const QString &type, const QJsonObject &alert);

    /// For tests: the delay before the first retry (doubled for each further one), and the answer timeout.
    void setTimings(int firstRetryMs, int answerTimeoutMs)
    {
        m_firstRetryMs = firstRetryMs;
        m_answerTimeoutMs = answerTimeoutMs;
    }
    /// Deliveries waiting or under way.
    [[nodiscard]] int pending() const { return int(m_queue.size()); }
    /// The webhook @p url as the log may show it: scheme, host and port, never its path, query or user info.
    [[nodiscard]] static QString loggable(const QUrl &url);

private:
    struct Delivery
    {
        QUrl url;
        QByteArray body;
        QString event;
        int tries = 0;
    };

    /// Drops every delivery waiting (and the one under way) unless it is for @p url, the webhook set now.
    void dropIfNotFor(const QUrl &url);
    void startNext();
    void finishCurrent(bool delivered, const QString &why);
    void received(proxy::UpstreamExchange::Received &what) override;
    void failed(proxy::UpstreamExchange::Failure failure, const QString &message) override;

    proxy::UpstreamClient *m_client;
    SnapshotSource m_snapshot;
    std::deque<Delivery> m_queue; ///< the front one is under way (or waiting for its retry)
    std::unique_ptr<proxy::UpstreamExchange> m_exchange;
    QTimer m_retry{this};
    int m_status = 0;
    qint64 m_dropped = 0; ///< dropped from a full queue since it last caught up
    int m_firstRetryMs = kFirstRetryMs;
    int m_answerTimeoutMs = kAnswerTimeoutMs;
};

} // namespace obleth::alerts
