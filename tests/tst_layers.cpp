// The house kept straight: every quoted #include under core/, ui/ and app/ is an arrow between two files, and
// the arrows must follow the floor plan below. core/'s folders form layers, and a folder includes only its own
// files and folders strictly below it; ui/ reaches the core only through a few folders; some arrows are never
// drawn, whatever the layers say; and no files or folders include each other in a circle.
//
// The checker is a pure function of (file, its includes), so the self-test rows feed it the arrows this house
// once had and check that it names each one. The real tree is read from the source directory (the one this test
// was built from, or the one given with -source-dir DIR or OBLETH_LAYERS_SOURCE_DIR).

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <QCoreApplication>

#include <algorithm>
#include <functional>

using namespace Qt::StringLiterals;

namespace {

// The floor plan, top to bottom. A core folder may include its own folder and folders in layers strictly below
// its own, nothing at its own layer or above.
struct Layer
{
    QStringList folders;
    const char *holds;
};

const QList<Layer> &floorPlan()
{
    static const QList<Layer> plan = {
        {{u"gateway"_s}, "the composition root: builds and wires everything, the only folder that knows them all"},
        {{u"admin"_s, u"dataplane"_s},
         "the two fronts: the Management API (the JSON edge) and the OpenAI-compatible data plane"},
        {{u"mcp"_s, u"discovery"_s, u"routing"_s, u"alerts"_s, u"cluster"_s},
         "the MCP relay, the backend probe, deployments' health and choice, alerts, instances sharing PostgreSQL and "
         "Redis: what the fronts and the GUI call"},
        {{u"status"_s, u"proxy"_s, u"mock"_s, u"cache"_s, u"metrics"_s},
         "what answers a request (upstream, mock, cache) and what is reported about it (status, live view, metrics)"},
        {{u"config"_s, u"usage"_s, u"openai"_s, u"anthropic"_s},
         "typed configuration services, usage accounting, the APIs' wire shapes (OpenAI's, Anthropic's)"},
        {{u"store"_s, u"http"_s, u"admission"_s, u"redis"_s},
         "SQLite and PostgreSQL, the HTTP/1.1 server, fair-share admission and token budgets, the Redis client"},
        {{u"model"_s, u"platform"_s}, "entities, the configuration snapshot, the request record; logging and OS bits"},
    };
    return plan;
}

// The core folders the GUI may include: it reaches the gateway through its thread and its services.
const QStringList &uiMayUse()
{
    static const QStringList folders
        = {u"gateway"_s, u"config"_s, u"status"_s, u"model"_s, u"usage"_s, u"discovery"_s, u"platform"_s};
    return folders;
}

// Arrows never drawn, whatever the layers say, each with its reason. "core" stands for every core folder, "*" for
// every folder but the file's own.
struct NeverRule
{
    QStringList from;
    QStringList to;
    const char *why;
};

const QList<NeverRule> &neverRules()
{
    static const QList<NeverRule> rules = {
        {{u"core"_s},
         {u"ui"_s, u"app"_s},
         "core is a library without Widgets; the GUI and main() sit on top of it, never below"},
        {{u"admission"_s},
         {u"http"_s, u"proxy"_s},
         "admission decides who goes next and what a budget allows; it knows no sockets, HTTP or upstreams"},
        {{u"store"_s},
         {u"http"_s},
         "the store keeps records, not HTTP messages (a record holds header pairs, not http::Headers)"},
        {{u"ui"_s},
         {u"store"_s},
         "the GUI reads the request log and the configuration through the gateway's services, never SQLite"},
        {{u"http"_s},
         {u"openai"_s},
         "the HTTP layer knows no API's error shape; the server's own refusals are worded through "
         "ServerOptions::rejection"},
        {{u"model"_s},
         {u"*"_s},
         "model holds plain values (entities, the snapshot, the request record) and includes only itself"},
    };
    return rules;
}

bool isQtNetworkHeader(const QString &header)
{
    // The class headers, the module's umbrella <QtNetwork> and its folder, and the lower-case file names
    // (<qtcpsocket.h>) that name the same headers.
    static const QRegularExpression network(
        QStringLiteral("^(QtNetwork(/.*)?|QNetwork.*|QSsl.*|QTcpSocket|QTcpServer|QUdpSocket|QAbstractSocket|"
                       "QHostAddress|QHostInfo|QLocalSocket|QLocalServer|QDnsLookup|QDtls.*|QHttp.*|QAuthenticator|"
                       "q(network|ssl|tcp|udp|abstractsocket|hostaddress|hostinfo|local(socket|server)|dnslookup|dtls|"
                       "http|authenticator)[a-z0-9]*\\.h)$"),
        QRegularExpression::CaseInsensitiveOption);
    return network.match(header).hasMatch();
}

bool isQtSqlHeader(const QString &header)
{
    static const QRegularExpression sql(QStringLiteral("^(QtSql(/.*)?|QSql.*|qsql[a-z0-9]*\\.h)$"),
                                        QRegularExpression::CaseInsensitiveOption);
    return sql.match(header).hasMatch();
}

// System headers (#include <...>) some folders never include.
struct HeaderRule
{
    QString from;
    const char *what;
    std::function<bool(const QString &)> matches;
    const char *why;
};

const QList<HeaderRule> &headerRules()
{
    static const QList<HeaderRule> rules = {
        {u"admission"_s, "Qt Network", isQtNetworkHeader,
         "admission is pure logic over permits and budgets, tested with an injected clock; it never touches a socket"},
        {u"model"_s, "Qt Network", isQtNetworkHeader, "model holds plain values; it does no I/O"},
        {u"model"_s, "Qt Sql", isQtSqlHeader, "model holds plain values; reading and writing them is the store's job"},
    };
    return rules;
}

} // namespace

// ---- The checker: a pure function from (file, includes) to the arrows that break the plan. ----

struct SourceFile
{
    QString path; // relative to the source directory: "core/http/httpserver.cpp", "ui/gatewaylink.h"
    QStringList includes; // as written between "#include" and the end: "\"http/headers.h\"", "<QTcpSocket>"
};
using SourceFiles = QList<SourceFile>;
Q_DECLARE_METATYPE(SourceFiles)

struct Violation
{
    QString rule; // "layer", "ui", "never", "header", "unplaced", "file circle", "folder circle"
    QString from; // a file (or, for a folder circle, a folder)
    QString to;
    QString message;
};

namespace {

// "core/http/x.cpp" -> "http"; "ui/x.h" -> "ui"; "app/x.cpp" -> "app"; "core/x.h" -> "core".
QString folderOf(const QString &path)
{
    const QStringList parts = path.split(QLatin1Char('/'));
    if (parts.first() == QLatin1String("core"))
        return parts.size() > 2 ? parts.at(1) : QStringLiteral("core");
    return parts.first();
}

bool isCore(const QString &folder)
{
    return folder != QLatin1String("ui") && folder != QLatin1String("app");
}

QString dirOf(const QString &path)
{
    return path.left(path.lastIndexOf(QLatin1Char('/')));
}

// A .cpp and the .h of the same name in the same folder are one unit: "core/http/httpserver".
QString unitOf(const QString &path)
{
    return path.left(path.lastIndexOf(QLatin1Char('.')));
}

int layerOf(const QString &folder)
{
    for (int i = 0; i < floorPlan().size(); ++i) {
        if (floorPlan().at(i).folders.contains(folder))
            return i;
    }
    return -1;
}

QString describe(const QString &folder)
{
    const int layer = layerOf(folder);
    return QStringLiteral("%1 (layer %2 of %3: %4)")
        .arg(folder)
        .arg(layer + 1)
        .arg(floorPlan().size())
        .arg(QLatin1String(floorPlan().at(layer).holds));
}

// Where a quoted include leads, as the compiler looks: next to the including file, then from core/ (the include
// root), then from the source directory ("ui/guiapp.h"). A file not in the list (a header still to be written,
// in the self-test) is placed by its spelling.
QString resolve(const QString &from, const QString &include, const QSet<QString> &known)
{
    const QString besides = QDir::cleanPath(dirOf(from) + QLatin1Char('/') + include);
    const QString fromCore = QDir::cleanPath(QStringLiteral("core/") + include);
    const QString fromRoot = QDir::cleanPath(include);
    for (const QString &candidate : {besides, fromCore, fromRoot}) {
        if (known.contains(candidate))
            return candidate;
    }
    if (!include.contains(QLatin1Char('/')))
        return besides;
    if (include.startsWith(QLatin1String("ui/")) || include.startsWith(QLatin1String("app/")))
        return fromRoot;
    return fromCore;
}

struct Arrow
{
    QString from;
    QString to;
};

// Strongly connected components with more than one node, each as the shortest circle through its smallest node.
QList<QStringList> circles(const QMap<QString, QSet<QString>> &edges)
{
    QStringList nodes = edges.keys();
    for (const QSet<QString> &targets : edges) {
        for (const QString &t : targets) {
            if (!nodes.contains(t))
                nodes << t;
        }
    }
    std::sort(nodes.begin(), nodes.end());

    // Tarjan's algorithm.
    QHash<QString, int> index, low;
    QStringList stack;
    QSet<QString> onStack;
    QList<QStringList> components;
    int next = 0;
    std::function<void(const QString &)> visit = [&](const QString &v) {
        index[v] = low[v] = next++;
        stack << v;
        onStack << v;
        QStringList targets = edges.value(v).values();
        std::sort(targets.begin(), targets.end());
        for (const QString &w : targets) {
            if (!index.contains(w)) {
                visit(w);
                low[v] = std::min(low[v], low[w]);
            } else if (onStack.contains(w)) {
                low[v] = std::min(low[v], index[w]);
            }
        }
        if (low[v] == index[v]) {
            QStringList component;
            QString w;
            do {
                w = stack.takeLast();
                onStack.remove(w);
                component << w;
            } while (w != v);
            if (component.size() > 1)
                components << component;
        }
    };
    for (const QString &v : nodes) {
        if (!index.contains(v))
            visit(v);
    }

    QList<QStringList> result;
    for (QStringList component : components) {
        std::sort(component.begin(), component.end());
        const QSet<QString> inside(component.begin(), component.end());
        const QString start = component.first();
        // Breadth-first from start back to start, inside the component.
        QHash<QString, QString> cameFrom;
        QStringList queue = {start};
        QString last;
        while (!queue.isEmpty() && last.isEmpty()) {
            const QString v = queue.takeFirst();
            QStringList targets = edges.value(v).values();
            std::sort(targets.begin(), targets.end());
            for (const QString &w : targets) {
                if (w == start) {
                    last = v;
                    break;
                }
                if (inside.contains(w) && !cameFrom.contains(w)) {
                    cameFrom.insert(w, v);
                    queue << w;
                }
            }
        }
        QStringList circle = {start};
        for (QString v = last; v != start; v = cameFrom.value(v))
            circle.insert(1, v);
        circle << start;
        result << circle;
    }
    return result;
}

} // namespace

QList<Violation> checkLayers(const SourceFiles &files)
{
    QList<Violation> violations;
    QSet<QString> known;
    for (const SourceFile &f : files)
        known.insert(f.path);

    QList<Arrow> arrows;
    for (const SourceFile &f : files) {
        const QString folder = folderOf(f.path);
        for (const QString &include : f.includes) {
            const QString name = include.mid(1, include.size() - 2);
            if (include.startsWith(QLatin1Char('<'))) {
                // A system header; but <http/headers.h> or <core/store/requestlog.h> (the top folder is on ui/'s
                // include path) is still obleth's own, found as a quoted include would be (but not beside the file).
                const QString fromCore = QDir::cleanPath(QStringLiteral("core/") + name);
                const QString fromRoot = QDir::cleanPath(name);
                if (known.contains(fromCore) || known.contains(fromRoot)) {
                    arrows.append({f.path, known.contains(fromCore) ? fromCore : fromRoot});
                    continue;
                }
                for (const HeaderRule &rule : headerRules()) {
                    if (rule.from == folder && rule.matches(name)) {
                        violations.append(
                            {QStringLiteral("header"), f.path, include,
                             QStringLiteral("%1 -> %2: never: %3 includes no %4 header: %5")
                                 .arg(f.path, include, folder, QLatin1String(rule.what), QLatin1String(rule.why))});
                    }
                }
                continue;
            }
            arrows.append({f.path, resolve(f.path, name, known)});
        }
    }

    QMap<QString, QSet<QString>> unitEdges;
    QMap<QString, QSet<QString>> folderEdges;
    QMap<QPair<QString, QString>, Arrow> firstArrow; // per (unit or folder) edge, the first arrow that draws it
    QSet<QString> reported;
    for (const Arrow &a : arrows) {
        const QString fromUnit = unitOf(a.from), toUnit = unitOf(a.to);
        if (fromUnit != toUnit) {
            unitEdges[fromUnit].insert(toUnit);
            if (!firstArrow.contains({fromUnit, toUnit}))
                firstArrow.insert({fromUnit, toUnit}, a);
        }
        const QString from = folderOf(a.from), to = folderOf(a.to);
        if (from == to)
            continue;
        const QString fromFolder = isCore(from) ? QStringLiteral("core/") + from : from;
        const QString toFolder = isCore(to) ? QStringLiteral("core/") + to : to;
        folderEdges[fromFolder].insert(toFolder);
        if (!firstArrow.contains({fromFolder, toFolder}))
            firstArrow.insert({fromFolder, toFolder}, a);

        auto report = [&](const QString &rule, const QString &why) {
            const QString key = rule + a.from + QLatin1Char('>') + a.to;
            if (reported.contains(key))
                return;
            reported.insert(key);
            violations.append({rule, a.from, a.to, QStringLiteral("%1 -> %2: %3: %4").arg(a.from, a.to, rule, why)});
        };

        bool never = false;
        for (const NeverRule &rule : neverRules()) {
            const bool fromMatches
                = rule.from.contains(from) || (rule.from.contains(QStringLiteral("core")) && isCore(from));
            const bool toMatches = rule.to.contains(to) || rule.to.contains(QStringLiteral("*"));
            if (fromMatches && toMatches) {
                report(QStringLiteral("never"),
                       QStringLiteral("%1 never includes %2: %3").arg(from, to, QLatin1String(rule.why)));
                never = true;
            }
        }
        if (never)
            continue;
        if (from == QLatin1String("app"))
            continue; // main() may use everything
        if (from == QLatin1String("ui")) {
            if (!isCore(to) || !uiMayUse().contains(to)) {
                report(QStringLiteral("ui"),
                       QStringLiteral("the GUI reaches the core only through %1, not %2")
                           .arg(uiMayUse().join(QStringLiteral(", ")), to));
            }
            continue;
        }
        // core -> core
        const int fromLayer = layerOf(from), toLayer = layerOf(to);
        if (fromLayer < 0 || toLayer < 0) {
            report(QStringLiteral("unplaced"),
                   QStringLiteral("core/%1 is not in the floor plan: give it a layer in tests/tst_layers.cpp")
                       .arg(fromLayer < 0 ? from : to));
            continue;
        }
        if (toLayer <= fromLayer) {
            report(QStringLiteral("layer"),
                   QStringLiteral("%1 (layer %2 of %3) may include only folders below it, and %4 is %5 it")
                       .arg(from)
                       .arg(fromLayer + 1)
                       .arg(floorPlan().size())
                       .arg(describe(to), toLayer == fromLayer ? QStringLiteral("beside") : QStringLiteral("above")));
        }
    }

    auto circlePath = [&](const QStringList &circle) {
        QStringList steps;
        for (int i = 0; i + 1 < circle.size(); ++i) {
            const Arrow a = firstArrow.value({circle.at(i), circle.at(i + 1)});
            steps << QStringLiteral("%1 -> %2").arg(a.from, a.to);
        }
        return steps;
    };
    for (const QStringList &circle : circles(unitEdges)) {
        const QStringList steps = circlePath(circle);
        const Arrow first = firstArrow.value({circle.at(0), circle.at(1)});
        violations.append({QStringLiteral("file circle"), first.from, first.to,
                           QStringLiteral("file circle: %1 (%2)")
                               .arg(circle.join(QStringLiteral(" -> ")), steps.join(QStringLiteral(", ")))});
    }
    for (const QStringList &circle : circles(folderEdges)) {
        const QStringList steps = circlePath(circle);
        violations.append({QStringLiteral("folder circle"), circle.at(0), circle.at(1),
                           QStringLiteral("folder circle: %1 (%2)")
                               .arg(circle.join(QStringLiteral(" -> ")), steps.join(QStringLiteral(", ")))});
    }
    return violations;
}

// ---- Reading the real tree. ----

namespace {

QString sourceDirOverride;

QString sourceDir()
{
    if (!sourceDirOverride.isEmpty())
        return sourceDirOverride;
    const QString fromEnvironment = qEnvironmentVariable("OBLETH_LAYERS_SOURCE_DIR");
    return fromEnvironment.isEmpty() ? QStringLiteral(OBLETH_SOURCE_DIR) : fromEnvironment;
}

SourceFiles readTree(const QString &root)
{
    static const QRegularExpression includeLine(QStringLiteral("^\\s*#\\s*include\\s*([\"<][^\">]+[\">])"),
                                                QRegularExpression::MultilineOption);
    SourceFiles files;
    const QDir rootDir(root);
    for (const char *top : {"core", "ui", "app"}) {
        QDirIterator it(rootDir.filePath(QLatin1String(top)), {QStringLiteral("*.h"), QStringLiteral("*.cpp")},
                        QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = rootDir.relativeFilePath(it.next());
            // Build directories and hidden folders are not the house.
            const QStringList parts = path.split(QLatin1Char('/'));
            if (std::any_of(parts.begin(), parts.end() - 1, [](const QString &part) {
                    return part.startsWith(QLatin1Char('.')) || part.startsWith(QLatin1String("build"));
                }))
                continue;
            QFile file(it.filePath());
            if (!file.open(QIODevice::ReadOnly))
                continue;
            SourceFile source{path, {}};
            const QString text = QString::fromUtf8(file.readAll());
            for (auto match = includeLine.globalMatch(text); match.hasNext();)
                source.includes << match.next().captured(1);
            files << source;
        }
    }
    std::sort(files.begin(), files.end(), [](const SourceFile &a, const SourceFile &b) { return a.path < b.path; });
    return files;
}

// Arrows still open while the house is being rebuilt, each with the reason. A violation listed here is
// printed but does not fail the test; an entry that no longer matches a violation does, so that the list only
// shrinks. Empty it as the arrows close.
struct KnownArrow
{
    const char *rule;
    const char *from;
    const char *to;
    const char *reason;
};

const QList<KnownArrow> knownOpenArrows = {};

SourceFiles files(std::initializer_list<std::pair<const char *, std::initializer_list<const char *>>> list)
{
    SourceFiles result;
    for (const auto &[path, includes] : list) {
        SourceFile file{QString::fromUtf8(path), {}};
        for (const char *include : includes)
            file.includes << QString::fromUtf8(include);
        result << file;
    }
    return result;
}

QString listed(const QList<Violation> &violations)
{
    QStringList lines;
    for (const Violation &v : violations)
        lines << QStringLiteral("  ") + v.message;
    return lines.isEmpty() ? QStringLiteral("  (none)") : lines.join(QLatin1Char('\n'));
}

} // namespace

class TestLayers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void floorPlanPlacesEveryFolderOnce()
    {
        QSet<QString> seen;
        for (const Layer &layer : floorPlan()) {
            for (const QString &folder : layer.folders) {
                QVERIFY2(!seen.contains(folder), qPrintable(folder));
                seen.insert(folder);
            }
        }
        for (const QString &folder : uiMayUse())
            QVERIFY2(seen.contains(folder), qPrintable(folder));
    }

    void acceptsArrowsThatGoDown()
    {
        const SourceFiles tree = files({
            {"core/gateway/gateway.cpp", {"\"gateway.h\"", "\"admin/adminapi.h\"", "\"dataplane/dataplane.h\""}},
            {"core/gateway/gateway.h", {"<QObject>"}},
            {"core/admin/adminapi.cpp", {"\"adminapi.h\"", "\"config/liveconfig.h\"", "\"status/liveview.h\""}},
            {"core/admin/adminapi.h", {"\"http/httphandler.h\""}},
            {"core/config/liveconfig.cpp", {"\"configservice.h\"", "\"store/configrepository.h\""}},
            {"core/store/configrepository.h", {"\"model/entities.h\"", "<QSqlDatabase>"}},
            {"core/admission/scheduler.h", {"\"model/entities.h\"", "\"platform/logging.h\"", "<QElapsedTimer>"}},
            {"core/model/entities.h", {"\"configsnapshot.h\"", "<QString>"}},
            {"ui/gatewaylink.cpp", {"\"gatewaylink.h\"", "\"gateway/gatewaythread.h\"", "\"status/liveview.h\""}},
            {"app/main.cpp", {"\"ui/guiapp.h\"", "\"http/httpserver.h\"", "\"store/database.h\""}},
        });
        const QList<Violation> violations = checkLayers(tree);
        QVERIFY2(violations.isEmpty(), qPrintable(listed(violations)));
    }

    // The arrows this house once had: the checker names each one, with the rule it breaks.
    void namesEachArrowThatBreaksThePlan_data()
    {
        QTest::addColumn<SourceFiles>("tree");
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("because"); // a word the message must hold

        const SourceFiles gatewayAdmin = files({
            {"core/gateway/gateway.cpp", {"\"admin/adminapi.h\""}},
            {"core/admin/statuscontroller.cpp", {"\"gateway/gatewaystatus.h\""}},
        });
        QTest::newRow("admin includes gateway") << gatewayAdmin << "layer"
                                                << "core/admin/statuscontroller.cpp"
                                                << "core/gateway/gatewaystatus.h"
                                                << "above";
        QTest::newRow("gateway <-> admin") << gatewayAdmin << "folder circle"
                                           << "core/admin"
                                           << "core/gateway"
                                           << "core/admin -> core/gateway -> core/admin";

        const SourceFiles configStore = files({
            {"core/config/liveconfig.cpp", {"\"configservice.h\"", "\"store/configrepository.h\""}},
            {"core/store/configrepository.h", {"\"config/entities.h\""}},
        });
        QTest::newRow("store includes config") << configStore << "layer"
                                               << "core/store/configrepository.h"
                                               << "core/config/entities.h"
                                               << "above";
        QTest::newRow("config <-> store") << configStore << "folder circle"
                                          << "core/config"
                                          << "core/store"
                                          << "core/config -> core/store -> core/config";

        const SourceFiles httpCircle = files({
            {"core/http/httpconnection.cpp", {"\"httpconnection.h\"", "\"httpserver.h\""}},
            {"core/http/httpconnection.h", {"\"httprequest.h\""}},
            {"core/http/httpserver.cpp", {"\"httpserver.h\"", "\"httpconnection.h\""}},
            {"core/http/httpserver.h", {"<QTcpServer>"}},
        });
        QTest::newRow("httpconnection <-> httpserver")
            << httpCircle << "file circle"
            << "core/http/httpconnection.cpp"
            << "core/http/httpserver.h"
            << "core/http/httpconnection -> core/http/httpserver -> core/http/httpconnection";

        QTest::newRow("ui includes store") << files({{"ui/gatewaylink.cpp", {"\"store/requestlog.h\""}}}) << "never"
                                           << "ui/gatewaylink.cpp"
                                           << "core/store/requestlog.h"
                                           << "never SQLite";

        // store -> http through usage: the first step already climbs (usage is above store).
        const SourceFiles storeUsageHttp = files({
            {"core/store/requestlogstore.h", {"\"usage/requestrecord.h\""}},
            {"core/usage/requestrecord.h", {"\"http/headers.h\""}},
        });
        QTest::newRow("store includes usage (which includes http)")
            << storeUsageHttp << "layer"
            << "core/store/requestlogstore.h"
            << "core/usage/requestrecord.h"
            << "and usage (layer 5 of 7: typed configuration services, usage accounting, the APIs' wire shapes "
               "(OpenAI's, Anthropic's)) is above it";
        QTest::newRow("store includes http")
            << files({{"core/store/requestlogstore.h", {"\"http/headers.h\""}}}) << "never"
            << "core/store/requestlogstore.h"
            << "core/http/headers.h"
            << "header pairs, not http::Headers";

        QTest::newRow("http includes openai")
            << files({{"core/http/httpresponder.cpp", {"\"httpresponder.h\"", "\"openai/error.h\""}}}) << "never"
            << "core/http/httpresponder.cpp"
            << "core/openai/error.h"
            << "knows no API's error shape";

        QTest::newRow("admission includes QTcpSocket")
            << files({{"core/admission/admission.cpp", {"\"admission.h\"", "<QTcpSocket>"}}}) << "header"
            << "core/admission/admission.cpp"
            << "<QTcpSocket>"
            << "Qt Network";
        QTest::newRow("admission includes QtNetwork/QHostAddress")
            << files({{"core/admission/admission.h", {"<QtNetwork/QHostAddress>"}}}) << "header"
            << "core/admission/admission.h"
            << "<QtNetwork/QHostAddress>"
            << "never touches a socket";
        QTest::newRow("admission includes the QtNetwork umbrella")
            << files({{"core/admission/admission.h", {"<QtNetwork>"}}}) << "header"
            << "core/admission/admission.h"
            << "<QtNetwork>"
            << "Qt Network";
        QTest::newRow("admission includes qtcpsocket.h")
            << files({{"core/admission/admission.cpp", {"<qtcpsocket.h>"}}}) << "header"
            << "core/admission/admission.cpp"
            << "<qtcpsocket.h>"
            << "Qt Network";
        QTest::newRow("ui includes store in angle brackets from the top folder")
            << files({{"ui/gatewaylink.cpp", {"<core/store/requestlog.h>"}}, {"core/store/requestlog.h", {}}})
            << "never"
            << "ui/gatewaylink.cpp"
            << "core/store/requestlog.h"
            << "ui never includes store";
        QTest::newRow("admission includes http")
            << files({{"core/admission/admission.h", {"\"http/httpresponder.h\""}}}) << "never"
            << "core/admission/admission.h"
            << "core/http/httpresponder.h"
            << "knows no sockets";
        QTest::newRow("admission includes proxy")
            << files({{"core/admission/admission.cpp", {"\"proxy/proxycall.h\""}}}) << "never"
            << "core/admission/admission.cpp"
            << "core/proxy/proxycall.h"
            << "upstreams";

        QTest::newRow("core includes ui") << files({{"core/gateway/gateway.cpp", {"\"ui/guiapp.h\""}}}) << "never"
                                          << "core/gateway/gateway.cpp"
                                          << "ui/guiapp.h"
                                          << "library without Widgets";
        QTest::newRow("core includes app") << files({{"core/gateway/gateway.cpp", {"\"app/cli.h\""}}}) << "never"
                                           << "core/gateway/gateway.cpp"
                                           << "app/cli.h"
                                           << "library without Widgets";
        QTest::newRow("model includes platform")
            << files({{"core/model/entities.h", {"\"platform/logging.h\""}}}) << "never"
            << "core/model/entities.h"
            << "core/platform/logging.h"
            << "includes only itself";
        QTest::newRow("model includes QSqlQuery") << files({{"core/model/entities.h", {"<QSqlQuery>"}}}) << "header"
                                                  << "core/model/entities.h"
                                                  << "<QSqlQuery>"
                                                  << "Qt Sql";
        QTest::newRow("ui includes proxy") << files({{"ui/modelspage.cpp", {"\"proxy/upstreamclient.h\""}}}) << "ui"
                                           << "ui/modelspage.cpp"
                                           << "core/proxy/upstreamclient.h"
                                           << "only through";
        QTest::newRow("ui includes app") << files({{"ui/guiapp.cpp", {"\"app/cli.h\""}}}) << "ui"
                                         << "ui/guiapp.cpp"
                                         << "app/cli.h"
                                         << "only through";
        QTest::newRow("sideways in a layer")
            << files({{"core/proxy/proxycall.cpp", {"\"cache/responsecache.h\""}}}) << "layer"
            << "core/proxy/proxycall.cpp"
            << "core/cache/responsecache.h"
            << "beside";
        QTest::newRow("a folder not in the plan")
            << files({{"core/newthing/thing.cpp", {"\"model/entities.h\""}}}) << "unplaced"
            << "core/newthing/thing.cpp"
            << "core/model/entities.h"
            << "give it a layer";
        QTest::newRow("a circle of three files") << files({
            {"core/usage/a.h", {"\"b.h\""}},
            {"core/usage/b.cpp", {"\"c.h\""}},
            {"core/usage/c.h", {"\"a.h\""}},
        }) << "file circle"
                                                 << "core/usage/a.h"
                                                 << "core/usage/b.h"
                                                 << "core/usage/a -> core/usage/b -> core/usage/c -> core/usage/a";
    }

    void namesEachArrowThatBreaksThePlan()
    {
        QFETCH(SourceFiles, tree);
        QFETCH(QString, rule);
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, because);
        const QList<Violation> violations = checkLayers(tree);
        const auto found = std::find_if(violations.begin(), violations.end(), [&](const Violation &v) {
            return v.rule == rule && v.from == from && v.to == to;
        });
        QVERIFY2(found != violations.end(),
                 qPrintable(QStringLiteral("expected %1: %2 -> %3; the checker said:\n%4")
                                .arg(rule, from, to, listed(violations))));
        QVERIFY2(found->message.contains(because), qPrintable(found->message));
    }

    // The tree this test was built from.
    void theHouseIsStraight()
    {
        const QString root = sourceDir();
        const SourceFiles tree = readTree(root);
        QVERIFY2(tree.size() > 50, qPrintable(QStringLiteral("no sources found under %1").arg(root)));
        const QList<Violation> violations = checkLayers(tree);

        QList<Violation> unexpected;
        QList<KnownArrow> stillOpen;
        for (const Violation &v : violations) {
            const auto known = std::find_if(knownOpenArrows.begin(), knownOpenArrows.end(), [&](const KnownArrow &k) {
                return v.rule == QLatin1String(k.rule) && v.from == QLatin1String(k.from)
                    && v.to == QLatin1String(k.to);
            });
            if (known == knownOpenArrows.end()) {
                unexpected << v;
            } else {
                stillOpen << *known;
                qWarning("known open arrow: %s", qPrintable(v.message));
            }
        }
        QStringList closed;
        for (const KnownArrow &k : knownOpenArrows) {
            if (std::none_of(stillOpen.begin(), stillOpen.end(),
                             [&](const KnownArrow &open) { return open.from == k.from && open.to == k.to; }))
                closed << QStringLiteral("  %1: %2 -> %3")
                              .arg(QLatin1String(k.rule), QLatin1String(k.from), QLatin1String(k.to));
        }
        for (const Violation &v : unexpected)
            qWarning("breaks the floor plan: %s", qPrintable(v.message));
        QVERIFY2(unexpected.isEmpty(),
                 qPrintable(QStringLiteral("%1 arrow(s) break the floor plan, listed above (%2 files read from %3)")
                                .arg(unexpected.size())
                                .arg(tree.size())
                                .arg(root)));
        QVERIFY2(closed.isEmpty(),
                 qPrintable(QStringLiteral("these arrows are closed now: remove them from knownOpenArrows:\n%1")
                                .arg(closed.join(QLatin1Char('\n')))));
    }
};

int main(int argc, char **argv)
{
    // -source-dir DIR reads another checkout; every other argument is Qt Test's.
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);
    QList<char *> rest;
    for (int i = 0; i < argc; ++i) {
        if (qstrcmp(argv[i], "-source-dir") == 0 && i + 1 < argc) {
            sourceDirOverride = args.at(++i);
            continue;
        }
        rest << argv[i];
    }
    QCoreApplication app(argc, argv);
    TestLayers test;
    return QTest::qExec(&test, int(rest.size()), rest.data());
}

#include "tst_layers.moc"
