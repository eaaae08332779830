#include "healthdot.h"

#include <QCoreApplication>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

namespace obleth::ui {

QColor healthColor(model::HealthState state)
{
    switch (state) {
    case model::HealthState::Healthy: return QColor(0x1a, 0x7f, 0x37);
    case model::HealthState::Unhealthy: return QColor(0xcf, 0x22, 0x2e);
    case model::HealthState::Probing: return QColor(0xd4, 0x8a, 0x00);
    case model::HealthState::Unknown: break;
    }
    return QColor(0x8c, 0x95, 0x9f);
}

QIcon healthIcon(model::HealthState state)
{
    QIcon icon;
    for (const int size : {16, 24, 32, 48, 64}) { // sharp up to four times the pixel density
        QPixmap dot(size, size);
        dot.fill(Qt::transparent);
        QPainter p(&dot);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(QPen(healthColor(state).darker(130), size / 16.0));
        p.setBrush(healthColor(state));
        const qreal margin = size * 0.2;
        p.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        p.end();
        icon.addPixmap(dot);
    }
    return icon;
}

QString healthText(model::HealthState state)
{
    switch (state) {
    case model::HealthState::Healthy: return QCoreApplication::translate("obleth::ui::Health", "healthy");
    case model::HealthState::Unhealthy: return QCoreApplication::translate("obleth::ui::Health", "unhealthy");
    case model::HealthState::Probing: return QCoreApplication::translate("obleth::ui::Health", "probing");
    case model::HealthState::Unknown: break;
    }
    return QCoreApplication::translate("obleth::ui::Health", "unknown");
}

QString healthToolTip(const model::DeploymentHealth &h)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("obleth::ui::Health", text); };
    QStringList lines;
    switch (h.state) {
    case model::HealthState::Healthy: lines << tr("Healthy: answering."); break;
    case model::HealthState::Unhealthy:
        lines << tr("Unhealthy: failed too often; resting until its cooldown ends.");
        break;
    case model::HealthState::Probing: lines << tr("Probing: one request is trying it after its rest."); break;
    case model::HealthState::Unknown: lines << tr("Unknown: no request or health check has reached it yet."); break;
    }
    if (h.consecutiveFailures > 0)
        lines << tr("%1 failure(s) in a row").arg(h.consecutiveFailures);
    if (!h.lastError.isEmpty())
        lines << tr("Last error: %1").arg(h.lastError);
    if (h.lastCheckedAt)
        lines << tr("Last heard of: %1").arg(QLocale().toString(h.lastCheckedAt->toLocalTime(), QLocale::ShortFormat));
    return lines.join(QLatin1Char('\n'));
}

} // namespace obleth::ui
