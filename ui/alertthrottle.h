#pragma once

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QString>

namespace obleth::ui {

/// The tray's own guard against a flood of desktop notifications: at most one alert of a kind a minute per subject
/// (the deployment, model, tenant or key it is about), whatever reaches it. The gateway holds alerts back the same
/// way; this guard keeps the desktop quiet should anything else publish them.
class AlertThrottle final
{
public:
    static constexpr qint64 kIntervalMs = 60'000;

    /// True when alert @p type about @p subject may be shown at @p now (and counts it as shown then).
    bool admit(const QString &type, const QString &subject, const QDateTime &now);
    /// What an alert is about, from its details: the deployment, model, tenant or key; else the kind itself.
    [[nodiscard]] static QString subjectOf(const QJsonObject &alert);

private:
    QHash<QString, QDateTime> m_lastShown; ///< kind and subject -> when last shown
};

} // namespace obleth::ui
