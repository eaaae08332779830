#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVariant>

QT_BEGIN_NAMESPACE
class QTableWidget;
class QTableWidgetItem;
class QWidget;
QT_END_NAMESPACE

namespace obleth::ui {

/// The item data role where pages keep a row's id (a tenant's, a model's, …).
constexpr int kIdRole = 0x0100; // Qt::UserRole
/// The item data role a column sorts by when its text does not (a number, a time).
constexpr int kSortRole = 0x0101;

/// A table of whole-row, single selection with @p headers, as every page lists things: sortable by any column
/// (click a header), long text elided in the middle.
[[nodiscard]] QTableWidget *listTable(const QStringList &headers, QWidget *parent);
/// A cell showing @p text; editable in place only when asked. Its tooltip is the text when it may not fit.
[[nodiscard]] QTableWidgetItem *cell(const QString &text, bool editable = false);
/// A read-only number, right-aligned, sorted by value; @p text as shown (the value with separators if empty).
[[nodiscard]] QTableWidgetItem *numberCell(double value, const QString &text = {});
/// A moment shown relative to now ("2 s ago", "3 min ago", "yesterday 14:02"), the exact local time in its
/// tooltip, sorted by time.
[[nodiscard]] QTableWidgetItem *timeCell(const QDateTime &at);

/// "just now", "12 s ago", "5 min ago", "3 h ago", then the date: @p at as seen from @p now.
[[nodiscard]] QString relativeTime(const QDateTime &at, const QDateTime &now);
/// A whole number with the locale's group separators ("12,345").
[[nodiscard]] QString countText(qint64 n);
/// An amount of money in the display currency ("$0.0042"; small amounts keep their significant digits).
[[nodiscard]] QString moneyText(double amount);
/// A per-token price as people read it: per million tokens in the display currency ("$0.15"); "free" for 0.
[[nodiscard]] QString perMillionText(double perTokenPrice);

/// Sizes each column to its content (at most @p maxWidth pixels; the rest elided with a tooltip) and lets the
/// last one take what is left. Call after filling the table.
void fitColumns(QTableWidget *table, int maxWidth = 320);

} // namespace obleth::ui
