#include "corscontroller.h"

#include "config/configservice.h"

#include <QJsonArray>

namespace obleth::admin {

namespace {
QJsonObject corsJson(const QStringList &origins)
{
    return QJsonObject{{QStringLiteral("allowed_origins"), QJsonArray::fromStringList(origins)}};
}
} // namespace

void CorsController::addRoutes(const RouteSink &add)
{
    const QString path = QStringLiteral("/api/v1/settings/cors");
    add("GET", path, [this](ApiCall &call) { call.reply(200, corsJson(m_config->snapshot()->corsAllowedOrigins)); });
    add("PUT", path, [this](ApiCall &call) {
        QStringList origins;
        const config::Problem p = m_config->setCorsOrigins(call.body, &origins);
        p.ok() ? call.reply(200, corsJson(origins)) : call.replyProblem(p);
    });
}

} // namespace obleth::admin
