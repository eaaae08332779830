#pragma once

#include "model/usagetotals.h"

#include <QDateTime>
#include <QList>
#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QFileDialog;
class QJsonObject;
class QLabel;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;
class UsageChart;

/// Usage and cost by tenant, model and day for a period, as a table and a bar chart, with budgets at a glance
/// and an export to CSV. It reads the same totals as GET /api/v1/usage (GatewayLink::fetchUsage()), again when
/// it opens, when the period or the grouping changes, and (at most every kThrottleMs) as requests finish.
class UsagePage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsagePage)

public:
    /// The period picker's choices, in its order.
    enum class Period { Today, Last7Days, Last30Days, AllTime };
    /// The table's columns.
    enum Column { Group, Requests, PromptTokens, CompletionTokens, TotalTokens, Cost, Estimated, ColumnCount };
    /// What the chart measures, in the toggle's order.
    enum class Measure { Cost, Tokens };
    /// The budgets table's columns.
    enum BudgetColumn { BudgetTenant, BudgetUse };

    static constexpr int kThrottleMs = 2000;

    explicit UsagePage(GatewayLink *link, QWidget *parent = nullptr);

    /// Where @p period starts, seen at @p nowUtc: the start of the UTC day (today, and 6 or 29 days before it for
    /// the last 7 or 30 days, today included), as GET /api/v1/usage?since= counts; invalid for all time.
    [[nodiscard]] static QDateTime periodStart(Period period, const QDateTime &nowUtc);

    /// Writes the table as it shows now (its order, its columns) to @p path as CSV: a header row, then one row per
    /// group, numbers unformatted (a dot for decimals, the cost in full, the estimated share as a fraction).
    /// False, with the reason on the page and in @p error, when it could not be written.
    bool exportCsv(const QString &path, QString *error = nullptr);

    /// Asks the gateway again now (usage and budgets).
    void refresh();

    [[nodiscard]] QComboBox *periodPicker() const noexcept { return m_period; }
    [[nodiscard]] QComboBox *groupPicker() const noexcept { return m_groupBy; }
    [[nodiscard]] QComboBox *measurePicker() const noexcept { return m_measure; }
    [[nodiscard]] QPushButton *exportButton() const noexcept { return m_export; }
    /// The save dialog of the last export, while it is open.
    [[nodiscard]] QFileDialog *exportDialog() const noexcept { return m_exportDialog; }
    [[nodiscard]] QTableWidget *table() const noexcept { return m_table; }
    [[nodiscard]] QLabel *totals() const noexcept { return m_totals; }
    [[nodiscard]] UsageChart *chart() const noexcept { return m_chart; }
    [[nodiscard]] QTableWidget *budgets() const noexcept { return m_budgets; }
    [[nodiscard]] QLabel *emptyState() const noexcept { return m_empty; }
    [[nodiscard]] QLabel *message() const noexcept { return m_message; }
    /// The query the rows shown answer (the last one asked while none was newer).
    [[nodiscard]] const model::UsageQuery &shownQuery() const noexcept { return m_shownQuery; }
    /// The rows shown, in the gateway's order.
    [[nodiscard]] const QList<model::UsageRow> &rows() const noexcept { return m_rows; }

Q_SIGNALS:
    /// New totals are on the page (or the reason they could not be read is).
    void usageShown();
    /// The budgets were read again.
    void budgetsShown();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    [[nodiscard]] model::UsageQuery query() const;
    void showUsage(const model::UsageQuery &query, const QList<model::UsageRow> &rows, const QString &error);
    void fillTable();
    void fillChart();
    void refreshBudgets();
    void showBudgets(const QJsonObject &live);
    void chooseExportFile();
    /// The group a row stands for, as the table shows it.
    [[nodiscard]] QString groupLabel(const model::UsageRow &row) const;
    [[nodiscard]] QString groupKey(const model::UsageRow &row) const;

    GatewayLink *m_link;
    QComboBox *m_period;
    QComboBox *m_groupBy;
    QComboBox *m_measure;
    QPushButton *m_export;
    QLabel *m_since;
    QLabel *m_message;
    QLabel *m_empty;
    UsageChart *m_chart;
    QTableWidget *m_table;
    QLabel *m_totals;
    QTableWidget *m_budgets;
    QFileDialog *m_exportDialog = nullptr;
    QTimer m_throttle; ///< a finished request asks again once it runs out
    QTimer m_budgetTimer; ///< budgets refill by the second: read again while the page shows
    bool m_readFailed = false; ///< the message says why usage could not be read (cleared once it can)
    quint64 m_asked = 0; ///< the number of the newest usage question, so an older answer never wins
    model::UsageQuery m_shownQuery;
    QList<model::UsageRow> m_rows;
};

} // namespace obleth::ui
