// How the tray app looks and reads: the light and dark palettes' contrast (WCAG), the window icon in several sizes,
// the window's geometry and page remembered across a restart (and brought back when off-screen), the throughput
// chart's axes, legend and empty state, and a screen-reader name on every control of every page.

#include "guifixture.h"
#include "ui/appicon.h"
#include "ui/gatewaylink.h"
#include "ui/guiapp.h"
#include "ui/healthdot.h"
#include "ui/mainwindow.h"
#include "ui/palettes.h"
#include "ui/throughputchart.h"
#include "ui/trayicon.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScreen>
#include <QSet>
#include <QSettings>
#include <QStandardPaths>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <QTextEdit>

#include <cmath>
#include <map>

using namespace obleth;

namespace {

/// WCAG 2's relative luminance of an opaque colour.
double luminance(const QColor &c)
{
    const auto channel = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

/// @p c drawn over the opaque @p background (a translucent placeholder text, for instance).
QColor over(const QColor &c, const QColor &background)
{
    const double a = c.alphaF();
    return QColor::fromRgbF(float(c.redF() * a + background.redF() * (1 - a)),
                            float(c.greenF() * a + background.greenF() * (1 - a)),
                            float(c.blueF() * a + background.blueF() * (1 - a)));
}

/// WCAG 2's contrast ratio of @p foreground drawn on @p background: 1 to 21.
double contrast(const QColor &foreground, const QColor &background)
{
    const double a = luminance(over(foreground, background));
    const double b = luminance(background);
    return (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05);
}

/// Pages allowed to keep controls a screen reader cannot name, by page name (MainWindow::pageNames()), with what
/// they lack: none. A page being rewritten may be listed for a while (its controls are reported as warnings); the
/// test says when it can leave the list.
const std::map<QString, QString> kKnownOffenders = {};

/// What a screen reader says for @p w: its accessible name, a button's text, or the text of the label it is the
/// buddy of; empty when none.
QString spokenName(QWidget *w, const QHash<QWidget *, QLabel *> &buddies)
{
    if (!w->accessibleName().trimmed().isEmpty())
        return w->accessibleName();
    if (auto *button = qobject_cast<QAbstractButton *>(w);
        button && !button->text().remove(QLatin1Char('&')).trimmed().isEmpty())
        return button->text();
    if (QLabel *label = buddies.value(w))
        return label->text();
    return {};
}

/// Whether @p w is a control a user operates by itself (not a part of another control: the line edit inside a spin
/// box or an editable combo box, a line edit's clear button, a header of a table, the scroll buttons of a tab bar).
bool isOperable(QWidget *w)
{
    if (qobject_cast<QHeaderView *>(w))
        return false;
    for (QWidget *p = w->parentWidget(); p; p = p->parentWidget()) {
        if (qobject_cast<QAbstractSpinBox *>(p) || qobject_cast<QComboBox *>(p) || qobject_cast<QTabBar *>(p)
            || qobject_cast<QAbstractItemView *>(p) || qobject_cast<QLineEdit *>(p))
            return false;
    }
    return qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w) || qobject_cast<QComboBox *>(w)
        || qobject_cast<QAbstractSpinBox *>(w) || qobject_cast<QPlainTextEdit *>(w) || qobject_cast<QTextEdit *>(w)
        || qobject_cast<QAbstractItemView *>(w);
}

QString describe(QWidget *w)
{
    QString text = QString::fromLatin1(w->metaObject()->className());
    if (!w->objectName().isEmpty())
        text += QLatin1Char('#') + w->objectName();
    if (!w->toolTip().isEmpty())
        text += QStringLiteral(" (tooltip \"%1\")").arg(w->toolTip());
    if (auto *edit = qobject_cast<QLineEdit *>(w); edit && !edit->placeholderText().isEmpty())
        text += QStringLiteral(" (placeholder \"%1\")").arg(edit->placeholderText());
    return text;
}

/// The share of @p image's pixels within @p tolerance of @p colour in every channel.
int pixelsLike(const QImage &image, const QColor &colour, int tolerance = 40)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - colour.red()) <= tolerance && std::abs(c.green() - colour.green()) <= tolerance
                && std::abs(c.blue() - colour.blue()) <= tolerance)
                ++count;
        }
    }
    return count;
}

} // namespace

class TestLook : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings go to a test location
        QSettings().clear();
    }

    void cleanup() { ui::applyTheme(ui::Theme::System); }

    // --- Palettes -----------------------------------------------------------------------------------------------

    void palettesReadWell_data()
    {
        QTest::addColumn<int>("theme");
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("foreground");
        QTest::addColumn<int>("background");
        QTest::addColumn<double>("least");
        struct Pair
        {
            const char *name;
            QPalette::ColorRole foreground;
            QPalette::ColorRole background;
            double least;
        };
        // 4.5:1 for text (WCAG AA, normal size), placeholder text included: it is the only hint of what a field
        // wants. Links must read on the base they sit on.
        const Pair pairs[] = {
            {"Text on Base", QPalette::Text, QPalette::Base, 4.5},
            {"Text on AlternateBase", QPalette::Text, QPalette::AlternateBase, 4.5},
            {"WindowText on Window", QPalette::WindowText, QPalette::Window, 4.5},
            {"ButtonText on Button", QPalette::ButtonText, QPalette::Button, 4.5},
            {"HighlightedText on Highlight", QPalette::HighlightedText, QPalette::Highlight, 4.5},
            {"PlaceholderText on Base", QPalette::PlaceholderText, QPalette::Base, 4.5},
            {"Link on Base", QPalette::Link, QPalette::Base, 4.5},
            {"Link on Window", QPalette::Link, QPalette::Window, 4.5},
            {"ToolTipText on ToolTipBase", QPalette::ToolTipText, QPalette::ToolTipBase, 4.5},
        };
        for (const auto &[theme, themeLabel] : {std::pair{ui::Theme::Light, "light"}, {ui::Theme::Dark, "dark"}}) {
            for (const auto &[group, groupLabel] :
                 {std::pair{QPalette::Active, "active"}, {QPalette::Inactive, "inactive"}}) {
                for (const Pair &pair : pairs) {
                    QTest::addRow("%s %s: %s", themeLabel, groupLabel, pair.name)
                        << int(theme) << int(group) << int(pair.foreground) << int(pair.background) << pair.least;
                }
            }
        }
    }

    void palettesReadWell()
    {
        QFETCH(int, theme);
        QFETCH(int, group);
        QFETCH(int, foreground);
        QFETCH(int, background);
        QFETCH(double, least);
        const QPalette p = ui::themePalette(ui::Theme(theme));
        const QColor fg = p.color(QPalette::ColorGroup(group), QPalette::ColorRole(foreground));
        const QColor bg = p.color(QPalette::ColorGroup(group), QPalette::ColorRole(background));
        const double ratio = contrast(fg, bg);
        QVERIFY2(ratio >= least,
                 qPrintable(QStringLiteral("%1 on %2: %3:1, wants %4:1")
                                .arg(fg.name(QColor::HexArgb), bg.name(QColor::HexArgb))
                                .arg(ratio, 0, 'f', 2)
                                .arg(least)));
    }

    void contrastIsComputedAsWcagSays()
    {
        QCOMPARE(qRound(contrast(Qt::black, Qt::white) * 10), 210);
        QCOMPARE(qRound(contrast(Qt::white, Qt::white) * 10), 10);
        // #767676 on white is the classic just-passing grey (4.54:1).
        QCOMPARE(qRound(contrast(QColor(0x76, 0x76, 0x76), Qt::white) * 100), 454);
    }

    void darkUsesFusionAndTheOthersTheNativeStyle()
    {
        const QString native = QApplication::style()->name();
        ui::applyTheme(ui::Theme::Dark);
        QCOMPARE(QApplication::style()->name().toLower(), QStringLiteral("fusion"));
        QCOMPARE(QApplication::palette().color(QPalette::Base),
                 ui::themePalette(ui::Theme::Dark).color(QPalette::Base));
        ui::applyTheme(ui::Theme::Light);
        QCOMPARE(QApplication::style()->name(), native);
        QCOMPARE(QApplication::palette().color(QPalette::PlaceholderText),
                 ui::themePalette(ui::Theme::Light).color(QPalette::PlaceholderText));
        ui::applyTheme(ui::Theme::Dark);
        ui::applyTheme(ui::Theme::System);
        QCOMPARE(QApplication::style()->name(), native);
        QCOMPARE(QApplication::palette().color(QPalette::Window),
                 ui::themePalette(ui::Theme::System).color(QPalette::Window));
    }

    // --- Icon ---------------------------------------------------------------------------------------------------

    void iconHasEverySize()
    {
        const QIcon icon = ui::appIcon();
        QVERIFY(!icon.isNull());
        const QList<QSize> sizes = icon.availableSizes();
        for (const int size : ui::appIconSizes())
            QVERIFY2(sizes.contains(QSize(size, size)), qPrintable(QString::number(size)));
        QVERIFY(sizes.size() >= 6);
        // At twice the pixel density a 16 px icon is drawn from the 32 px picture, not blown up from the 16 px one.
        const QPixmap sharp = icon.pixmap(QSize(16, 16), 2.0);
        QCOMPARE(sharp.size(), QSize(32, 32));
        QImage drawn = sharp.toImage().convertToFormat(QImage::Format_ARGB32);
        const QImage source
            = QImage(QStringLiteral(":/obleth/icons/obleth-32.png")).convertToFormat(QImage::Format_ARGB32);
        int worst = 0;
        for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 32; ++x) {
                const QRgb a = drawn.pixel(x, y);
                const QRgb b = source.pixel(x, y);
                worst = std::max({worst, std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)),
                                  std::abs(qBlue(a) - qBlue(b)), std::abs(qAlpha(a) - qAlpha(b))});
            }
        }
        QVERIFY2(worst <= 2, qPrintable(QString::number(worst)));
    }

    void smallIconsAreSharpToo()
    {
        // The health dots and the tray's state icons, at twice and four times the pixel density.
        const QIcon dot = ui::healthIcon(model::HealthState::Healthy);
        QVERIFY(dot.availableSizes().contains(QSize(64, 64)));
        QCOMPARE(dot.pixmap(QSize(16, 16), 4.0).size(), QSize(64, 64));
        ui::TrayIcon tray;
        for (const ui::TrayIcon::State state :
             {ui::TrayIcon::State::Running, ui::TrayIcon::State::Paused, ui::TrayIcon::State::Error}) {
            tray.setState(state);
            QVERIFY(!tray.icon().isNull()); // SVG, drawn at the size asked for
            QCOMPARE(tray.icon().pixmap(QSize(22, 22), 2.0).size(), QSize(44, 44));
        }
    }

    void windowHasTheIcon()
    {
        test::GuiFixture f;
        QVERIFY(f.start());
        QVERIFY(!f.app->window()->windowIcon().isNull());
        QVERIFY(f.app->window()->windowIcon().availableSizes().size() >= 6);
        QVERIFY(QApplication::windowIcon().availableSizes().contains(QSize(256, 256)));
    }

    // --- Remembered geometry and page ---------------------------------------------------------------------------

    void geometryAndPageSurviveARestart()
    {
        QRect wanted;
        QPoint framePos;
        {
            test::GuiFixture f;
            QVERIFY(f.start());
            ui::MainWindow *w = f.app->window();
            QCOMPARE(w->pageNames().size(), w->pages()->count());
            QVERIFY(w->page(QStringLiteral("usage")));
            // A size of its own, not the default one (the window may grow it to what its pages need at least).
            w->setGeometry(QRect(QPoint(40, 30), QSize(813, 571)));
            wanted = w->geometry();
            QVERIFY(wanted.size() != QSize(960, 640));
            framePos = w->pos();
            w->pages()->setCurrentWidget(w->page(QStringLiteral("usage")));
        } // quits: the window saves where it was
        QCOMPARE(QSettings().value(QStringLiteral("ui/window/page")).toString(), QStringLiteral("usage"));
        {
            test::GuiFixture f;
            QVERIFY(f.start(true));
            ui::MainWindow *w = f.app->window();
            QCOMPARE(w->pages()->currentWidget(), w->page(QStringLiteral("usage")));
            QCOMPARE(w->size(), wanted.size());
            QCOMPARE(w->pos(), framePos); // the frame's corner, window decorations included
            // Closing the window (to the tray) saves too.
            w->pages()->setCurrentWidget(w->page(QStringLiteral("requests")));
            w->close();
            QCOMPARE(QSettings().value(QStringLiteral("ui/window/page")).toString(), QStringLiteral("requests"));
        }
    }

    void offScreenGeometryComesBack()
    {
        {
            test::GuiFixture f;
            QVERIFY(f.start());
            f.app->window()->setGeometry(QRect(QPoint(-30000, -30000), QSize(600, 400)));
        }
        {
            test::GuiFixture f;
            QVERIFY(f.start(true));
            const QRect frame = f.app->window()->frameGeometry();
            const QRect screen = QGuiApplication::primaryScreen()->availableGeometry();
            QVERIFY2(screen.intersects(frame),
                     qPrintable(QStringLiteral("%1,%2 %3x%4")
                                    .arg(frame.x())
                                    .arg(frame.y())
                                    .arg(frame.width())
                                    .arg(frame.height())));
            QVERIFY(screen.intersected(frame).width() >= 120);
        }
        QSettings().remove(QStringLiteral("ui/window"));
    }

    // --- The throughput chart -----------------------------------------------------------------------------------

    void axisScales_data()
    {
        QTest::addColumn<qint64>("peak");
        QTest::addColumn<qint64>("top");
        QTest::newRow("nothing") << qint64(0) << qint64(4);
        QTest::newRow("3") << qint64(3) << qint64(4);
        QTest::newRow("5") << qint64(5) << qint64(8);
        QTest::newRow("12") << qint64(12) << qint64(20);
        QTest::newRow("20") << qint64(20) << qint64(20);
        QTest::newRow("21") << qint64(21) << qint64(40);
        QTest::newRow("3600") << qint64(3600) << qint64(4000);
        QTest::newRow("41000") << qint64(41000) << qint64(80000);
    }

    void axisScales()
    {
        QFETCH(qint64, peak);
        QFETCH(qint64, top);
        QCOMPARE(ui::ThroughputChart::axisTop(peak), top);
    }

    void shortNumbers()
    {
        QCOMPARE(ui::ThroughputChart::shortNumber(0), QStringLiteral("0"));
        QCOMPARE(ui::ThroughputChart::shortNumber(950), QStringLiteral("950"));
        QCOMPARE(ui::ThroughputChart::shortNumber(1000), QStringLiteral("1k"));
        QCOMPARE(ui::ThroughputChart::shortNumber(1500), QStringLiteral("1.5k"));
        QCOMPARE(ui::ThroughputChart::shortNumber(20000), QStringLiteral("20k"));
        QCOMPARE(ui::ThroughputChart::shortNumber(2'500'000), QStringLiteral("2.5M"));
    }

    void chartSaysWhenThereIsNoTraffic()
    {
        ui::ThroughputChart chart;
        chart.resize(600, 220);
        QVERIFY(!chart.hasTraffic());
        QCOMPARE(chart.timeLabels(),
                 QStringList({QStringLiteral("−5 min"), QStringLiteral("−4 min"), QStringLiteral("−3 min"),
                              QStringLiteral("−2 min"), QStringLiteral("−1 min"), QStringLiteral("now")}));
        QCOMPARE(chart.requestLabels(),
                 QStringList({QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"),
                              QStringLiteral("4")}));
        QVERIFY(chart.emptyText().startsWith(QStringLiteral("No traffic yet")));
        QVERIFY(chart.accessibleDescription().contains(QStringLiteral("No traffic")));
        QVERIFY(!chart.accessibleName().isEmpty());
        const QImage empty = chart.grab().toImage();
        QVERIFY(!empty.isNull());
        QVERIFY(pixelsLike(empty, chart.palette().color(QPalette::Text)) > 100); // the axes' labels and the legend
        QVERIFY(pixelsLike(empty, chart.requestsColor(), 10) > 0); // the legend's sample line
    }

    void chartDrawsBothSeriesOnTheirScales()
    {
        for (const ui::Theme theme : {ui::Theme::Light, ui::Theme::Dark}) {
            ui::applyTheme(theme);
            ui::ThroughputChart chart;
            chart.resize(600, 220);
            const QImage before = chart.grab().toImage();
            for (int second = 0; second < 30; ++second) {
                for (int i = 0; i < 1 + second % 3; ++i)
                    chart.add(1200);
                chart.tick();
            }
            QVERIFY(chart.hasTraffic());
            QCOMPARE(chart.requestsPerSecond(), 3.0);
            QCOMPARE(chart.tokensPerSecond(), 3600.0);
            QCOMPARE(chart.requestLabels(),
                     QStringList({QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"),
                                  QStringLiteral("4")}));
            QCOMPARE(chart.tokenLabels(),
                     QStringList({QStringLiteral("0"), QStringLiteral("1k"), QStringLiteral("2k"), QStringLiteral("3k"),
                                  QStringLiteral("4k")}));
            QCOMPARE(chart.legend().size(), 2);
            QVERIFY(chart.legend().at(0).contains(QStringLiteral("Requests/s")));
            QVERIFY(chart.legend().at(1).contains(QStringLiteral("Tokens/s")));
            QVERIFY(chart.accessibleDescription().contains(QStringLiteral("3 requests/s")));
            const QImage after = chart.grab().toImage();
            // The lines are drawn: many more pixels of each series' colour than the legend's samples alone.
            QVERIFY(pixelsLike(after, chart.requestsColor(), 10) > pixelsLike(before, chart.requestsColor(), 10) + 20);
            QVERIFY(pixelsLike(after, chart.tokensColor(), 10) > pixelsLike(before, chart.tokensColor(), 10) + 20);
            // Each series reads on the chart's background (3:1, WCAG's bar for graphics).
            const QColor base = chart.palette().color(QPalette::Base);
            QVERIFY2(contrast(chart.requestsColor(), base) >= 3.0, qPrintable(ui::themeName(theme)));
            QVERIFY2(contrast(chart.tokensColor(), base) >= 3.0, qPrintable(ui::themeName(theme)));
        }
    }

    // --- Screen-reader names ------------------------------------------------------------------------------------

    void everyControlHasAName()
    {
        test::GuiFixture f;
        QVERIFY(f.start());
        ui::MainWindow *w = f.app->window();
        QTRY_VERIFY_WITH_TIMEOUT(f.app->link()->isReady(), 15'000);
        QStringList failures;
        QStringList known;
        QSet<QString> offendingPages;
        for (int i = 0; i < w->pages()->count(); ++i) {
            w->pages()->setCurrentIndex(i); // some pages fill themselves when shown
            QWidget *page = w->pages()->widget(i);
            QTest::qWait(50);
            QHash<QWidget *, QLabel *> buddies;
            for (QLabel *label : page->findChildren<QLabel *>()) {
                if (label->buddy())
                    buddies.insert(label->buddy(), label);
            }
            for (QWidget *control : page->findChildren<QWidget *>()) {
                if (!isOperable(control) || !spokenName(control, buddies).isEmpty())
                    continue;
                const QString line = page->objectName() + QStringLiteral(": ") + describe(control);
                (kKnownOffenders.count(page->objectName()) ? known : failures) << line;
                offendingPages.insert(page->objectName());
            }
        }
        // The window's own controls, outside the pages.
        for (QWidget *control : w->findChildren<QWidget *>()) {
            if (isOperable(control) && !w->pages()->isAncestorOf(control) && control->accessibleName().isEmpty()
                && !qobject_cast<QAbstractButton *>(control))
                failures << QStringLiteral("window: ") + describe(control);
        }
        for (const QString &line : std::as_const(known))
            qWarning("known offender, to fix: %s", qPrintable(line));
        for (const auto &[name, what] : kKnownOffenders) {
            if (!offendingPages.contains(name))
                qWarning("page %s has no nameless control left: remove it from kKnownOffenders", qPrintable(name));
        }
        QVERIFY2(failures.isEmpty(),
                 qPrintable(QStringLiteral("controls without an accessible name, a text or a "
                                           "label buddy:\n")
                            + failures.join(QLatin1Char('\n'))));
    }
};

QTEST_MAIN(TestLook)
#include "tst_look.moc"
