#include "tables.h"

#include <QAbstractItemModel>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

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
        return text().localeAwareCompare(other.text()) < 0;
    }
};

QTableWidgetItem *readOnly(QTableWidgetItem *item)
{
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    return item;
}

/// @p value times ten to the @p shift, through its decimal digits (15 significant), so that what was typed stays
/// what is stored.
double shiftedDecimal(double value, int shift)
{
    if (value == 0 || !std::isfinite(value))
        return value;
    const QString text = QLocale::c().toString(value, 'e', 14); // "1.50000000000000e-01"
    const qsizetype e = text.indexOf(QLatin1Char('e'));
    const int exponent = text.mid(e + 1).toInt() + shift;
    return QLocale::c().toDouble(text.left(e) + QLatin1Char('e') + QString::number(exponent));
}
} // namespace

void applyListLook(QTableView *view)
{
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setTextElideMode(Qt::ElideMiddle);
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    view->verticalHeader()->hide();
    // Rows as tall as a line of text and a little air, not the style's roomy default.
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionsClickable(true);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setTextElideMode(Qt::ElideRight);
}

QTableWidget *listTable(const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    applyListLook(t);
    return t;
}

QTableWidgetItem *cell(const QString &text, bool editable)
{
    auto *item = new SortableItem(text);
    item->setFlags(editable ? (item->flags() | Qt::ItemIsEditable) : (item->flags() & ~Qt::ItemIsEditable));
    item->setToolTip(text);
    return item;
}

QTableWidgetItem *numberCell(double value, const QString &text, bool editable)
{
    auto *item = new SortableItem(text.isEmpty() ? QLocale().toString(value, 'g', 12) : text);
    item->setData(kSortRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    if (editable)
        return item;
    return readOnly(item);
}

QTableWidgetItem *timeCell(const QDateTime &at)
{
    auto *item = new SortableItem(relativeTime(at, QDateTime::currentDateTimeUtc()));
    item->setData(kSortRole, at);
    item->setToolTip(exactTime(at));
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

QString exactTime(const QDateTime &at)
{
    return at.isValid() ? QLocale().toString(at.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz t")) : QString();
}

QString countText(qint64 n)
{
    return QLocale().toString(n);
}

QString moneyText(double amount, const Currency &currency)
{
    if (amount == 0 || !std::isfinite(amount))
        return currency.wrap(QStringLiteral("0"));
    const double size = std::abs(amount);
    if (size < 0.5e-8) // below what eight decimals show
        return QStringLiteral("<") + currency.wrap(QLocale().toString(0.00000001, 'f', 8));
    // Two decimals for whole amounts; below one, three significant digits, never fewer than two decimals.
    const int decimals = size >= 1 ? 2 : std::clamp(2 - int(std::floor(std::log10(size))), 2, 8);
    QString text = QLocale().toString(amount, 'f', decimals);
    // Trailing zeros beyond the second decimal say nothing ("0.0750" is "0.075").
    const QChar point = QLocale().decimalPoint().front();
    const qsizetype at = text.indexOf(point);
    if (at >= 0) {
        qsizetype end = text.size();
        while (end > at + 3 && text.at(end - 1) == QLatin1Char('0'))
            --end;
        text.truncate(end);
    }
    return currency.wrap(text);
}

QString moneyText(double amount)
{
    return moneyText(amount, DisplayCurrency::current());
}

QString perMillionText(double perTokenPrice, const Currency &currency)
{
    if (perTokenPrice == 0)
        return QTableWidget::tr("free");
    return moneyText(perMillion(perTokenPrice), currency);
}

QString perMillionText(double perTokenPrice)
{
    return perMillionText(perTokenPrice, DisplayCurrency::current());
}

double perMillion(double perTokenPrice)
{
    return shiftedDecimal(perTokenPrice, 6);
}

double perToken(double perMillionPrice)
{
    return shiftedDecimal(perMillionPrice, -6);
}

namespace {
const char *const kFitWidthProperty = "oblethFitWidth";
const char *const kFittedShownProperty = "oblethFittedShown";

/// Fits a table's columns again the first time it shows: filled while hidden, it did not know its width.
class FitOnShow final : public QObject
{
public:
    using QObject::QObject;
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        auto *table = static_cast<QTableView *>(watched);
        if (event->type() == QEvent::Show && !table->property(kFittedShownProperty).toBool())
            QTimer::singleShot(0, table, [table] { fitColumns(table, table->property(kFitWidthProperty).toInt()); });
        return false;
    }
};
} // namespace

void fitColumns(QTableView *table, int maxWidth)
{
    QHeaderView *header = table->horizontalHeader();
    if (!table->property(kFitWidthProperty).isValid())
        table->installEventFilter(new FitOnShow(table));
    table->setProperty(kFitWidthProperty, maxWidth);
    const int columns = header->count();
    QList<int> floors(columns, 0); ///< what each column never goes below: its header
    for (int c = 0; c < columns; ++c) {
        if (header->isSectionHidden(c) || header->sectionResizeMode(c) != QHeaderView::Interactive)
            continue;
        table->resizeColumnToContents(c);
        // Never narrower than its header, whose text must not be cut.
        const int wanted = std::max(header->sectionSize(c), header->sectionSizeHint(c));
        // When the view is short of room, elided text keeps enough to be recognised (140 px), a header all of its.
        floors[c] = std::max(header->sectionSizeHint(c), std::min(wanted, 140));
        header->resizeSection(c, std::min(wanted, std::max(maxWidth, floors[c])));
    }
    // Wider than the view: the widest columns give up width (elided, down to their header's), so that every column
    // shows without scrolling when it can.
    if (table->isVisible()) {
        table->setProperty(kFittedShownProperty, true);
        const int room = table->viewport()->width();
        int excess = header->length() - room;
        for (int step = 0; excess > 0 && step < 4 * columns; ++step) {
            int widest = -1;
            int second = 0;
            for (int c = 0; c < columns; ++c) {
                const int size = header->sectionSize(c);
                if (floors[c] == 0 || size <= floors[c])
                    continue;
                if (widest < 0 || size > header->sectionSize(widest)) {
                    second = widest < 0 ? second : header->sectionSize(widest);
                    widest = c;
                } else {
                    second = std::max(second, size);
                }
            }
            if (widest < 0)
                break;
            const int size = header->sectionSize(widest);
            const int give = std::min({excess, size - floors[widest], std::max(8, size - second)});
            header->resizeSection(widest, size - give);
            excess -= give;
        }
    }
    // The last column takes what is left, unless another does or it holds numbers (right-aligned, they would sit far
    // from their header).
    const QAbstractItemModel *model = table->model();
    const int last = columns - 1;
    const bool numbers = model && model->rowCount() > 0 && last >= 0
        && (model->index(0, last).data(Qt::TextAlignmentRole).toInt() & Qt::AlignRight);
    bool stretching = false; // a column of the page's choice takes what is left
    for (int c = 0; c < columns; ++c)
        stretching = stretching || header->sectionResizeMode(c) == QHeaderView::Stretch;
    header->setStretchLastSection(!stretching && !numbers);
}

SortingPause::SortingPause(QTableWidget *table)
    : m_table(table)
    , m_was(table->isSortingEnabled())
{
    m_table->setSortingEnabled(false);
}

SortingPause::~SortingPause()
{
    if (m_was)
        m_table->setSortingEnabled(true);
}

namespace {
const char *const kSortColumnProperty = "oblethSortColumn";
const char *const kSortOrderProperty = "oblethSortOrder";
} // namespace

void sortWhenAsked(QTableWidget *table)
{
    QHeaderView *header = table->horizontalHeader();
    header->setSortIndicatorShown(false);
    header->setSectionsClickable(true);
    QObject::connect(header, &QHeaderView::sectionClicked, table, [table, header](int column) {
        const QVariant before = table->property(kSortColumnProperty);
        const bool again = before.isValid() && before.toInt() == column
            && table->property(kSortOrderProperty).toInt() == Qt::AscendingOrder;
        const Qt::SortOrder order = again ? Qt::DescendingOrder : Qt::AscendingOrder;
        table->setProperty(kSortColumnProperty, column);
        table->setProperty(kSortOrderProperty, int(order));
        header->setSortIndicator(column, order);
        header->setSortIndicatorShown(true);
        table->sortItems(column, order);
    });
}

void resort(QTableWidget *table)
{
    const QVariant column = table->property(kSortColumnProperty);
    if (column.isValid())
        table->sortItems(column.toInt(), Qt::SortOrder(table->property(kSortOrderProperty).toInt()));
}

int rowWithId(const QTableWidget *table, int column, const QVariant &id)
{
    for (int row = 0; row < table->rowCount(); ++row) {
        if (const QTableWidgetItem *item = table->item(row, column); item && item->data(kIdRole) == id)
            return row;
    }
    return -1;
}

QLabel *setEmptyState(QAbstractItemView *view, const QString &text)
{
    auto *label = new QLabel(text, view->viewport());
    label->setObjectName(QStringLiteral("emptyState"));
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    label->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    label->setContentsMargins(24, 24, 24, 24);
    label->setMinimumWidth(std::min(440, label->fontMetrics().horizontalAdvance(label->text()) + 48));
    QPalette quiet = label->palette();
    quiet.setColor(QPalette::WindowText, quiet.color(QPalette::PlaceholderText));
    label->setPalette(quiet);
    auto *layout = new QVBoxLayout(view->viewport());
    layout->addWidget(label, 0, Qt::AlignCenter);
    QAbstractItemModel *model = view->model();
    const auto update = [label, model] { label->setVisible(model->rowCount() == 0); };
    QObject::connect(model, &QAbstractItemModel::rowsInserted, label, update);
    QObject::connect(model, &QAbstractItemModel::rowsRemoved, label, update);
    QObject::connect(model, &QAbstractItemModel::modelReset, label, update);
    QObject::connect(model, &QAbstractItemModel::layoutChanged, label, update);
    update();
    return label;
}

void keepTimesFresh(QAbstractItemView *view, int intervalMs)
{
    auto *timer = new QTimer(view);
    timer->setInterval(intervalMs);
    QObject::connect(timer, &QTimer::timeout, view, [view] {
        if (!view->isVisible())
            return;
        auto *table = qobject_cast<QTableWidget *>(view);
        if (!table) {
            view->viewport()->update();
            return;
        }
        const int top = std::max(0, table->rowAt(0));
        int bottom = table->rowAt(table->viewport()->height() - 1);
        if (bottom < 0)
            bottom = table->rowCount() - 1;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QSignalBlocker quiet(table->model()); // the text only; the order (by time) stays
        for (int row = top; row <= bottom; ++row) {
            for (int column = 0; column < table->columnCount(); ++column) {
                QTableWidgetItem *item = table->item(row, column);
                if (item && item->data(kSortRole).typeId() == QMetaType::QDateTime)
                    item->setText(relativeTime(item->data(kSortRole).toDateTime(), now));
            }
        }
        table->viewport()->update();
    });
    timer->start();
}

} // namespace obleth::ui
