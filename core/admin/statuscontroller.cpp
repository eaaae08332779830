#include "statuscontroller.h"

#include "entityjson.h"
#include "http/httpresponder.h"
#include "status/gatewaystatus.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>

namespace obleth::admin {

QJsonObject toJson(const model::ClusterState &cluster)
{
    QJsonArray instances;
    for (const model::InstanceInfo &i : cluster.instances) {
        instances.append(QJsonObject{{QStringLiteral("id"), i.id},
                                     {QStringLiteral("host"), i.host},
                                     {QStringLiteral("pid"), double(i.pid)},
                                     {QStringLiteral("started_at"), isoTime(i.startedAt)},
                                     {QStringLiteral("last_heartbeat"), isoTime(i.lastHeartbeat)},
                                     {QStringLiteral("self"), i.self}});
    }
    return QJsonObject{{QStringLiteral("instance_id"), cluster.instanceId},
                       {QStringLiteral("database"), cluster.database},
                       {QStringLiteral("database_reachable"), cluster.databaseReachable},
                       {QStringLiteral("redis"), cluster.redis},
                       {QStringLiteral("local_capacity"), cluster.localCapacity},
                       {QStringLiteral("live_instances"), cluster.liveInstances},
                       {QStringLiteral("log_rows_buffered"), double(cluster.logRowsBuffered)},
                       {QStringLiteral("log_rows_dropped"), double(cluster.logRowsDropped)},
                       {QStringLiteral("instances"), instances}};
}

void StatusController::addRoutes(const RouteSink &add)
{
    add("GET", QStringLiteral("/api/v1/status"), [this](ApiCall &call) {
        call.reply(200,
                   QJsonObject{
                       {QStringLiteral("version"), QStringLiteral(OBLETH_VERSION)},
                       {QStringLiteral("uptime_secs"), double(m_status->uptime.elapsed() / 1000)},
                       {QStringLiteral("data_url"), m_status->dataUrl},
                       {QStringLiteral("admin_url"), m_status->adminUrl},
                       {QStringLiteral("in_flight"), m_status->inFlight()},
                       {QStringLiteral("queued"), m_status->queued()},
                       {QStringLiteral("paused"), m_status->paused()},
                       {QStringLiteral("cluster"), toJson(m_status->cluster())},
                   });
    });
    add("GET", QStringLiteral("/api/v1/openapi.json"), [](ApiCall &call) {
        QFile f(QStringLiteral(":/obleth/openapi.json"));
        if (!f.open(QIODevice::ReadOnly))
            return call.replyError(500, "internal_error",
                                   QStringLiteral("the OpenAPI document is missing from this build"));
        call.responder->sendJson(200, f.readAll());
    });
}

} // namespace obleth::admin
