// The tables' helpers: relative times, money in the display currency, prices per million tokens typed and shown
// exactly, sorting by value, and the empty state.

#include "ui/currency.h"
#include "ui/gatewaylink.h"
#include "ui/requestdetails.h"
#include "ui/shellquote.h"
#include "ui/tables.h"

#include <QApplication>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTest>

using namespace obleth;

class TestTables : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().remove(QStringLiteral("ui/currency")); // a run cut short may have left one
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void relativeTimes_data()
    {
        QTest::addColumn<int>("secondsAgo");
        QTest::addColumn<QString>("text");
        QTest::newRow("now") << 0 << QStringLiteral("just now");
        QTest::newRow("future") << -5 << QStringLiteral("just now");
        QTest::newRow("seconds") << 2 << QStringLiteral("2 s ago");
        QTest::newRow("a minute") << 60 << QStringLiteral("1 min ago");
        QTest::newRow("minutes") << 59 * 60 + 59 << QStringLiteral("59 min ago");
        QTest::newRow("hours") << 3 * 3600 + 10 << QStringLiteral("3 h ago");
    }
    void relativeTimes()
    {
        QFETCH(int, secondsAgo);
        QFETCH(QString, text);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QCOMPARE(ui::relativeTime(now.addSecs(-secondsAgo), now), text);
        QVERIFY(ui::relativeTime(QDateTime(), now).isEmpty());
        // A day or more: the date itself.
        const QDateTime old = now.addDays(-3);
        QCOMPARE(ui::relativeTime(old, now), QLocale().toString(old.toLocalTime(), QLocale::ShortFormat));
    }

    void timeCellsSortByTimeAndShowTheExactOne()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        std::unique_ptr<QTableWidgetItem> recent(ui::timeCell(now.addSecs(-5)));
        std::unique_ptr<QTableWidgetItem> older(ui::timeCell(now.addSecs(-90)));
        QCOMPARE(recent->text(), QStringLiteral("5 s ago"));
        QCOMPARE(older->text(), QStringLiteral("1 min ago"));
        QVERIFY(*older < *recent);
        QVERIFY(recent->toolTip().contains(now.addSecs(-5).toLocalTime().toString(QStringLiteral("HH:mm:ss"))));
    }

    void money_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<double>("amount");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << "USD" << 0.0 << QStringLiteral("$0");
        QTest::newRow("cents") << "USD" << 0.6 << QStringLiteral("$0.60");
        QTest::newRow("two decimals") << "USD" << 0.15 << QStringLiteral("$0.15");
        QTest::newRow("three digits") << "USD" << 0.075 << QStringLiteral("$0.075");
        QTest::newRow("small") << "USD" << 0.0000015 << QStringLiteral("$0.0000015");
        QTest::newRow("significant") << "USD" << 0.00123456 << QStringLiteral("$0.00123");
        QTest::newRow("tiny") << "USD" << 1e-12 << QStringLiteral("<$0.00000001");
        QTest::newRow("thousands") << "USD" << 1234.5 << QStringLiteral("$1,234.50");
        QTest::newRow("euro") << "EUR" << 2.5 << QStringLiteral("€2.50");
        QTest::newRow("pound") << "GBP" << 0.15 << QStringLiteral("£0.15");
        QTest::newRow("franc") << "CHF" << 0.15 << QStringLiteral("CHF\u00a00.15");
        QTest::newRow("krona after") << "SEK" << 3.0 << QStringLiteral("3.00\u00a0kr");
        QTest::newRow("unknown is USD") << "XYZ" << 1.0 << QStringLiteral("$1.00");
    }
    void money()
    {
        QFETCH(QString, code);
        QFETCH(double, amount);
        QFETCH(QString, text);
        QCOMPARE(ui::moneyText(amount, ui::DisplayCurrency::byCode(code)), text);
    }

    void theDisplayCurrencyIsASetting()
    {
        QCOMPARE(ui::DisplayCurrency::current().code, QStringLiteral("USD")); // the default
        QSignalSpy changed(ui::DisplayCurrency::instance(), &ui::DisplayCurrency::changed);
        ui::DisplayCurrency::set(QStringLiteral("EUR"));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(ui::moneyText(0.5), QStringLiteral("€0.50"));
        QCOMPARE(ui::perMillionText(6e-07), QStringLiteral("€0.60"));
        ui::DisplayCurrency::set(QStringLiteral("EUR"));
        QCOMPARE(changed.size(), 1); // the same again is no change
        ui::DisplayCurrency::set(QStringLiteral("USD"));
        QCOMPARE(changed.size(), 2);
        QCOMPARE(ui::moneyText(0.5), QStringLiteral("$0.50"));
    }

    void pricesPerMillionAreExact_data()
    {
        QTest::addColumn<double>("perMillion");
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("0.15") << 0.15 << QByteArray("1.5e-07");
        QTest::newRow("0.60") << 0.60 << QByteArray("6e-07");
        QTest::newRow("2.50") << 2.5 << QByteArray("2.5e-06");
        QTest::newRow("10") << 10.0 << QByteArray("1e-05");
        QTest::newRow("0.075") << 0.075 << QByteArray("7.5e-08");
        QTest::newRow("75") << 75.0 << QByteArray("7.5e-05");
        QTest::newRow("0") << 0.0 << QByteArray("0");
    }
    void pricesPerMillionAreExact()
    {
        QFETCH(double, perMillion);
        QFETCH(QByteArray, json);
        const double perToken = ui::perToken(perMillion);
        // As the Management API writes it.
        const QByteArray written
            = QJsonDocument(QJsonObject{{QStringLiteral("p"), perToken}}).toJson(QJsonDocument::Compact);
        QCOMPARE(written, "{\"p\":" + json + "}");
        QCOMPARE(perToken, QByteArray(json).toDouble());
        QCOMPARE(ui::perMillion(perToken), perMillion); // and back, as typed
    }

    void perMillionTexts()
    {
        const ui::Currency usd = ui::DisplayCurrency::byCode(QStringLiteral("USD"));
        QCOMPARE(ui::perMillionText(1.5e-07, usd), QStringLiteral("$0.15"));
        QCOMPARE(ui::perMillionText(6e-07, usd), QStringLiteral("$0.60"));
        QCOMPARE(ui::perMillionText(1.5e-05, usd), QStringLiteral("$15.00"));
        QCOMPARE(ui::perMillionText(0, usd), QStringLiteral("free"));
    }

    void numbersSortByValue()
    {
        QTableWidget table(0, 2);
        table.setSortingEnabled(true);
        table.sortByColumn(1, Qt::AscendingOrder);
        {
            const ui::SortingPause pause(&table);
            const QList<double> values{100, 9, 1000, 25};
            table.setRowCount(int(values.size()));
            for (int row = 0; row < values.size(); ++row) {
                auto *name = ui::cell(QStringLiteral("row %1").arg(row));
                name->setData(ui::kIdRole, row);
                table.setItem(row, 0, name);
                table.setItem(row, 1, ui::numberCell(values.at(row), QStringLiteral("%1 ms").arg(values.at(row))));
            }
            QVERIFY(!table.isSortingEnabled());
        }
        QVERIFY(table.isSortingEnabled());
        QStringList order;
        for (int row = 0; row < table.rowCount(); ++row)
            order << table.item(row, 1)->text();
        // By value, not by text ("1000 ms" < "25 ms" < "9 ms" as text).
        QCOMPARE(order,
                 QStringList({QStringLiteral("9 ms"), QStringLiteral("25 ms"), QStringLiteral("100 ms"),
                              QStringLiteral("1000 ms")}));
        QCOMPARE(table.item(0, 1)->textAlignment(), int(Qt::AlignRight | Qt::AlignVCenter));
        QCOMPARE(ui::rowWithId(&table, 0, 2), 3);
        QCOMPARE(ui::rowWithId(&table, 0, 7), -1);
        table.sortByColumn(1, Qt::DescendingOrder);
        QCOMPARE(table.item(0, 1)->text(), QStringLiteral("1000 ms"));
    }

    void anEmptyTableSaysWhatToDo()
    {
        QTableWidget *table = ui::listTable({QStringLiteral("Name")}, nullptr);
        std::unique_ptr<QTableWidget> owner(table);
        QLabel *empty = ui::setEmptyState(table, QStringLiteral("Nothing yet: <a href=\"add\">add one</a>"));
        table->resize(400, 300);
        table->show();
        QVERIFY(empty->isVisible());
        table->setRowCount(1);
        QVERIFY(!empty->isVisible());
        table->setRowCount(0);
        QVERIFY(empty->isVisible());
    }

    void longTextIsElidedInTheMiddleWithATooltip()
    {
        QTableWidget *table = ui::listTable({QStringLiteral("API base"), QStringLiteral("Model")}, nullptr);
        std::unique_ptr<QTableWidget> owner(table);
        const QString base = QStringLiteral("http://a-very-long-host-name.example.internal:11434/some/deep/path/v1");
        table->setRowCount(1);
        table->setItem(0, 0, ui::cell(base));
        table->setItem(0, 1, ui::cell(QStringLiteral("llama3")));
        ui::fitColumns(table, 200);
        QCOMPARE(table->textElideMode(), Qt::ElideMiddle);
        QCOMPARE(table->horizontalHeader()->sectionSize(0), 200);
        QCOMPARE(table->item(0, 0)->toolTip(), base);
        // A header is never cut.
        QVERIFY(table->horizontalHeader()->sectionSize(1)
                >= table->horizontalHeader()->fontMetrics().horizontalAdvance(QStringLiteral("Model")));
    }

    void bodiesArePrettyPrintedInTheirOrder()
    {
        using namespace ui::requestdetails;
        QCOMPARE(
            prettyBody("{\"model\":\"m\",\"a\":[1, 2],\"e\":{},\"s\":\"x,{y}: \\\"z\\\"\"}", false),
            QStringLiteral("{\n    \"model\": \"m\",\n    \"a\": [\n        1,\n        2\n    ],\n    \"e\": {},\n"
                           "    \"s\": \"x,{y}: \\\"z\\\"\"\n}"));
        QCOMPARE(prettyBody("plain text", false), QStringLiteral("plain text"));
        QCOMPARE(prettyBody(QByteArray("\x00\x01\x02", 3), false), QStringLiteral("(3 bytes of binary data)"));
        QVERIFY(prettyBody("{\"cut", true).endsWith(QStringLiteral("(cut at 64 KiB)")));
        QCOMPARE(prettyBody({}, false), QStringLiteral("(empty)"));
        QByteArray stream;
        for (int i = 0; i < 30; ++i)
            stream += "data: {\"n\":" + QByteArray::number(i) + "}\r\n\r\n";
        const QString events = rawEvents(stream, false, 5);
        QVERIFY(events.startsWith(QStringLiteral("data: {\"n\":0}\ndata: {\"n\":1}")));
        QVERIFY2(events.endsWith(QStringLiteral("… 25 more event(s)")), qPrintable(events));
    }

    void wildcardAddressesAreReachedOnTheLoopback()
    {
        // A gateway on every address is written as this machine reaches it in snippets, curl and the Playground.
        QCOMPARE(ui::GatewayLink::reachable(QStringLiteral("http://0.0.0.0:8088")),
                 QStringLiteral("http://127.0.0.1:8088"));
        QCOMPARE(ui::GatewayLink::reachable(QStringLiteral("http://[::]:8088")), QStringLiteral("http://[::1]:8088"));
        QCOMPARE(ui::GatewayLink::reachable(QStringLiteral("https://192.168.1.5:8088")),
                 QStringLiteral("https://192.168.1.5:8088"));
        QCOMPARE(ui::GatewayLink::reachable(QStringLiteral("http://127.0.0.1:8088")),
                 QStringLiteral("http://127.0.0.1:8088"));
    }

    void curlCommandsMaskTheKeyAndQuoteForTheShell()
    {
        using namespace ui::requestdetails;
        QCOMPARE(ui::shellQuoted(QStringLiteral("it's $HOME")), QStringLiteral("'it'\\''s $HOME'"));
        model::RequestRecord r;
        r.method = "POST";
        r.path = "/v1/messages";
        r.query = "beta=true";
        r.requestBody = "{\"a\":\"it's\"}";
        r.bytesIn = r.requestBody.size();
        r.requestHeaders
            = {{"Host", "127.0.0.1:8088"},   {"x-api-key", "sk_1234…(masked)"}, {"Content-Length", "12"},
               {"Connection", "keep-alive"}, {"Accept-Encoding", "gzip"},       {"anthropic-version", "2023-06-01"}};
        QVERIFY(canReproduce(r));
        const QString curl = curlCommand(r, QStringLiteral("http://127.0.0.1:8088"));
        QCOMPARE(curl,
                 QStringLiteral("curl 'http://127.0.0.1:8088/v1/messages?beta=true' \\\n"
                                "  -H \"x-api-key: $OBLETH_API_KEY\" \\\n"
                                "  --compressed \\\n"
                                "  -H 'anthropic-version: 2023-06-01' \\\n"
                                "  --data-raw '{\"a\":\"it'\\''s\"}'"));
        r.method = "DELETE";
        r.requestBody.clear();
        r.bytesIn = 0;
        r.requestHeaders = {{"Authorization", "Bearer sk_12…(masked)"}};
        QCOMPARE(curlCommand(r, QStringLiteral("http://h")),
                 QStringLiteral("curl 'http://h/v1/messages?beta=true' \\\n  -X 'DELETE' \\\n"
                                "  -H \"Authorization: Bearer $OBLETH_API_KEY\""));
        // A scheme that is not a word is the client's text: it never reaches the shell (it would run in "…").
        for (const QByteArray &hostile : {QByteArray("$(id>/tmp/x) sk_12…(masked)"), QByteArray("`id` sk_12…(masked)"),
                                          QByteArray("a\"b sk_12…(masked)")}) {
            r.requestHeaders = {{"Authorization", hostile}};
            QCOMPARE(curlCommand(r, QStringLiteral("http://h")),
                     QStringLiteral("curl 'http://h/v1/messages?beta=true' \\\n  -X 'DELETE' \\\n"
                                    "  -H \"Authorization: Bearer $OBLETH_API_KEY\""));
        }
        r.requestBodyCut = true; // not whole: it cannot be sent again
        QVERIFY(!canReproduce(r));
        QVERIFY(!canReproduce(model::RequestRecord{})); // from the stored log: no headers
    }
};

QTEST_MAIN(TestTables)
#include "tst_tables.moc"
