#pragma once

#include "redis/redisclient.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>

namespace obleth::cluster {

/// The tries in flight on each deployment, shared by the instances on one Redis (contract section 15), so that a
/// deployment's max_concurrency holds across them and the balance counts every instance's load. Each instance
/// publishes its own table (deployment id → tries in flight here) on a Redis channel whenever a number changes, and
/// again every 2 s while it holds any; it adds up the others' tables, as last heard, and hands the sums to its health
/// board. An instance not heard of for the lease TTL (10 s: it died, or Redis went away) counts for nothing.
class SharedDeploymentLoad final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SharedDeploymentLoad)

public:
    /// The tries in flight through the other instances, by deployment id (those with none left out).
    using Apply = std::function<void(const QHash<QString, int> &elsewhere)>;

    SharedDeploymentLoad(const redis::Endpoint &endpoint, QString instanceId, Apply apply, QObject *parent = nullptr);
    ~SharedDeploymentLoad() override;

    void start();
    /// This instance's tries in flight on @p deploymentId are now @p inFlight (its health board's load listener).
    void changed(const QString &deploymentId, int inFlight);
    /// How long another instance's table counts after it was last heard (10 s; tests make it shorter).
    void setForgetAfterMs(int ms);

    static constexpr int kRepeatMs = 2'000;
    /// Bounds on what is read from the channel: a table longer, or a number larger, is not believed.
    static constexpr int kMaxDeployments = 10'000;
    static constexpr qsizetype kMaxMessageBytes = 1024 * 1024;
    static constexpr int kMaxInstances = 1'000; ///< other instances remembered at once
    static constexpr int kMaxInFlight = 1'000'000;

private:
    void publish();
    void received(const QByteArray &payload);
    void tick();
    void applySums();

    struct Heard
    {
        QHash<QString, int> inFlight;
        qint64 heardAtMs = 0;
    };

    redis::Client m_client;
    QString m_instanceId;
    Apply m_apply;
    QHash<QString, int> m_mine; ///< deployments with tries in flight here
    bool m_publishPosted = false; ///< the changes of one pass of the event loop go in one message
    QHash<QString, Heard> m_others; ///< by instance id
    QTimer m_repeat;
    QElapsedTimer m_clock;
    int m_forgetAfterMs = 10'000;
};

} // namespace obleth::cluster
