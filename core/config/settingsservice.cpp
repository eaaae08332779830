#include "settingsservice.h"

#include "changenote.h"
#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

namespace obleth::config {

SettingsService::SettingsService(LiveConfig *config)
    : m_config(config)
{ }

bool SettingsService::isOriginPattern(const QString &entry)
{
    static const QRegularExpression shape(QStringLiteral("^[a-z][a-z0-9+.-]*://[A-Za-z0-9.*_\\[\\]:-]+$"));
    return entry == QLatin1String("*") || (entry.size() <= 256 && shape.match(entry).hasMatch());
}

Problem SettingsService::setCorsOrigins(const QStringList &origins)
{
    const QString field = QStringLiteral("allowed_origins");
    FieldCheck c;
    c.stringList(field, origins);
    if (!c.ok())
        return c.problem();
    if (origins.size() > 256)
        return Problem::invalid(field, QStringLiteral("at most 256 origins"));
    for (const QString &origin : origins) {
        if (!isOriginPattern(origin)) {
            return Problem::invalid(
                field,
                QStringLiteral("'%1' is not an origin such as http://localhost:3000 or chrome-extension://*")
                    .arg(origin.left(64)));
        }
    }
    const QString text
        = QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(origins)).toJson(QJsonDocument::Compact));
    if (Problem p = m_config->commit([&](store::ConfigRepository &repo, QString *error) {
            return repo.saveSetting(LiveConfig::kCorsOriginsSetting, text, error);
        });
        !p.ok())
        return p;
    qCInfo(lcConfig).noquote() << QStringLiteral("CORS origins set to %1")
                                      .arg(origins.isEmpty() ? QStringLiteral("none")
                                                             : origins.join(QStringLiteral(", ")));
    return {};
}

const QStringList &SettingsService::alertNames()
{
    // The one list of them: the alerts (alerts::AlertCenter::names()) and the event stream go by it too.
    static const QStringList names
        = {QStringLiteral("deployment_down"), QStringLiteral("deployment_up"), QStringLiteral("model_unavailable"),
           QStringLiteral("tenant_rate_limited"), QStringLiteral("key_expiring"), QStringLiteral("queue_saturated"),
           // several instances (contract section 15)
           QStringLiteral("database_down"), QStringLiteral("database_up"), QStringLiteral("redis_down"),
           QStringLiteral("redis_up")};
    return names;
}

Problem SettingsService::setAdmission(const model::AdmissionSettings &settings)
{
    FieldCheck c;
    c.integer(QStringLiteral("brownout_wait_ms"), settings.brownoutWaitMs, limits::kBrownoutWaitMs);
    c.integer(QStringLiteral("brownout_max_tokens"), settings.brownoutMaxTokens, limits::kBrownoutMaxTokens);
    c.integer(QStringLiteral("max_queue_wait_secs"), settings.maxQueueWaitSecs, limits::kMaxQueueWaitSecs);
    c.integer(QStringLiteral("max_queue_length"), settings.maxQueueLength, limits::kMaxQueueLength);
    if (!c.ok())
        return c.problem();
    const QList<store::ConfigRepository::Setting> values = {
        {LiveConfig::kBrownoutWaitMsSetting, QString::number(settings.brownoutWaitMs)},
        {LiveConfig::kBrownoutMaxTokensSetting, QString::number(settings.brownoutMaxTokens)},
        {LiveConfig::kMaxQueueWaitSecsSetting, QString::number(settings.maxQueueWaitSecs)},
        {LiveConfig::kMaxQueueLengthSetting, QString::number(settings.maxQueueLength)},
    };
    const model::AdmissionSettings before = m_config->snapshot()->admission;
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveSettings(values, error); });
        !p.ok())
        return p;
    ChangeNote n;
    n.field(QStringLiteral("brownout_wait_ms"), before.brownoutWaitMs, settings.brownoutWaitMs);
    n.field(QStringLiteral("brownout_max_tokens"), before.brownoutMaxTokens, settings.brownoutMaxTokens);
    n.field(QStringLiteral("max_queue_wait_secs"), before.maxQueueWaitSecs, settings.maxQueueWaitSecs);
    n.field(QStringLiteral("max_queue_length"), before.maxQueueLength, settings.maxQueueLength);
    qCInfo(lcConfig).noquote() << QStringLiteral("admission settings changed: %1").arg(n.text());
    return {};
}

Problem SettingsService::setAlerts(const model::AlertSettings &settings)
{
    FieldCheck c;
    if (!settings.webhookUrl.isEmpty())
        c.url(QStringLiteral("webhook_url"), settings.webhookUrl);
    if (!c.ok())
        return c.problem();
    std::optional<QStringList> events;
    if (settings.events) {
        QStringList names;
        for (const QString &name : *settings.events) {
            if (!alertNames().contains(name)) {
                return Problem::invalid(QStringLiteral("events"),
                                        QStringLiteral("'%1' is not an alert; the alerts are %2")
                                            .arg(name.left(64), alertNames().join(QStringLiteral(", "))));
            }
            if (!names.contains(name))
                names.append(name);
        }
        events = names;
    }
    const QString eventsText = events
        ? QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(*events)).toJson(QJsonDocument::Compact))
        : QStringLiteral("null");
    const QList<store::ConfigRepository::Setting> values = {
        {LiveConfig::kAlertWebhookSetting, settings.webhookUrl, true},
        {LiveConfig::kAlertEventsSetting, eventsText},
    };
    const model::AlertSettings before = m_config->snapshot()->alerts;
    if (Problem p = m_config->commit(
            [&](store::ConfigRepository &repo, QString *error) { return repo.saveSettings(values, error); });
        !p.ok())
        return p;
    ChangeNote n;
    n.url(QStringLiteral("webhook_url"), before.webhookUrl, settings.webhookUrl);
    const auto shownEvents = [](const std::optional<QStringList> &names) {
        return names ? names->join(QStringLiteral(", ")) : QStringLiteral("every alert");
    };
    n.field(QStringLiteral("events"), shownEvents(before.events), shownEvents(events));
    qCInfo(lcConfig).noquote() << QStringLiteral("alert settings changed: %1").arg(n.text());
    return {};
}

} // namespace obleth::config
