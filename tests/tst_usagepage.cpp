// The Usage page shows what GET /api/v1/usage counts: real traffic for two tenants and two models (the built-in
// mock and a priced model served by the mock upstream process) through a real gateway, the page driven as a user
// would (offscreen), its table, totals and chart compared with the Management API's numbers, the budgets with the
// live view's, and the CSV export parsed back.

#include "guifixture.h"
#include "mockupstream.h"
#include "testhttp.h"
#include "ui/mainwindow.h"
#include "ui/tables.h"
#include "ui/usagechart.h"
#include "ui/usagepage.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>
#include <QUrl>

#include <cmath>

using namespace obleth;
using test::GuiFixture;
using ui::UsagePage;

namespace {

const QString kQuotedTenant = QStringLiteral("Acme, \"West\"");

/// Parses RFC 4180 CSV (quoted fields with doubled quotes, commas and line breaks inside).
QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    bool any = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
            any = true;
        } else if (c == QLatin1Char(',')) {
            row.append(field);
            field.clear();
            any = true;
        } else if (c == QLatin1Char('\r')) {
            continue;
        } else if (c == QLatin1Char('\n')) {
            row.append(field);
            rows.append(row);
            row.clear();
            field.clear();
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (any) {
        row.append(field);
        rows.append(row);
    }
    return rows;
}

bool near(double a, double b)
{
    return std::abs(a - b) <= 1e-12 + 1e-9 * std::max(std::abs(a), std::abs(b));
}

const char *groupName(model::UsageQuery::GroupBy by)
{
    switch (by) {
    case model::UsageQuery::GroupBy::Tenant: return "tenant";
    case model::UsageQuery::GroupBy::Model: return "model";
    case model::UsageQuery::GroupBy::Day: return "day";
    }
    return "";
}

QString keyOf(const QJsonObject &row, model::UsageQuery::GroupBy by)
{
    switch (by) {
    case model::UsageQuery::GroupBy::Tenant: return row.value(QStringLiteral("tenant_id")).toString();
    case model::UsageQuery::GroupBy::Model: return row.value(QStringLiteral("model")).toString();
    case model::UsageQuery::GroupBy::Day: return row.value(QStringLiteral("day")).toString();
    }
    return {};
}

} // namespace

class TestUsagePage : public QObject
{
    Q_OBJECT

    GuiFixture *m_f = nullptr;
    test::MockUpstream *m_mock = nullptr;
    QHash<QString, QByteArray> m_keys; ///< tenant name -> key
    QHash<QString, QString> m_tenantIds; ///< tenant name -> id

    UsagePage *page() const { return m_f->app->window()->usagePage(); }

    QString createTenant(const QString &name, const QJsonObject &extra = {})
    {
        QJsonObject body = extra;
        body.insert(QStringLiteral("name"), name);
        const test::Response t = m_f->admin("POST", "/api/v1/tenants", QJsonDocument(body).toJson());
        if (t.status != 201 && t.status != 200)
            return {};
        const QString id = t.json().value(QStringLiteral("id")).toString();
        const test::Response k = m_f->admin("POST", "/api/v1/tenants/" + id.toUtf8() + "/keys", R"({"name":"usage"})");
        m_keys.insert(name, k.json().value(QStringLiteral("secret")).toString().toLatin1());
        m_tenantIds.insert(name, id);
        return id;
    }

    int chat(const QString &tenant, const QString &model, int maxTokens)
    {
        test::Chat c;
        c.model = model;
        c.maxTokens = maxTokens;
        return test::postJson(m_f->dataPort, "/v1/chat/completions", m_keys.value(tenant), test::chatBody(c)).status;
    }

    /// GET /api/v1/usage for what the page shows now (its grouping and its since).
    QJsonArray apiRows() const
    {
        const model::UsageQuery &q = page()->shownQuery();
        QByteArray path = QByteArray("/api/v1/usage?group_by=") + groupName(q.groupBy);
        if (q.since.isValid())
            path += "&since=" + QUrl::toPercentEncoding(q.since.toString(Qt::ISODate));
        return m_f->admin("GET", path).data();
    }

    /// Why the page's table, totals and chart differ from GET /api/v1/usage for @p by; empty when they agree.
    QString mismatch(model::UsageQuery::GroupBy by) const
    {
        UsagePage *p = page();
        if (p->shownQuery().groupBy != by)
            return QStringLiteral("not grouped by %1 yet").arg(QLatin1String(groupName(by)));
        const QJsonArray api = apiRows();
        QTableWidget *t = p->table();
        if (api.isEmpty())
            return QStringLiteral("the API has no rows");
        if (t->rowCount() != api.size())
            return QStringLiteral("%1 rows shown, the API has %2").arg(t->rowCount()).arg(api.size());
        qint64 requests = 0;
        qint64 tokens = 0;
        double cost = 0;
        for (const QJsonValue &v : api) {
            const QJsonObject row = v.toObject();
            const QString key = keyOf(row, by);
            int r = 0;
            while (r < t->rowCount() && t->item(r, UsagePage::Group)->data(ui::kIdRole).toString() != key)
                ++r;
            if (r == t->rowCount())
                return QStringLiteral("no row for %1").arg(key);
            const auto value = [&](int column) { return t->item(r, column)->data(ui::kSortRole).toDouble(); };
            const qint64 prompt = qint64(row.value(QStringLiteral("prompt_tokens")).toDouble());
            const qint64 completion = qint64(row.value(QStringLiteral("completion_tokens")).toDouble());
            const qint64 n = qint64(row.value(QStringLiteral("requests")).toDouble());
            const double c = row.value(QStringLiteral("cost")).toDouble();
            if (value(UsagePage::Requests) != double(n) || value(UsagePage::PromptTokens) != double(prompt)
                || value(UsagePage::CompletionTokens) != double(completion)
                || value(UsagePage::TotalTokens) != double(prompt + completion) || !near(value(UsagePage::Cost), c))
                return QStringLiteral("%1 differs: shown %2 requests, %3+%4 tokens, %5; the API %6, %7+%8, %9")
                    .arg(key)
                    .arg(value(UsagePage::Requests))
                    .arg(value(UsagePage::PromptTokens))
                    .arg(value(UsagePage::CompletionTokens))
                    .arg(value(UsagePage::Cost))
                    .arg(n)
                    .arg(prompt)
                    .arg(completion)
                    .arg(c);
            // As people read them: counts with separators, money in the display currency.
            if (t->item(r, UsagePage::Requests)->text() != ui::countText(n)
                || t->item(r, UsagePage::Cost)->text() != ui::moneyText(c))
                return QStringLiteral("%1 reads %2 requests, %3")
                    .arg(key, t->item(r, UsagePage::Requests)->text(), t->item(r, UsagePage::Cost)->text());
            if (t->item(r, UsagePage::Requests)->textAlignment() != int(Qt::AlignRight | Qt::AlignVCenter))
                return QStringLiteral("numbers are not right-aligned");
            if (by == model::UsageQuery::GroupBy::Tenant
                && t->item(r, UsagePage::Group)->text() != row.value(QStringLiteral("tenant")).toString())
                return QStringLiteral("tenant %1 is named %2").arg(key, t->item(r, UsagePage::Group)->text());
            requests += n;
            tokens += prompt + completion;
            cost += c;
        }
        const QString totals = p->totals()->text();
        if (!totals.contains(ui::countText(requests) + QStringLiteral(" requests"))
            || !totals.contains(ui::countText(tokens) + QStringLiteral(" tokens"))
            || !totals.contains(ui::moneyText(cost)))
            return QStringLiteral("totals read '%1'").arg(totals);

        // The chart: one bar per group (per day: every day of the period), each the group's cost.
        const QList<ui::UsageChart::Bar> &bars = p->chart()->bars();
        if (by != model::UsageQuery::GroupBy::Day && bars.size() != api.size())
            return QStringLiteral("%1 bars for %2 groups").arg(bars.size()).arg(api.size());
        int nonZero = 0;
        for (const ui::UsageChart::Bar &bar : bars) {
            if (bar.total() != 0)
                ++nonZero;
        }
        if (nonZero > api.size())
            return QStringLiteral("%1 bars with use for %2 groups").arg(nonZero).arg(api.size());
        for (const QJsonValue &v : api) {
            const QJsonObject row = v.toObject();
            const auto bar = std::find_if(bars.cbegin(), bars.cend(),
                                          [&](const ui::UsageChart::Bar &b) { return b.key == keyOf(row, by); });
            if (bar == bars.cend())
                return QStringLiteral("no bar for %1").arg(keyOf(row, by));
            const bool tokensShown = p->chart()->unit() == ui::UsageChart::Unit::Tokens;
            const QList<double> expected = tokensShown
                ? QList<double>{row.value(QStringLiteral("prompt_tokens")).toDouble(),
                                row.value(QStringLiteral("completion_tokens")).toDouble()}
                : QList<double>{row.value(QStringLiteral("cost")).toDouble()};
            if (bar->parts.size() != expected.size())
                return QStringLiteral("the bar of %1 has %2 parts").arg(bar->key).arg(bar->parts.size());
            for (int i = 0; i < expected.size(); ++i) {
                if (!near(bar->parts.at(i), expected.at(i)))
                    return QStringLiteral("the bar of %1 shows %2, the API %3")
                        .arg(bar->key)
                        .arg(bar->parts.at(i))
                        .arg(expected.at(i));
            }
        }
        return {};
    }

    int budgetRow(const QString &tenant) const
    {
        QTableWidget *b = page()->budgets();
        for (int r = 0; r < b->rowCount(); ++r) {
            if (b->item(r, UsagePage::BudgetTenant) && b->item(r, UsagePage::BudgetTenant)->text() == tenant)
                return r;
        }
        return -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        m_mock = new test::MockUpstream;
        QVERIFY(m_mock->ok());
        m_f = new GuiFixture;
        QVERIFY(m_f->start());

        const QByteArray priced
            = QJsonDocument(QJsonObject{
                                {QStringLiteral("model_name"), QStringLiteral("priced")},
                                {QStringLiteral("api_base"), m_mock->url(QStringLiteral("/v1")).toString()},
                                {QStringLiteral("upstream_model"), QStringLiteral("mock-model")},
                                {QStringLiteral("input_cost_per_token"), 0.000002},
                                {QStringLiteral("output_cost_per_token"), 0.00001},
                            })
                  .toJson();
        QCOMPARE(m_f->admin("POST", "/api/v1/models", priced).status, 201);
        QVERIFY(!createTenant(QStringLiteral("alpha")).isEmpty());
        QVERIFY(!createTenant(kQuotedTenant).isEmpty());
        QVERIFY(!createTenant(QStringLiteral("budgeted"), {{QStringLiteral("tokens_per_minute"), 600}}).isEmpty());
    }

    void cleanupTestCase()
    {
        delete m_f;
        delete m_mock;
    }

    void emptyPeriodSaysWhatToDo()
    {
        m_f->app->window()->pages()->setCurrentWidget(page());
        QTRY_VERIFY_WITH_TIMEOUT(page()->emptyState()->isVisible(), 15'000);
        QVERIFY(page()->emptyState()->text().contains(QStringLiteral("Playground")));
        QVERIFY(!page()->table()->isVisible());
        QVERIFY(!page()->chart()->isVisible());
        // Every control has a name a screen reader says.
        for (QWidget *w : QList<QWidget *>{page()->periodPicker(), page()->groupPicker(), page()->measurePicker(),
                                           page()->exportButton(), page()->table(), page()->budgets(), page()->chart()})
            QVERIFY2(!w->accessibleName().isEmpty(), w->metaObject()->className());

        // A request finishing while the page shows brings its numbers (throttled, without touching anything).
        QCOMPARE(chat(QStringLiteral("alpha"), QStringLiteral("mock-model"), 5), 200);
        QTRY_VERIFY_WITH_TIMEOUT(page()->table()->isVisible() && page()->table()->rowCount() == 1, 15'000);
        QVERIFY(!page()->emptyState()->isVisible());
    }

    void numbersMatchTheManagementApi()
    {
        // Two tenants, two models (the free mock and a priced one), different sizes.
        QCOMPARE(chat(QStringLiteral("alpha"), QStringLiteral("mock-model"), 16), 200);
        QCOMPARE(chat(QStringLiteral("alpha"), QStringLiteral("priced"), 8), 200);
        QCOMPARE(chat(kQuotedTenant, QStringLiteral("mock-model"), 3), 200);
        QCOMPARE(chat(kQuotedTenant, QStringLiteral("priced"), 20), 200);
        QCOMPARE(chat(kQuotedTenant, QStringLiteral("priced"), 7), 200);
        QVERIFY(m_f->admin("GET", "/api/v1/usage?group_by=model").data().size() == 2);

        m_f->app->window()->pages()->setCurrentWidget(page());
        page()->periodPicker()->setCurrentIndex(int(UsagePage::Period::Today));
        for (auto by :
             {model::UsageQuery::GroupBy::Tenant, model::UsageQuery::GroupBy::Model, model::UsageQuery::GroupBy::Day}) {
            page()->groupPicker()->setCurrentIndex(int(by));
            page()->measurePicker()->setCurrentIndex(int(UsagePage::Measure::Cost));
            QTRY_COMPARE_WITH_TIMEOUT(mismatch(by), QString(), 15'000);
            QCOMPARE(page()->chart()->unit(), ui::UsageChart::Unit::Money);
            // Tokens instead of cost: prompt and completion stacked, a legend naming both.
            page()->measurePicker()->setCurrentIndex(int(UsagePage::Measure::Tokens));
            QCOMPARE(page()->chart()->unit(), ui::UsageChart::Unit::Tokens);
            QCOMPARE(page()->chart()->series().size(), 2);
            QCOMPARE(mismatch(by), QString());
        }
        // Today, by day: one bar.
        QCOMPARE(page()->chart()->bars().size(), 1);
        QCOMPARE(page()->chart()->bars().first().key, QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate));

        // The priced model costs what its prices say; the mock costs nothing.
        page()->groupPicker()->setCurrentIndex(int(model::UsageQuery::GroupBy::Model));
        QTRY_COMPARE_WITH_TIMEOUT(mismatch(model::UsageQuery::GroupBy::Model), QString(), 15'000);
        for (const model::UsageRow &row : page()->rows()) {
            if (row.model == QStringLiteral("priced"))
                QVERIFY(near(row.cost, row.promptTokens * 0.000002 + row.completionTokens * 0.00001) && row.cost > 0);
            else
                QCOMPARE(row.cost, 0.0);
        }
        // Sortable by any column: by cost, the priced model comes first when descending.
        page()->table()->sortByColumn(UsagePage::Cost, Qt::DescendingOrder);
        QCOMPARE(page()->table()->item(0, UsagePage::Group)->text(), QStringLiteral("priced"));
        page()->table()->sortByColumn(UsagePage::Group, Qt::AscendingOrder);
    }

    void periodPickerChangesSince()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDate today = now.date();
        // periodStart() in UTC: whole days, today included.
        const QDateTime noon(QDate(2026, 3, 1), QTime(15, 30), QTimeZone::utc());
        QCOMPARE(UsagePage::periodStart(UsagePage::Period::Today, noon),
                 QDateTime(QDate(2026, 3, 1), QTime(0, 0), QTimeZone::utc()));
        QCOMPARE(UsagePage::periodStart(UsagePage::Period::Last7Days, noon),
                 QDateTime(QDate(2026, 2, 23), QTime(0, 0), QTimeZone::utc()));
        QCOMPARE(UsagePage::periodStart(UsagePage::Period::Last30Days, noon),
                 QDateTime(QDate(2026, 1, 31), QTime(0, 0), QTimeZone::utc()));
        QVERIFY(!UsagePage::periodStart(UsagePage::Period::AllTime, noon).isValid());

        m_f->app->window()->pages()->setCurrentWidget(page());
        page()->groupPicker()->setCurrentIndex(int(model::UsageQuery::GroupBy::Day));
        page()->measurePicker()->setCurrentIndex(int(UsagePage::Measure::Cost));
        const struct
        {
            UsagePage::Period period;
            QDateTime since;
            int days; ///< bars of the chart by day; 0: as many as days with use
        } periods[] = {
            {UsagePage::Period::Last7Days, QDateTime(today.addDays(-6), QTime(0, 0), QTimeZone::utc()), 7},
            {UsagePage::Period::Last30Days, QDateTime(today.addDays(-29), QTime(0, 0), QTimeZone::utc()), 30},
            {UsagePage::Period::AllTime, QDateTime(), 0},
            {UsagePage::Period::Today, QDateTime(today, QTime(0, 0), QTimeZone::utc()), 1},
        };
        for (const auto &p : periods) {
            page()->periodPicker()->setCurrentIndex(int(p.period));
            QTRY_COMPARE_WITH_TIMEOUT(page()->shownQuery().since, p.since, 15'000);
            QTRY_COMPARE_WITH_TIMEOUT(mismatch(model::UsageQuery::GroupBy::Day), QString(), 15'000);
            if (p.days > 0) {
                // Every day of the period in date order, the days without use as zero, today last.
                const QList<ui::UsageChart::Bar> &bars = page()->chart()->bars();
                QCOMPARE(bars.size(), p.days);
                for (int i = 0; i < bars.size(); ++i)
                    QCOMPARE(bars.at(i).key, today.addDays(i - p.days + 1).toString(Qt::ISODate));
                for (int i = 0; i + 1 < bars.size(); ++i)
                    QCOMPARE(bars.at(i).total(), 0.0);
            }
        }
    }

    void budgetShowsLimitAndUse()
    {
        m_f->app->window()->pages()->setCurrentWidget(page());
        QTRY_VERIFY_WITH_TIMEOUT(budgetRow(QStringLiteral("budgeted")) >= 0, 15'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            page()->budgets()->item(budgetRow(QStringLiteral("alpha")), UsagePage::BudgetUse)->text(),
            QStringLiteral("no limit"), 15'000);

        // Use some of the budget: the page shows what the live view says is gone from it.
        QCOMPARE(chat(QStringLiteral("budgeted"), QStringLiteral("mock-model"), 300), 200);
        const QRegularExpression shown(QStringLiteral("^([\\d,]+) / 600 per minute$"));
        const auto shownUse = [&]() -> qint64 {
            const int r = budgetRow(QStringLiteral("budgeted"));
            const QRegularExpressionMatch m = shown.match(page()->budgets()->item(r, UsagePage::BudgetUse)->text());
            return m.hasMatch() ? m.captured(1).remove(QLatin1Char(',')).toLongLong() : -1;
        };
        const auto liveUse = [&]() -> qint64 {
            for (const QJsonValue &v :
                 m_f->admin("GET", "/api/v1/fairshare/live").json().value(QStringLiteral("budgets")).toArray()) {
                const QJsonObject b = v.toObject();
                if (b.value(QStringLiteral("tenant")).toString() == QStringLiteral("budgeted")) {
                    if (b.value(QStringLiteral("tokens_per_minute")).toDouble() != 600)
                        return -2;
                    return 600 - qint64(b.value(QStringLiteral("tokens_left")).toDouble());
                }
            }
            return -1;
        };
        // The bucket refills at 10 tokens a second (it takes half a minute to forget these ~300): the page and the
        // API, read up to a refresh (2 s) apart, agree within that.
        QTRY_VERIFY_WITH_TIMEOUT(shownUse() > 0 && std::abs(shownUse() - liveUse()) <= 40, 15'000);
        QVERIFY2(liveUse() > 0, qPrintable(QString::number(liveUse())));
        auto *bar = qobject_cast<QProgressBar *>(
            page()->budgets()->cellWidget(budgetRow(QStringLiteral("budgeted")), UsagePage::BudgetUse));
        QVERIFY(bar);
        QVERIFY(bar->value() > 0);
        QVERIFY(bar->text().endsWith(QStringLiteral("/ 600 per minute")));
        QVERIFY(!bar->accessibleName().isEmpty());
    }

    void exportWritesWhatTheTableShows()
    {
        m_f->app->window()->pages()->setCurrentWidget(page());
        page()->periodPicker()->setCurrentIndex(int(UsagePage::Period::AllTime));
        page()->groupPicker()->setCurrentIndex(int(model::UsageQuery::GroupBy::Tenant));
        QTRY_COMPARE_WITH_TIMEOUT(mismatch(model::UsageQuery::GroupBy::Tenant), QString(), 15'000);
        page()->table()->sortByColumn(UsagePage::Cost, Qt::DescendingOrder);

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("usage.csv"));
        QVERIFY(page()->exportCsv(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY2(bytes.contains("\"Acme, \"\"West\"\"\""), bytes.constData());
        const QList<QStringList> csv = parseCsv(QString::fromUtf8(bytes));

        QTableWidget *t = page()->table();
        QCOMPARE(csv.size(), t->rowCount() + 1);
        for (int c = 0; c < t->columnCount(); ++c)
            QCOMPARE(csv.first().value(c), t->horizontalHeaderItem(c)->text());
        bool quotedSeen = false;
        for (int r = 0; r < t->rowCount(); ++r) {
            const QStringList &fields = csv.at(r + 1);
            QCOMPARE(fields.size(), t->columnCount());
            QCOMPARE(fields.at(UsagePage::Group), t->item(r, UsagePage::Group)->text());
            quotedSeen |= fields.at(UsagePage::Group) == kQuotedTenant;
            for (int c = UsagePage::Requests; c < t->columnCount(); ++c) {
                // Unformatted: no separators, a dot for decimals, the value in full.
                QVERIFY2(!fields.at(c).contains(QLatin1Char(',')) && !fields.at(c).contains(QLatin1Char('$')),
                         qPrintable(fields.at(c)));
                bool ok = false;
                const double v = fields.at(c).toDouble(&ok); // QString::toDouble is the C locale's
                QVERIFY2(ok, qPrintable(fields.at(c)));
                QCOMPARE(v, t->item(r, c)->data(ui::kSortRole).toDouble());
            }
        }
        QVERIFY(quotedSeen);

        // The button: a save dialog, the file written where it says.
        const QString viaDialog = dir.filePath(QStringLiteral("picked.csv"));
        QTest::mouseClick(page()->exportButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page()->exportDialog() && page()->exportDialog()->isVisible(), 15'000);
        page()->exportDialog()->selectFile(viaDialog);
        QMetaObject::invokeMethod(page()->exportDialog(), "accept");
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(viaDialog), 15'000);
        QFile picked(viaDialog);
        QVERIFY(picked.open(QIODevice::ReadOnly));
        QCOMPARE(picked.readAll(), bytes);

        // An export that cannot be written says so on the page.
        QString error;
        QVERIFY(!page()->exportCsv(dir.filePath(QStringLiteral("missing/dir/usage.csv")), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(page()->message()->isVisible());
        QVERIFY(page()->message()->text().contains(QStringLiteral("Could not export")));
    }

    void chartScaleAndPalette()
    {
        // A readable scale: about four steps of 1, 2 or 5 times a power of ten, the last over the tallest bar.
        QCOMPARE(ui::UsageChart::niceTicks(0.0123), (QList<double>{0, 0.005, 0.01, 0.015}));
        QCOMPARE(ui::UsageChart::niceTicks(87), (QList<double>{0, 50, 100}));
        QCOMPARE(ui::UsageChart::niceTicks(0), (QList<double>{0, 1}));
        QCOMPARE(ui::UsageChart::tickText(0.005, 0.005, ui::UsageChart::Unit::Money), QStringLiteral("$0.005"));
        QCOMPARE(ui::UsageChart::tickText(25000, 5000, ui::UsageChart::Unit::Tokens), QStringLiteral("25k"));
        QCOMPARE(ui::UsageChart::tickText(2500000, 500000, ui::UsageChart::Unit::Tokens), QStringLiteral("2.5M"));
        QCOMPARE(ui::UsageChart::tickText(40, 20, ui::UsageChart::Unit::Tokens), QStringLiteral("40"));

        // Painted from the palette: the bars in the highlight colour, light and dark alike.
        for (const bool dark : {false, true}) {
            ui::UsageChart chart;
            QPalette pal = chart.palette();
            pal.setColor(QPalette::Base, dark ? QColor(0x20, 0x20, 0x24) : QColor(Qt::white));
            pal.setColor(QPalette::Text, dark ? QColor(0xee, 0xee, 0xee) : QColor(Qt::black));
            pal.setColor(QPalette::Highlight, dark ? QColor(0x3d, 0xae, 0xe9) : QColor(0x30, 0x8c, 0xc6));
            chart.setPalette(pal);
            chart.resize(400, 200);
            chart.setBars({{QStringLiteral("a"), QStringLiteral("a"), {3, 1}},
                           {QStringLiteral("b"), QStringLiteral("b"), {1, 0}}},
                          {QStringLiteral("Prompt tokens"), QStringLiteral("Completion tokens")},
                          ui::UsageChart::Unit::Tokens);
            QVERIFY(chart.accessibleDescription().contains(QStringLiteral("a: 4 tokens")));
            const QImage image = chart.grab().toImage();
            int highlight = 0;
            int background = 0;
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x) {
                    const QRgb px = image.pixel(x, y);
                    highlight += px == pal.color(QPalette::Highlight).rgb();
                    background += px == pal.color(QPalette::Base).rgb();
                }
            }
            QVERIFY2(highlight > 500, qPrintable(QString::number(highlight)));
            QVERIFY(background > image.width() * image.height() / 2);
            QCOMPARE(chart.barAt(QPoint(chart.width() - 20, chart.height() / 2)), 1);
        }
    }
};

QTEST_MAIN(TestUsagePage)
#include "tst_usagepage.moc"
