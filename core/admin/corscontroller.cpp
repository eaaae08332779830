#include "corscontroller.h"

#include "config/configservices.h"
#include "jsonfields.h"

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
    add("GET", path,
        [this](ApiCall &call) { call.reply(200, corsJson(m_config->live.snapshot()->corsAllowedOrigins)); });
    add("PUT", path, [this](ApiCall &call) {
        const QString field = QStringLiteral("allowed_origins");
        JsonFields f(call.body, {field});
        f.require(field);
        std::optional<QStringList> origins;
        f.readStringList(field, &origins);
        const config::Problem p = f.ok() ? m_config->settings.setCorsOrigins(*origins) : f.problem();
        p.ok() ? call.reply(200, corsJson(*origins)) : call.replyProblem(p);
    });
}

} // namespace obleth::admin
