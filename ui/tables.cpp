#include "tables.h"

#include <QHeaderView>
#include <QLocale>
#include <QTableWidget>

#include <cmath>

namespace obleth::ui {

static_assert(kIdRole == Qt::UserRole);
static_assert(kSortRole == Qt::UserRole + 1);

namespace {
/// An item that sorts by kSortRole when it has one (numbers by value, times by time), by text otherwise.
class SortableItem final : public QTableWidgetItem
{
public:
    using QTableWidgetItem::QTableWidgetItem;
    bool operator<(const QTableWidgetItem &other) const override
    {
        const QVariant a = data(kSortRole);
        const QVariant b = other.data(kSortRole);
        if (a.isValid() && b.isValid())
            return QVariant::compare(a, b) == QPartialOrdering::Less;
        return QTableWidgetItem::operator<(other);
    }
};

QTableWidgetItem *readOnly(QTableWidgetItem *item)
{
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}
} // namespace

QTableWidget *listTable(const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setTextElideMode(Qt::ElideMiddle);
    t->setWordWrap(false);
    t->verticalHeader()->hide();
    t->horizontalHeader()->setStretchLastSection(true);
    t->horizontalHeader()->setSectionsClickable(true);
    return t;
}

QTableWidgetItem *cell(const QString &text, bool editable)
{
    auto *item = new SortableItem(text);
    item->setFlags(editable ? (item->flags() | Qt::ItemIsEditable) : (item->flags() & ~Qt::ItemIsEditable));
    item->setToolTip(text);
    return item;
}

QTableWidgetItem *numberCell(double value, const QString &text)
{
    auto *item = new SortableItem(text.isEmpty() ? QLocale().toString(value, 'g', 12) : text);
    item->setData(kSortRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return readOnly(item);
}

QTableWidgetItem *timeCell(const QDateTime &at)
{
    auto *item = new SortableItem(relativeTime(at, QDateTime::currentDateTimeUtc()));
    item->setData(kSortRole, at);
    item->setToolTip(QLocale().toString(at.toLocalTime(), QLocale::LongFormat));
    return readOnly(item);
}

QString relativeTime(const QDateTime &at, const QDateTime &now)
{
    if (!at.isValid())
        return {};
    const qint64 secs = at.secsTo(now);
    if (secs < 1)
        return QTableWidget::tr("just now");
    if (secs < 60)
        return QTableWidget::tr("%1 s ago").arg(secs);
    if (secs < 3600)
        return QTableWidget::tr("%1 min ago").arg(secs / 60);
    if (secs < 24 * 3600)
        return QTableWidget::tr("%1 h ago").arg(secs / 3600);
    return QLocale().toString(at.toLocalTime(), QLocale::ShortFormat);
}

QString countText(qint64 n)
{
    return QLocale().toString(n);
}

QString moneyText(double amount)
{
    if (amount == 0)
        return QStringLiteral("$0");
    // Two decimals for whole amounts; small ones keep three significant digits ($0.000150).
    const int decimals = std::abs(amount) >= 1 ? 2 : std::min(8, 2 - int(std::floor(std::log10(std::abs(amount)))));
    return QStringLiteral("$") + QLocale().toString(amount, 'f', decimals);
}

QString perMillionText(double perTokenPrice)
{
    if (perTokenPrice == 0)
        return QTableWidget::tr("free");
    return moneyText(perTokenPrice * 1'000'000);
}

void fitColumns(QTableWidget *table, int maxWidth)
{
    QHeaderView *header = table->horizontalHeader();
    table->resizeColumnsToContents();
    for (int c = 0; c + 1 < table->columnCount(); ++c) {
        if (header->sectionSize(c) > maxWidth)
            header->resizeSection(c, maxWidth);
    }
}

} // namespace obleth::ui
