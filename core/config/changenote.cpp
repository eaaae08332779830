#include "changenote.h"

#include "platform/logging.h"

#include <QUrl>

namespace obleth::config {

namespace {
QString quoted(const QString &text)
{
    return QLatin1Char('\'') + (text.size() > 64 ? text.left(64) + QStringLiteral("...") : text) + QLatin1Char('\'');
}

QString shown(const std::optional<qint64> &v)
{
    return v ? QString::number(*v) : QStringLiteral("none");
}

QString shown(const QStringList &list)
{
    QStringList items;
    for (const QString &item : list)
        items.append(quoted(item));
    return QLatin1Char('[') + items.join(QStringLiteral(", ")) + QLatin1Char(']');
}
} // namespace

void ChangeNote::add(const QString &name, const QString &before, const QString &after)
{
    m_parts.append(QStringLiteral("%1 %2 -> %3").arg(name, before, after));
}

void ChangeNote::field(const QString &name, const QString &before, const QString &after)
{
    if (before != after)
        add(name, quoted(before), quoted(after));
}

void ChangeNote::field(const QString &name, qint64 before, qint64 after)
{
    if (before != after)
        add(name, QString::number(before), QString::number(after));
}

void ChangeNote::field(const QString &name, double before, double after)
{
    if (before != after)
        add(name, QString::number(before), QString::number(after));
}

void ChangeNote::field(const QString &name, bool before, bool after)
{
    if (before != after)
        add(name, before ? QStringLiteral("true") : QStringLiteral("false"),
            after ? QStringLiteral("true") : QStringLiteral("false"));
}

void ChangeNote::field(const QString &name, const std::optional<qint64> &before, const std::optional<qint64> &after)
{
    if (before != after)
        add(name, shown(before), shown(after));
}

void ChangeNote::field(const QString &name, const std::optional<QDateTime> &before,
                       const std::optional<QDateTime> &after)
{
    auto time = [](const std::optional<QDateTime> &t) {
        return t ? t->toUTC().toString(Qt::ISODate) : QStringLiteral("none");
    };
    if (before != after)
        add(name, time(before), time(after));
}

void ChangeNote::field(const QString &name, const QStringList &before, const QStringList &after)
{
    if (before != after)
        add(name, shown(before), shown(after));
}

void ChangeNote::field(const QString &name, const std::optional<QStringList> &before,
                       const std::optional<QStringList> &after)
{
    auto list = [](const std::optional<QStringList> &l) { return l ? shown(*l) : QStringLiteral("none"); };
    if (before != after)
        add(name, list(before), list(after));
}

void ChangeNote::url(const QString &name, const QString &before, const QString &after)
{
    if (before == after)
        return;
    const QString shownBefore = loggableUrl(QUrl(before));
    const QString shownAfter = loggableUrl(QUrl(after));
    if (shownBefore == shownAfter)
        m_parts.append(QStringLiteral("%1 changed (its path or query, which are not logged)").arg(name));
    else
        add(name, quoted(shownBefore), quoted(shownAfter));
}

void ChangeNote::secret(const QString &name, const QString &before, const QString &after)
{
    if (before == after)
        return;
    m_parts.append(after.isEmpty()        ? QStringLiteral("%1 cleared").arg(name)
                       : before.isEmpty() ? QStringLiteral("%1 set").arg(name)
                                          : QStringLiteral("%1 changed").arg(name));
}

QString ChangeNote::text() const
{
    return m_parts.isEmpty() ? QStringLiteral("nothing changed") : m_parts.join(QStringLiteral(", "));
}

} // namespace obleth::config
