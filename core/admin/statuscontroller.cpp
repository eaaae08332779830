#include "statuscontroller.h"

#include "http/httpresponder.h"
#include "status/gatewaystatus.h"

#include <QCoreApplication>
#include <QFile>

namespace obleth::admin {

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
