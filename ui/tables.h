#pragma once

#include "currency.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVariant>

QT_BEGIN_NAMESPACE
class QAbstractItemView;
class QLabel;
class QTableView;
class QTableWidget;
class QTableWidgetItem;
class QWidget;
QT_END_NAMESPACE

namespace obleth::ui {

/// The item data role where pages keep a row's id (a tenant's, a model's, …).
constexpr int kIdRole = 0x0100; // Qt::UserRole
/// The item data role a column sorts by when its text does not (a number, a time).
constexpr int kSortRole = 0x0101;

/// A table of whole-row, single selection with @p headers, as every page lists things: compact rows, long text
/// elided in the middle, clickable headers. Sorting is the page's to turn on (QTableWidget::setSortingEnabled), as
/// rows filled with setItem() while a sort column is set move under the filling: fill inside a SortingPause.
[[nodiscard]] QTableWidget *listTable(const QStringList &headers, QWidget *parent);
/// The look listTable() gives, for a QTableView on a model of its own.
void applyListLook(QTableView *view);
/// A cell showing @p text; editable in place only when asked. Its tooltip is the text (for when it does not fit).
[[nodiscard]] QTableWidgetItem *cell(const QString &text, bool editable = false);
/// A number, right-aligned, sorted by value; @p text as shown (the value with separators if empty). Read-only
/// unless asked (a page that lets it be edited reads the typed text).
[[nodiscard]] QTableWidgetItem *numberCell(double value, const QString &text = {}, bool editable = false);
/// A moment shown relative to now ("2 s ago", "3 min ago", "yesterday 14:02"), the exact local time in its
/// tooltip, sorted by time. keepTimesFresh() keeps the text current.
[[nodiscard]] QTableWidgetItem *timeCell(const QDateTime &at);

/// "just now", "12 s ago", "5 min ago", "3 h ago", then the date: @p at as seen from @p now.
[[nodiscard]] QString relativeTime(const QDateTime &at, const QDateTime &now);
/// The exact local time, as tooltips show it.
[[nodiscard]] QString exactTime(const QDateTime &at);
/// A whole number with the locale's group separators ("12,345").
[[nodiscard]] QString countText(qint64 n);
/// An amount of money in @p currency: two decimals ("$1,234.50", "$0.60"); below one, as many as three significant
/// digits need ("$0.075", "$0.0000015"); "$0" for nothing.
[[nodiscard]] QString moneyText(double amount, const Currency &currency);
/// The same in the display currency (DisplayCurrency::current()).
[[nodiscard]] QString moneyText(double amount);
/// A per-token price as people read it: per million tokens in the display currency ("$0.15"); "free" for 0.
[[nodiscard]] QString perMillionText(double perTokenPrice);
[[nodiscard]] QString perMillionText(double perTokenPrice, const Currency &currency);
/// The price of a million tokens at @p perTokenPrice, as typed (0.15 for 1.5e-07: no 0.15000000000000002).
[[nodiscard]] double perMillion(double perTokenPrice);
/// The per-token price the API stores for @p perMillionPrice, exactly as it would be written (0.15 gives the double
/// that reads 1.5e-07, not 0.15 / 1e6 = 1.4999999999999999e-07).
[[nodiscard]] double perToken(double perMillionPrice);

/// Sizes each column to its content and its header (at most @p maxWidth pixels: the rest is elided, in the middle,
/// with the whole text in the tooltip) and lets the last one take what is left. Call after filling the table.
void fitColumns(QTableView *table, int maxWidth = 320);

/// Turns a QTableWidget's sorting off while it is refilled, and back on (sorted again) when it goes.
class SortingPause
{
public:
    explicit SortingPause(QTableWidget *table);
    ~SortingPause();
    SortingPause(const SortingPause &) = delete;
    SortingPause &operator=(const SortingPause &) = delete;

private:
    QTableWidget *m_table;
    bool m_was;
};

/// Sorting for a table whose own order means something (a model's deployments): none until a header is clicked,
/// then by that column (clicked again, the other way). Call resort() after refilling it.
void sortWhenAsked(QTableWidget *table);
/// Sorts @p table again as its header was last clicked (nothing if never).
void resort(QTableWidget *table);

/// The row whose item in @p column has @p id in kIdRole, or -1.
[[nodiscard]] int rowWithId(const QTableWidget *table, int column, const QVariant &id);

/// A line shown in the middle of @p view while its model has no rows, saying what to do (rich text: links go to the
/// label's linkActivated()). Returns the label.
QLabel *setEmptyState(QAbstractItemView *view, const QString &text);

/// Every @p intervalMs while @p view shows, its relative times are brought up to date: the visible rows' cells made
/// by timeCell() in a QTableWidget; in another view, a repaint (its model says the time as it paints).
void keepTimesFresh(QAbstractItemView *view, int intervalMs = 5000);

} // namespace obleth::ui
