#include "alertthrottle.h"

namespace obleth::ui {

bool AlertThrottle::admit(const QString &type, const QString &subject, const QDateTime &now)
{
    const QString kindAndSubject = type + QLatin1Char('\n') + subject;
    const auto last = m_lastShown.constFind(kindAndSubject);
    if (last != m_lastShown.cend()) {
        const qint64 since = last->msecsTo(now);
        if (since >= 0 && since < kIntervalMs)
            return false;
    }
    if (m_lastShown.size() > 1024) {
        for (auto it = m_lastShown.begin(); it != m_lastShown.end();)
            it = it->msecsTo(now) >= kIntervalMs ? m_lastShown.erase(it) : std::next(it);
    }
    m_lastShown.insert(kindAndSubject, now);
    return true;
}

QString AlertThrottle::subjectOf(const QJsonObject &alert)
{
    const QJsonObject details = alert.value(QStringLiteral("details")).toObject();
    const QString deployment = details.value(QStringLiteral("deployment_id")).toString();
    if (!deployment.isEmpty())
        return details.value(QStringLiteral("model_id")).toString() + QLatin1Char('/') + deployment;
    for (const char *field : {"key_id", "tenant_id", "model"}) {
        const QString value = details.value(QLatin1String(field)).toString();
        if (!value.isEmpty())
            return value;
    }
    return alert.value(QStringLiteral("event")).toString();
}

} // namespace obleth::ui
