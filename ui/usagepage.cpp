#include "usagepage.h"

#include "gatewaylink.h"
#include "tables.h"
#include "usagechart.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QTimeZone>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace obleth::ui {

namespace {
using GroupBy = model::UsageQuery::GroupBy;

/// The days the chart spans when grouped by day, at most this many (a longer span shows only the days with use).
constexpr int kMaxDays = 400;

qint64 totalTokens(const model::UsageRow &row)
{
    return row.promptTokens + row.completionTokens;
}

double estimatedShare(const model::UsageRow &row)
{
    return row.requests > 0 ? double(row.estimatedRequests) / double(row.requests) : 0.0;
}

/// A CSV field: quoted when it holds a comma, a quote, a line break or spaces at its ends (quotes doubled).
QString csvField(const QString &text)
{
    static const QString special = QStringLiteral(",\"\r\n");
    const bool quote = std::any_of(text.cbegin(), text.cend(), [](QChar c) { return special.contains(c); })
        || (!text.isEmpty() && (text.front().isSpace() || text.back().isSpace()));
    if (!quote)
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

/// A number as a program reads it: no group separators, a dot for decimals, as many digits as it takes.
QString plainNumber(double value)
{
    if (value == std::floor(value) && std::abs(value) < 1e15)
        return QString::number(qint64(value));
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}
} // namespace

UsagePage::UsagePage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_period(new QComboBox(this))
    , m_groupBy(new QComboBox(this))
    , m_measure(new QComboBox(this))
    , m_export(new QPushButton(tr("E&xport CSV…"), this))
    , m_since(new QLabel(this))
    , m_message(new QLabel(this))
    , m_empty(new QLabel(this))
    , m_chart(new UsageChart(this))
    , m_table(listTable({tr("Tenant"), tr("Requests"), tr("Prompt tokens"), tr("Completion tokens"), tr("Total tokens"),
                         tr("Cost"), tr("Estimated")},
                        this))
    , m_totals(new QLabel(this))
    , m_budgets(listTable({tr("Tenant"), tr("Tokens used this minute")}, this))
{
    m_period->addItem(tr("Today"), int(Period::Today));
    m_period->addItem(tr("Last 7 days"), int(Period::Last7Days));
    m_period->addItem(tr("Last 30 days"), int(Period::Last30Days));
    m_period->addItem(tr("All time"), int(Period::AllTime));
    m_period->setCurrentIndex(1);
    m_period->setAccessibleName(tr("Period"));
    m_period->setToolTip(tr("Days are counted in UTC, as the Management API counts them"));
    m_groupBy->addItem(tr("Tenant"), int(GroupBy::Tenant));
    m_groupBy->addItem(tr("Model"), int(GroupBy::Model));
    m_groupBy->addItem(tr("Day"), int(GroupBy::Day));
    m_groupBy->setAccessibleName(tr("Group by"));
    m_measure->addItem(tr("Cost"), int(Measure::Cost));
    m_measure->addItem(tr("Tokens"), int(Measure::Tokens));
    m_measure->setAccessibleName(tr("Chart shows"));
    m_export->setAccessibleName(tr("Export CSV"));
    m_export->setToolTip(tr("Save the table as a CSV file"));

    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    m_empty->setText(tr("No requests in this period yet — try the Playground or send a request."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->hide();
    m_since->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_totals->setAccessibleName(tr("Totals"));
    m_table->setAccessibleName(tr("Usage per group"));
    m_table->horizontalHeader()->setSortIndicator(Group, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeaderItem(Estimated)->setToolTip(
        tr("Share of the requests whose token counts are estimates (the upstream reported none)"));
    m_budgets->setAccessibleName(tr("Token budgets"));
    m_budgets->setToolTip(tr("Each tenant's tokens_per_minute budget and how much of it the last minute used"));

    const auto labelled = [this](const QString &text, QWidget *buddy) {
        auto *label = new QLabel(text, this);
        label->setBuddy(buddy);
        return label;
    };
    auto *controls = new QHBoxLayout;
    controls->addWidget(labelled(tr("&Period:"), m_period));
    controls->addWidget(m_period);
    controls->addSpacing(12);
    controls->addWidget(labelled(tr("&Group by:"), m_groupBy));
    controls->addWidget(m_groupBy);
    controls->addSpacing(12);
    controls->addWidget(labelled(tr("C&hart:"), m_measure));
    controls->addWidget(m_measure);
    controls->addSpacing(12);
    controls->addWidget(m_since, 1);
    controls->addWidget(m_export);

    auto *tableColumn = new QVBoxLayout;
    tableColumn->addWidget(m_table, 1);
    tableColumn->addWidget(m_totals);
    auto *budgetColumn = new QVBoxLayout;
    budgetColumn->addWidget(new QLabel(tr("Token budgets"), this));
    budgetColumn->addWidget(m_budgets, 1);
    auto *lower = new QHBoxLayout;
    lower->addLayout(tableColumn, 3);
    lower->addLayout(budgetColumn, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(m_message);
    layout->addWidget(m_empty, 1);
    layout->addWidget(m_chart, 3);
    layout->addLayout(lower, 2);

    m_throttle.setSingleShot(true);
    m_throttle.setInterval(kThrottleMs);
    m_budgetTimer.setInterval(kThrottleMs);
    connect(&m_throttle, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    connect(&m_budgetTimer, &QTimer::timeout, this, &UsagePage::refreshBudgets);
    connect(m_period, &QComboBox::currentIndexChanged, this, &UsagePage::refresh);
    connect(m_groupBy, &QComboBox::currentIndexChanged, this, &UsagePage::refresh);
    connect(m_measure, &QComboBox::currentIndexChanged, this, &UsagePage::fillChart);
    connect(m_export, &QPushButton::clicked, this, &UsagePage::chooseExportFile);
    connect(link, &GatewayLink::ready, this, [this] {
        if (isVisible())
            refresh();
    });
    connect(link, &GatewayLink::configChanged, this, [this] {
        if (isVisible())
            refreshBudgets();
    });
    // Many requests finishing ask once, kThrottleMs after the first of them (the page is read then).
    connect(link, &GatewayLink::requestFinished, this, [this] {
        if (!m_throttle.isActive())
            m_throttle.start();
    });
}

QDateTime UsagePage::periodStart(Period period, const QDateTime &nowUtc)
{
    const QDate today = nowUtc.toUTC().date();
    const auto dayStart = [](const QDate &day) { return QDateTime(day, QTime(0, 0), QTimeZone::utc()); };
    switch (period) {
    case Period::Today: return dayStart(today);
    case Period::Last7Days: return dayStart(today.addDays(-6));
    case Period::Last30Days: return dayStart(today.addDays(-29));
    case Period::AllTime: break;
    }
    return {};
}

model::UsageQuery UsagePage::query() const
{
    model::UsageQuery q;
    q.groupBy = GroupBy(m_groupBy->currentData().toInt());
    q.since = periodStart(Period(m_period->currentData().toInt()), QDateTime::currentDateTimeUtc());
    return q;
}

void UsagePage::refresh()
{
    const model::UsageQuery q = query();
    m_since->setText(q.since.isValid() ? tr("Since %1 00:00 UTC").arg(q.since.date().toString(Qt::ISODate))
                                       : tr("Since the first request"));
    const quint64 asked = ++m_asked;
    m_link->fetchUsage(q, this, [this, q, asked](const QList<model::UsageRow> &rows, const QString &error) {
        if (asked == m_asked)
            showUsage(q, rows, error);
    });
    refreshBudgets();
}

void UsagePage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
    m_budgetTimer.start();
}

void UsagePage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_budgetTimer.stop();
}

void UsagePage::showUsage(const model::UsageQuery &query, const QList<model::UsageRow> &rows, const QString &error)
{
    if (!error.isEmpty()) {
        // Keep what was shown; say why it is not newer, and ask again shortly (a busy store is let go soon).
        m_message->setText(tr("Usage could not be read: %1. Trying again in a few seconds.").arg(error));
        m_message->show();
        m_readFailed = true;
        m_throttle.start();
        Q_EMIT usageShown();
        return;
    }
    if (m_readFailed) {
        m_message->clear();
        m_message->hide();
        m_readFailed = false;
    }
    m_shownQuery = query;
    m_rows = rows;
    const bool empty = rows.isEmpty();
    m_empty->setVisible(empty);
    m_chart->setVisible(!empty);
    m_table->setVisible(!empty);
    m_totals->setVisible(!empty);
    m_export->setEnabled(!empty);
    fillTable();
    fillChart();
    Q_EMIT usageShown();
}

QString UsagePage::groupLabel(const model::UsageRow &row) const
{
    switch (m_shownQuery.groupBy) {
    case GroupBy::Tenant: return row.tenant.isEmpty() ? row.tenantId : row.tenant;
    case GroupBy::Model: return row.model;
    case GroupBy::Day: return row.day;
    }
    return {};
}

QString UsagePage::groupKey(const model::UsageRow &row) const
{
    switch (m_shownQuery.groupBy) {
    case GroupBy::Tenant: return row.tenantId;
    case GroupBy::Model: return row.model;
    case GroupBy::Day: return row.day;
    }
    return {};
}

void UsagePage::fillTable()
{
    static const QStringList groupHeaders{tr("Tenant"), tr("Model"), tr("Day (UTC)")};
    m_table->horizontalHeaderItem(Group)->setText(groupHeaders.value(int(m_shownQuery.groupBy)));
    m_table->setSortingEnabled(false);
    m_table->clearContents();
    m_table->setRowCount(int(m_rows.size()));
    model::UsageRow sum;
    for (int i = 0; i < m_rows.size(); ++i) {
        const model::UsageRow &row = m_rows.at(i);
        QTableWidgetItem *group = cell(groupLabel(row));
        group->setData(kIdRole, groupKey(row));
        if (m_shownQuery.groupBy == GroupBy::Tenant)
            group->setToolTip(tr("%1 (id %2)").arg(groupLabel(row), row.tenantId));
        m_table->setItem(i, Group, group);
        m_table->setItem(i, Requests, numberCell(double(row.requests), countText(row.requests)));
        m_table->setItem(i, PromptTokens, numberCell(double(row.promptTokens), countText(row.promptTokens)));
        m_table->setItem(i, CompletionTokens,
                         numberCell(double(row.completionTokens), countText(row.completionTokens)));
        m_table->setItem(i, TotalTokens, numberCell(double(totalTokens(row)), countText(totalTokens(row))));
        m_table->setItem(i, Cost, numberCell(row.cost, moneyText(row.cost)));
        const double share = estimatedShare(row);
        QTableWidgetItem *estimated = numberCell(
            share,
            row.estimatedRequests == 0 ? tr("none") : QLocale().toString(share * 100, 'f', 0) + QLatin1Char('%'));
        estimated->setToolTip(tr("%1 of %2 requests have estimated token counts")
                                  .arg(countText(row.estimatedRequests), countText(row.requests)));
        m_table->setItem(i, Estimated, estimated);
        sum.requests += row.requests;
        sum.promptTokens += row.promptTokens;
        sum.completionTokens += row.completionTokens;
        sum.cost += row.cost;
        sum.estimatedRequests += row.estimatedRequests;
    }
    m_table->setSortingEnabled(true);
    fitColumns(m_table);

    QString totals = sum.requests == 1 ? tr("Total: 1 request") : tr("Total: %1 requests").arg(countText(sum.requests));
    totals += tr(" · %1 tokens (%2 prompt, %3 completion) · %4")
                  .arg(countText(totalTokens(sum)), countText(sum.promptTokens), countText(sum.completionTokens),
                       moneyText(sum.cost));
    if (sum.estimatedRequests > 0)
        totals += tr(" · %1 of them with estimated counts").arg(countText(sum.estimatedRequests));
    m_totals->setText(totals);
}

void UsagePage::fillChart()
{
    const bool tokens = Measure(m_measure->currentData().toInt()) == Measure::Tokens;
    const auto barOf = [&](const model::UsageRow &row) {
        UsageChart::Bar bar;
        bar.key = groupKey(row);
        bar.label = groupLabel(row);
        bar.parts
            = tokens ? QList<double>{double(row.promptTokens), double(row.completionTokens)} : QList<double>{row.cost};
        return bar;
    };
    QList<UsageChart::Bar> bars;
    if (m_shownQuery.groupBy == GroupBy::Day && !m_rows.isEmpty()) {
        // Every day of the period in date order, the days without use as zero.
        QHash<QString, model::UsageRow> byDay;
        QDate first;
        QDate last = QDateTime::currentDateTimeUtc().date();
        for (const model::UsageRow &row : std::as_const(m_rows)) {
            byDay.insert(row.day, row);
            const QDate day = QDate::fromString(row.day, Qt::ISODate);
            if (day.isValid() && (!first.isValid() || day < first))
                first = day;
            if (day.isValid() && day > last)
                last = day;
        }
        if (m_shownQuery.since.isValid())
            first = std::min(first.isValid() ? first : last, m_shownQuery.since.toUTC().date());
        if (first.isValid() && first.daysTo(last) < kMaxDays) {
            for (QDate day = first; day <= last; day = day.addDays(1)) {
                model::UsageRow row = byDay.value(day.toString(Qt::ISODate));
                row.day = day.toString(Qt::ISODate);
                UsageChart::Bar bar = barOf(row);
                bar.label = QLocale().toString(day, QStringLiteral("MMM d"));
                bars.append(bar);
            }
        } else {
            for (const model::UsageRow &row : std::as_const(m_rows))
                bars.append(barOf(row));
        }
    } else {
        for (const model::UsageRow &row : std::as_const(m_rows))
            bars.append(barOf(row));
        // Tenants and models: the largest first.
        std::stable_sort(bars.begin(), bars.end(),
                         [](const UsageChart::Bar &a, const UsageChart::Bar &b) { return a.total() > b.total(); });
    }
    m_chart->setBars(bars, tokens ? QStringList{tr("Prompt tokens"), tr("Completion tokens")} : QStringList{tr("Cost")},
                     tokens ? UsageChart::Unit::Tokens : UsageChart::Unit::Money);
}

void UsagePage::refreshBudgets()
{
    m_link->fetchLive(this, [this](const QJsonObject &live) { showBudgets(live); });
}

void UsagePage::showBudgets(const QJsonObject &live)
{
    const auto snapshot = m_link->snapshot();
    if (!snapshot)
        return;
    QHash<QString, qint64> left;
    for (const QJsonValue &v : live.value(QStringLiteral("budgets")).toArray()) {
        const QJsonObject b = v.toObject();
        left.insert(b.value(QStringLiteral("tenant_id")).toString(),
                    qint64(b.value(QStringLiteral("tokens_left")).toDouble()));
    }
    QList<model::Tenant> tenants = snapshot->tenants;
    std::sort(tenants.begin(), tenants.end(), [](const model::Tenant &a, const model::Tenant &b) {
        return QString::localeAwareCompare(a.name, b.name) < 0;
    });
    m_budgets->setSortingEnabled(false);
    m_budgets->setRowCount(int(tenants.size()));
    for (int i = 0; i < tenants.size(); ++i) {
        const model::Tenant &t = tenants.at(i);
        QTableWidgetItem *name = cell(t.name);
        name->setData(kIdRole, t.id);
        m_budgets->setItem(i, BudgetTenant, name);
        if (!t.tokensPerMinute) {
            m_budgets->removeCellWidget(i, BudgetUse);
            m_budgets->setItem(i, BudgetUse, cell(tr("no limit")));
            continue;
        }
        const qint64 limit = *t.tokensPerMinute;
        // Used: what the bucket is short of full (more than the limit after answers that used more than reserved).
        const qint64 used = std::max<qint64>(0, limit - left.value(t.id, limit));
        const QString text = tr("%1 / %2 per minute").arg(countText(used), countText(limit));
        QTableWidgetItem *use = numberCell(double(used), text);
        use->setData(kSortRole, double(used) / double(limit));
        m_budgets->setItem(i, BudgetUse, use);
        auto *bar = qobject_cast<QProgressBar *>(m_budgets->cellWidget(i, BudgetUse));
        if (!bar) {
            bar = new QProgressBar(m_budgets);
            bar->setTextVisible(true);
            m_budgets->setCellWidget(i, BudgetUse, bar);
        }
        bar->setRange(0, 1000);
        bar->setValue(int(std::min<qint64>(1000, used * 1000 / limit)));
        bar->setFormat(text);
        bar->setAccessibleName(tr("Token budget of %1").arg(t.name));
        bar->setToolTip(used >= limit ? tr("%1 is over its budget: requests get 429 until it refills").arg(t.name)
                                      : tr("%1 tokens left this minute").arg(countText(limit - used)));
    }
    m_budgets->resizeColumnToContents(BudgetTenant);
    Q_EMIT budgetsShown();
}

void UsagePage::chooseExportFile()
{
    if (m_exportDialog)
        return m_exportDialog->raise();
    m_exportDialog = new QFileDialog(this, tr("Export usage as CSV"));
    m_exportDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_exportDialog->setAcceptMode(QFileDialog::AcceptSave);
    m_exportDialog->setNameFilter(tr("CSV files (*.csv)"));
    m_exportDialog->setDefaultSuffix(QStringLiteral("csv"));
    static const QStringList names{QStringLiteral("tenant"), QStringLiteral("model"), QStringLiteral("day")};
    m_exportDialog->selectFile(QStringLiteral("usage-by-%1.csv").arg(names.value(int(m_shownQuery.groupBy))));
    // The platform's dialog, except where there is no desktop to show it on (the tests' offscreen one).
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        m_exportDialog->setOption(QFileDialog::DontUseNativeDialog);
    connect(m_exportDialog, &QFileDialog::fileSelected, this, [this](const QString &path) { exportCsv(path); });
    connect(m_exportDialog, &QObject::destroyed, this, [this] { m_exportDialog = nullptr; });
    m_exportDialog->open();
}

bool UsagePage::exportCsv(const QString &path, QString *error)
{
    QStringList lines;
    QStringList header;
    for (int c = 0; c < m_table->columnCount(); ++c)
        header.append(csvField(m_table->horizontalHeaderItem(c)->text()));
    lines.append(header.join(QLatin1Char(',')));
    for (int r = 0; r < m_table->rowCount(); ++r) {
        QStringList fields;
        for (int c = 0; c < m_table->columnCount(); ++c) {
            const QTableWidgetItem *item = m_table->item(r, c);
            if (!item)
                fields.append(QString());
            else if (c == Group)
                fields.append(csvField(item->text()));
            else
                fields.append(plainNumber(item->data(kSortRole).toDouble()));
        }
        lines.append(fields.join(QLatin1Char(',')));
    }
    const QByteArray csv = (lines.join(QStringLiteral("\r\n")) + QStringLiteral("\r\n")).toUtf8();

    QSaveFile file(path);
    QString why;
    if (!file.open(QIODevice::WriteOnly))
        why = file.errorString();
    else if (file.write(csv) != csv.size() || !file.commit())
        why = file.errorString();
    if (error)
        *error = why;
    if (!why.isEmpty()) {
        m_readFailed = false;
        m_message->setText(tr("Could not export to %1: %2").arg(QDir::toNativeSeparators(path), why));
        m_message->show();
        return false;
    }
    m_readFailed = false;
    m_message->setText(
        tr("Exported %n row(s) to %1", nullptr, m_table->rowCount()).arg(QDir::toNativeSeparators(path)));
    m_message->show();
    return true;
}

} // namespace obleth::ui
