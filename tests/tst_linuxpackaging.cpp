// What the Linux packages ship, checked without root or a package build: the man pages say what --help says
// and render without warnings, the desktop entry and the AppStream metadata validate, the icons have the
// sizes their folders claim, the changelog and metadata name this version, and obleth-server is a headless
// gateway that links no GUI library and runs like `obleth --server`.

#include "testhttp.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtEndian>
#include <QTest>

using namespace obleth::test;

namespace {

const QString kSource = QStringLiteral(OBLETH_SOURCE_DIR);
const QString kLinuxOut = QStringLiteral(OBLETH_LINUX_OUT);

QString binaryOf(const QString &program)
{
    return program == QLatin1String("obleth-server") ? QStringLiteral(OBLETH_SERVER_BINARY)
                                                     : QStringLiteral(OBLETH_BINARY);
}

/// Runs @p program with @p args; returns its stdout, or a null array when it could not run or failed.
QByteArray run(const QString &program, const QStringList &args, QByteArray *errors = nullptr)
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForFinished(30'000) || process.exitStatus() != QProcess::NormalExit)
        return {};
    if (errors)
        *errors = process.readAllStandardError();
    if (process.exitCode() != 0) {
        qWarning("%s exited %d: %s", qPrintable(program), process.exitCode(),
                 process.readAllStandardError().constData());
        return {};
    }
    return process.readAllStandardOutput();
}

/// The text of a roff source line as a reader sees it (the escapes ManPage.cmake writes undone).
QString unroff(QString line)
{
    if (line.startsWith(QLatin1String("\\&")))
        line.remove(0, 2);
    if (line.startsWith(QLatin1String(".SS ")))
        line.remove(0, 4);
    line.replace(QLatin1String("\\-"), QLatin1String("-"));
    line.replace(QLatin1String("\\e"), QLatin1String("\\"));
    return line;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestLinuxPackaging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void manPageSaysWhatHelpSays_data()
    {
        QTest::addColumn<QString>("program");
        QTest::newRow("obleth") << QStringLiteral("obleth");
        QTest::newRow("obleth-server") << QStringLiteral("obleth-server");
    }

    void manPageSaysWhatHelpSays()
    {
        QFETCH(QString, program);
        const QByteArray help = run(binaryOf(program), {QStringLiteral("--help")});
        QVERIFY2(!help.isEmpty(), "--help printed nothing");
        const QByteArray page = readFile(kLinuxOut + QLatin1Char('/') + program + QStringLiteral(".1"));
        QVERIFY2(!page.isEmpty(), qPrintable(QStringLiteral("no man page %1.1 in %2").arg(program, kLinuxOut)));
        QVERIFY(page.startsWith(QByteArray(".TH " + program.toUpper().toLatin1() + " 1 ")));

        QStringList pageLines;
        for (const QString &line : QString::fromUtf8(page).split(QLatin1Char('\n')))
            pageLines.append(unroff(line));
        // Every line of --help is on the page (the usage line under SYNOPSIS without its "Usage: ").
        const QStringList helpLines = QString::fromUtf8(help).split(QLatin1Char('\n'));
        for (QString line : helpLines) {
            if (line.trimmed().isEmpty())
                continue;
            line.remove(QRegularExpression(QStringLiteral("^Usage: ")));
            QVERIFY2(pageLines.contains(line), qPrintable(QStringLiteral("the man page lacks: %1").arg(line)));
        }
        // Every option the program accepts is on the page.
        static const QRegularExpression option(QStringLiteral("(?:^|\\s)(--[a-z][a-z-]+)"));
        for (auto it = option.globalMatch(QString::fromUtf8(help)); it.hasNext();) {
            const QString name = it.next().captured(1);
            QVERIFY2(page.contains(QString(name).replace(QLatin1Char('-'), QLatin1String("\\-")).toUtf8()),
                     qPrintable(name));
        }
    }

    void manPageRendersWithoutWarnings_data() { manPageSaysWhatHelpSays_data(); }

    void manPageRendersWithoutWarnings()
    {
        QFETCH(QString, program);
        const QString man = QStandardPaths::findExecutable(QStringLiteral("man"));
        if (man.isEmpty())
            QSKIP("man is not installed (Debian package man-db)");
        // What lintian runs to find groff warnings in a man page.
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        env.insert(QStringLiteral("MANWIDTH"), QStringLiteral("80"));
        process.setProcessEnvironment(env);
        process.start(man,
                      {QStringLiteral("--warnings"), QStringLiteral("-E"), QStringLiteral("UTF-8"),
                       QStringLiteral("-l"), QStringLiteral("-Tutf8"), QStringLiteral("-Z"),
                       kLinuxOut + QLatin1Char('/') + program + QStringLiteral(".1")});
        QVERIFY(process.waitForFinished(30'000));
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(process.readAllStandardError(), QByteArray());
        QVERIFY(!process.readAllStandardOutput().isEmpty());
    }

    void desktopEntryValidates()
    {
        const QString entry = kSource + QStringLiteral("/packaging/linux/obleth.desktop");
        const QByteArray text = readFile(entry);
        QVERIFY(text.contains("\nExec=obleth\n"));
        QVERIFY(text.contains("\nIcon=obleth\n"));
        const QString validate = QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
        if (validate.isEmpty())
            QSKIP("desktop-file-validate is not installed (Debian package desktop-file-utils)");
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(validate, {entry});
        QVERIFY(process.waitForFinished(30'000));
        const QByteArray output = process.readAll();
        QVERIFY2(process.exitCode() == 0 && output.isEmpty(), output.constData());
    }

    void appStreamMetadataValidates()
    {
        const QString metainfo = kSource + QStringLiteral("/packaging/linux/dev.obleth.obleth.metainfo.xml");
        const QByteArray text = readFile(metainfo);
        QVERIFY(text.contains("<launchable type=\"desktop-id\">obleth.desktop</launchable>"));
        QVERIFY2(text.contains("<release version=\"" OBLETH_VERSION "\""),
                 "the metainfo's newest release is not this version");
        const QString appstream = QStandardPaths::findExecutable(QStringLiteral("appstreamcli"));
        if (appstream.isEmpty())
            QSKIP("appstreamcli is not installed (Debian package appstream)");
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(appstream, {QStringLiteral("validate"), QStringLiteral("--no-net"), metainfo});
        QVERIFY(process.waitForFinished(30'000));
        const QByteArray output = process.readAll();
        if (process.exitCode() == 0)
            return;
        // Newer appstreamcli (1.0, Debian 13) also warns where there is nothing to fix yet: obleth has no website.
        static const QByteArrayList allowed = {"url-homepage-missing"};
        for (const QByteArray &line : output.split('\n')) {
            if (!line.startsWith("E:") && !line.startsWith("W:"))
                continue;
            const QByteArray tag = line.mid(line.lastIndexOf(": ") + 2).trimmed();
            QVERIFY2(line.startsWith("W:") && allowed.contains(tag), output.constData());
        }
    }

    void changelogNamesThisVersion()
    {
        const QByteArray head = readFile(kSource + QStringLiteral("/packaging/linux/changelog")).split('\n').value(0);
        QVERIFY2(head.startsWith("obleth (" OBLETH_VERSION "-"), head.constData());
    }

    void iconsHaveTheSizesTheirFoldersClaim_data()
    {
        QTest::addColumn<int>("size");
        for (int size : {16, 22, 24, 32, 48, 64, 128, 256, 512})
            QTest::newRow(qPrintable(QString::number(size))) << size;
    }

    void iconsHaveTheSizesTheirFoldersClaim()
    {
        QFETCH(int, size);
        const QByteArray png = readFile(kSource + QStringLiteral("/resources/icons/obleth-%1.png").arg(size));
        QVERIFY2(png.startsWith("\x89PNG\r\n\x1a\n") && png.mid(12, 4) == "IHDR", "not a PNG");
        QCOMPARE(qFromBigEndian<quint32>(png.constData() + 16), quint32(size));
        QCOMPARE(qFromBigEndian<quint32>(png.constData() + 20), quint32(size));
    }

    void serverExecutableNeedsNoGuiLibrary()
    {
        const QString readelf = QStandardPaths::findExecutable(QStringLiteral("readelf"));
        if (readelf.isEmpty())
            QSKIP("readelf is not installed (Debian package binutils)");
        const QByteArray dynamic = run(readelf, {QStringLiteral("-d"), binaryOf(QStringLiteral("obleth-server"))});
        QVERIFY(dynamic.contains("(NEEDED)"));
        QVERIFY(dynamic.contains("libQt6Core"));
        for (const char *gui : {"libQt6Gui", "libQt6Widgets", "libQt6DBus", "libX11", "libxcb", "libGL", "libEGL"})
            QVERIFY2(!dynamic.contains(gui), gui);
        // The tray app does need them: the check above would see a GUI library if there were one.
        const QByteArray tray = run(readelf, {QStringLiteral("-d"), binaryOf(QStringLiteral("obleth"))});
        QVERIFY(tray.contains("libQt6Widgets"));
    }

    void serverExecutableRunsTheHeadlessGateway()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QProcess server;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("OBLETH_ADMIN_TOKEN"));
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        server.setProcessEnvironment(env);
        // No --server: obleth-server is the headless gateway without it.
        server.start(binaryOf(QStringLiteral("obleth-server")),
                     {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--admin-port"),
                      QStringLiteral("0"), QStringLiteral("--data-dir"), dir.path()});
        static const QRegularExpression ready(QStringLiteral(
            "obleth listening data=http://127\\.0\\.0\\.1:(\\d+) admin=http://127\\.0\\.0\\.1:(\\d+)\n"));
        QByteArray out;
        QRegularExpressionMatch match;
        const QDeadlineTimer deadline(15'000);
        while (!deadline.hasExpired() && server.state() != QProcess::NotRunning && !match.hasMatch()) {
            server.waitForReadyRead(100);
            out += server.readAllStandardOutput();
            match = ready.match(QString::fromLatin1(out));
        }
        QVERIFY2(match.hasMatch(), QByteArray(out + server.readAllStandardError()).constData());
        QVERIFY(out.contains("first api key: sk_"));
        const Response health = request(quint16(match.captured(1).toUInt()), "GET", "/health");
        QCOMPARE(health.status, 200);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("admin-token"))));
        server.terminate();
        QVERIFY(server.waitForFinished(15'000));
        QCOMPARE(server.exitStatus(), QProcess::NormalExit);
        QCOMPARE(server.exitCode(), 0);

        QCOMPARE(run(binaryOf(QStringLiteral("obleth-server")), {QStringLiteral("--version")}),
                 QByteArray("obleth-server " OBLETH_VERSION "\n"));
    }
};

QTEST_GUILESS_MAIN(TestLinuxPackaging)
#include "tst_linuxpackaging.moc"
