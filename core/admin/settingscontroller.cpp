#include "settingscontroller.h"

#include "config/configservices.h"
#include "jsonfields.h"

namespace obleth::admin {

using config::Problem;
namespace limits = config::limits;

namespace {
const QString kBrownoutWaitMs = QStringLiteral("brownout_wait_ms");
const QString kBrownoutMaxTokens = QStringLiteral("brownout_max_tokens");
const QString kMaxQueueWaitSecs = QStringLiteral("max_queue_wait_secs");
const QString kMaxQueueLength = QStringLiteral("max_queue_length");
const QString kWebhookUrl = QStringLiteral("webhook_url");
const QString kEvents = QStringLiteral("events");

QJsonObject admissionJson(const model::AdmissionSettings &s)
{
    return QJsonObject{
        {kBrownoutWaitMs, double(s.brownoutWaitMs)},
        {kBrownoutMaxTokens, double(s.brownoutMaxTokens)},
        {kMaxQueueWaitSecs, double(s.maxQueueWaitSecs)},
        {kMaxQueueLength, double(s.maxQueueLength)},
    };
}

/// The webhook's URL as set (the admin token's holder set it); `events` lists the alerts the webhook receives,
/// every one of them when none were chosen.
QJsonObject alertsJson(const model::AlertSettings &s)
{
    return QJsonObject{
        {kWebhookUrl, s.webhookUrl.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s.webhookUrl)},
        {kEvents, QJsonArray::fromStringList(s.events.value_or(config::SettingsService::alertNames()))},
    };
}
} // namespace

void SettingsController::addRoutes(const RouteSink &add)
{
    const QString admission = QStringLiteral("/api/v1/settings/admission");
    const QString alerts = QStringLiteral("/api/v1/settings/alerts");
    add("GET", admission,
        [this](ApiCall &call) { call.reply(200, admissionJson(m_config->live.snapshot()->admission)); });
    add("PUT", admission, [this](ApiCall &call) {
        JsonFields f(call.body, {kBrownoutWaitMs, kBrownoutMaxTokens, kMaxQueueWaitSecs, kMaxQueueLength});
        model::AdmissionSettings s = m_config->live.snapshot()->admission;
        std::optional<qint64> value;
        const auto read = [&](const QString &name, config::IntRange range, qint64 *target) {
            value.reset();
            f.readWholeNumber(name, &value, range);
            if (value)
                *target = *value;
        };
        read(kBrownoutWaitMs, limits::kBrownoutWaitMs, &s.brownoutWaitMs);
        read(kBrownoutMaxTokens, limits::kBrownoutMaxTokens, &s.brownoutMaxTokens);
        read(kMaxQueueWaitSecs, limits::kMaxQueueWaitSecs, &s.maxQueueWaitSecs);
        read(kMaxQueueLength, limits::kMaxQueueLength, &s.maxQueueLength);
        const Problem p = f.ok() ? m_config->settings.setAdmission(s) : f.problem();
        p.ok() ? call.reply(200, admissionJson(m_config->live.snapshot()->admission)) : call.replyProblem(p);
    });
    add("GET", alerts, [this](ApiCall &call) { call.reply(200, alertsJson(m_config->live.snapshot()->alerts)); });
    add("PUT", alerts, [this](ApiCall &call) {
        JsonFields f(call.body, {kWebhookUrl, kEvents});
        model::AlertSettings s = m_config->live.snapshot()->alerts;
        if (f.has(kWebhookUrl)) {
            // A string, or null for no webhook (read as an empty string, as a write-only secret is).
            std::optional<QString> url;
            f.readSecret(kWebhookUrl, &url);
            if (url)
                s.webhookUrl = *url;
        }
        if (f.has(kEvents)) {
            std::optional<std::optional<QStringList>> events;
            f.readOptionalStringList(kEvents, &events);
            if (events)
                s.events = *events;
        }
        const Problem p = f.ok() ? m_config->settings.setAlerts(s) : f.problem();
        p.ok() ? call.reply(200, alertsJson(m_config->live.snapshot()->alerts)) : call.replyProblem(p);
    });
}

} // namespace obleth::admin
