#include "settingsservice.h"

#include "fieldcheck.h"
#include "liveconfig.h"
#include "platform/logging.h"
#include "store/configrepository.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

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

} // namespace obleth::config
