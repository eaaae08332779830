#include "cli.h"

#include <QCommandLineParser>
#include <QUrl>

namespace obleth::app {

namespace {

bool parsePort(const QString &text, const QString &what, quint16 *out, QString *error)
{
    bool ok = false;
    const uint v = text.trimmed().toUInt(&ok);
    if (!ok || v > 65535) {
        *error = QStringLiteral("%1 must be a port number from 0 to 65535, not '%2'").arg(what, text.left(64));
        return false;
    }
    *out = quint16(v);
    return true;
}

bool parseHost(const QString &text, const QString &what, QHostAddress *out, QString *error)
{
    const QString t = text.trimmed();
    if (t.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0) {
        *out = QHostAddress(QHostAddress::LocalHost);
        return true;
    }
    QHostAddress address;
    if (!address.setAddress(t)) {
        *error
            = QStringLiteral("%1 must be an IP address such as 127.0.0.1 or 0.0.0.0, not '%2'").arg(what, t.left(64));
        return false;
    }
    *out = address;
    return true;
}

// A URL's password never reaches an error message: the URL is named by where it came from.
bool parseDatabaseUrl(const QString &text, const QString &what, QString *out, QString *error)
{
    if (text.startsWith(QLatin1String("sqlite:"))) {
        if (text.size() == int(qstrlen("sqlite:"))) {
            *error = QStringLiteral("%1: sqlite: needs a file's path (sqlite:/var/lib/obleth/obleth.db)").arg(what);
            return false;
        }
        *out = text;
        return true;
    }
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != QLatin1String("postgresql") && scheme != QLatin1String("postgres"))
        || url.host().isEmpty() || url.path().size() < 2) {
        *error = QStringLiteral("%1 must be sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE").arg(what);
        return false;
    }
    *out = text;
    return true;
}

bool parseRedisUrl(const QString &text, const QString &what, QString *out, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    bool dbOk = true;
    const QString path = url.path();
    if (path.size() > 1)
        path.mid(1).toUInt(&dbOk);
    if (!url.isValid() || url.scheme() != QLatin1String("redis") || url.host().isEmpty() || !dbOk) {
        *error = QStringLiteral("%1 must be redis://HOST:PORT or redis://HOST:PORT/DB").arg(what);
        return false;
    }
    *out = text;
    return true;
}

bool parseLogLevel(const QString &text, const QString &what, CliOptions::LogLevel *out, QString *error)
{
    static const std::pair<QLatin1String, CliOptions::LogLevel> levels[] = {
        {QLatin1String("error"), CliOptions::LogLevel::Error},
        {QLatin1String("warning"), CliOptions::LogLevel::Warning},
        {QLatin1String("info"), CliOptions::LogLevel::Info},
        {QLatin1String("debug"), CliOptions::LogLevel::Debug},
    };
    const QString t = text.trimmed();
    for (const auto &[name, level] : levels) {
        if (t.compare(name, Qt::CaseInsensitive) == 0) {
            *out = level;
            return true;
        }
    }
    *error = QStringLiteral("%1 must be error, warning, info or debug, not '%2'").arg(what, t.left(64));
    return false;
}

bool parseUpstream(const QString &text, const QString &what, QUrl *out, QString *error)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        || url.host().isEmpty()) {
        *error = QStringLiteral("%1 must be an http:// or https:// URL, not '%2'").arg(what, text.left(128));
        return false;
    }
    *out = url;
    return true;
}

} // namespace

QString CliOptions::exposureWarning() const
{
    if (mode == Mode::MockUpstream || gateway.host.isLoopback() || !gateway.tlsCertFile.isEmpty())
        return {};
    return QStringLiteral("warning: the data plane listens on %1 without TLS: API keys and prompts cross the network "
                          "in plain text (see --tls-cert and --tls-key)")
        .arg(gateway.host.toString());
}

QString CliOptions::loggingRules(LogLevel level)
{
    // Critical messages are always shown. QT_LOGGING_RULES is applied after these rules, so it still wins for
    // the categories and levels it names.
    const auto rule = [](const char *type, bool on) -> QString {
        return QStringLiteral("obleth.*.") + QLatin1String(type) + QLatin1String(on ? "=true\n" : "=false\n");
    };
    return rule("warning", level >= LogLevel::Warning) + rule("info", level >= LogLevel::Info)
        + rule("debug", level >= LogLevel::Debug);
}

QString CliOptions::helpText()
{
    return QStringLiteral(
        "Usage: obleth [--server | --mock-upstream] [options]\n"
        "\n"
        "An OpenAI-compatible gateway for local and remote LLM backends.\n"
        "\n"
        "Modes:\n"
        "  (none)                 tray app with the gateway running inside it\n"
        "  --server               headless gateway (no display needed)\n"
        "  --mock-upstream        only the built-in mock OpenAI backend, on --port [8089]\n"
        "\n"
        "Options (flags override environment variables):\n"
        "  --host ADDR            address the data plane binds [127.0.0.1]      OBLETH_HOST\n"
        "  --admin-host ADDR      address the Management API binds [loopback]   OBLETH_ADMIN_HOST\n"
        "  --port N               data plane port; 0 = any free port [8088]     OBLETH_PORT\n"
        "  --admin-port N         Management API port; 0 = any free [9090]      OBLETH_ADMIN_PORT\n"
        "  --data-dir DIR         database and state [platform app-data dir]    OBLETH_DATA_DIR\n"
        "  --upstream URL         default upstream for other paths [none]       OBLETH_UPSTREAM\n"
        "  --database URL         sqlite:PATH or postgresql://USER:PASS@HOST:PORT/DB\n"
        "                         [sqlite: DATA_DIR/obleth.db]                  OBLETH_DATABASE_URL\n"
        "  --redis URL            redis://HOST:PORT[/DB]: limits shared by instances [none] OBLETH_REDIS_URL\n"
        "  --log-level LEVEL      error, warning, info or debug [info]          OBLETH_LOG_LEVEL\n"
        "  --tls-cert FILE        PEM certificate: both listeners speak HTTPS   OBLETH_TLS_CERT\n"
        "  --tls-key FILE         PEM private key of --tls-cert                 OBLETH_TLS_KEY\n"
        "                         admin token [generated into DATA_DIR/admin-token] OBLETH_ADMIN_TOKEN\n"
        "  -h, --help             show this help\n"
        "  -v, --version          show the version\n"
        "\n"
        "Once both listeners are up, --server prints:\n"
        "  obleth listening data=http://HOST:PORT admin=http://HOST:ADMIN_PORT\n"
        "(https:// with --tls-cert and --tls-key).\n");
}

bool CliOptions::parse(const QStringList &arguments, const QProcessEnvironment &env, CliOptions *out, QString *error)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption server(QStringLiteral("server"));
    const QCommandLineOption mock(QStringLiteral("mock-upstream"));
    const QCommandLineOption host(QStringLiteral("host"), {}, QStringLiteral("ADDR"));
    const QCommandLineOption port(QStringLiteral("port"), {}, QStringLiteral("N"));
    const QCommandLineOption adminPort(QStringLiteral("admin-port"), {}, QStringLiteral("N"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), {}, QStringLiteral("DIR"));
    const QCommandLineOption upstream(QStringLiteral("upstream"), {}, QStringLiteral("URL"));
    const QCommandLineOption adminHost(QStringLiteral("admin-host"), {}, QStringLiteral("ADDR"));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"), {}, QStringLiteral("FILE"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"), {}, QStringLiteral("FILE"));
    const QCommandLineOption logLevel(QStringLiteral("log-level"), {}, QStringLiteral("LEVEL"));
    const QCommandLineOption database(QStringLiteral("database"), {}, QStringLiteral("URL"));
    const QCommandLineOption redis(QStringLiteral("redis"), {}, QStringLiteral("URL"));
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    const QCommandLineOption version(QStringList{QStringLiteral("v"), QStringLiteral("version")});
    parser.addOptions({server, mock, host, port, adminPort, dataDir, upstream, adminHost, tlsCert, tlsKey, logLevel,
                       database, redis, help, version});
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return false;
    }
    if (!parser.positionalArguments().isEmpty()) {
        *error = QStringLiteral("unexpected argument '%1' (see --help)")
                     .arg(parser.positionalArguments().first().left(64));
        return false;
    }
    CliOptions o;
    if (parser.isSet(help)) {
        out->mode = Mode::Help;
        return true;
    }
    if (parser.isSet(version)) {
        out->mode = Mode::Version;
        return true;
    }
    if (parser.isSet(server) && parser.isSet(mock)) {
        *error = QStringLiteral("--server and --mock-upstream cannot be used together");
        return false;
    }
    o.mode = parser.isSet(server) ? Mode::Server : parser.isSet(mock) ? Mode::MockUpstream : Mode::Gui;

    // Each setting: the flag if given, else the environment variable if set.
    auto setting = [&](const QCommandLineOption &flag, const QString &var, QString *value, QString *what) {
        if (parser.isSet(flag)) {
            *value = parser.value(flag);
            *what = QStringLiteral("--") + flag.names().constFirst();
            return true;
        }
        if (env.contains(var)) {
            *value = env.value(var);
            *what = var;
            return true;
        }
        return false;
    };
    QString value;
    QString what;
    if (setting(host, QStringLiteral("OBLETH_HOST"), &value, &what) && !parseHost(value, what, &o.gateway.host, error))
        return false;
    // The Management API stays on loopback unless asked; with --host ::1 it follows to IPv6's loopback.
    o.gateway.adminHost = o.gateway.host.isLoopback() ? o.gateway.host : QHostAddress(QHostAddress::LocalHost);
    if (setting(adminHost, QStringLiteral("OBLETH_ADMIN_HOST"), &value, &what)
        && !parseHost(value, what, &o.gateway.adminHost, error)) {
        return false;
    }
    const bool certGiven = setting(tlsCert, QStringLiteral("OBLETH_TLS_CERT"), &o.gateway.tlsCertFile, &what);
    const bool keyGiven = setting(tlsKey, QStringLiteral("OBLETH_TLS_KEY"), &o.gateway.tlsKeyFile, &what);
    if (certGiven != keyGiven || (certGiven && (o.gateway.tlsCertFile.isEmpty() || o.gateway.tlsKeyFile.isEmpty()))) {
        *error = QStringLiteral("--tls-cert and --tls-key go together: give both files, or neither");
        return false;
    }
    if (o.mode == Mode::MockUpstream) {
        if (parser.isSet(port) && !parsePort(parser.value(port), QStringLiteral("--port"), &o.mockPort, error))
            return false;
    } else if (setting(port, QStringLiteral("OBLETH_PORT"), &value, &what)
               && !parsePort(value, what, &o.gateway.dataPort, error)) {
        return false;
    }
    if (setting(adminPort, QStringLiteral("OBLETH_ADMIN_PORT"), &value, &what)
        && !parsePort(value, what, &o.gateway.adminPort, error)) {
        return false;
    }
    if (setting(dataDir, QStringLiteral("OBLETH_DATA_DIR"), &value, &what)) {
        if (value.trimmed().isEmpty()) {
            *error = QStringLiteral("%1 must not be empty").arg(what);
            return false;
        }
        o.gateway.dataDir = value;
        o.dataDirGiven = true;
    }
    if (setting(upstream, QStringLiteral("OBLETH_UPSTREAM"), &value, &what) && !value.isEmpty()
        && !parseUpstream(value, what, &o.gateway.upstream, error)) {
        return false;
    }
    if (setting(logLevel, QStringLiteral("OBLETH_LOG_LEVEL"), &value, &what)) {
        CliOptions::LogLevel level{};
        if (!parseLogLevel(value, what, &level, error))
            return false;
        o.logLevel = level;
    }
    if (setting(database, QStringLiteral("OBLETH_DATABASE_URL"), &value, &what) && !value.isEmpty()
        && !parseDatabaseUrl(value, what, &o.gateway.databaseUrl, error)) {
        return false;
    }
    if (setting(redis, QStringLiteral("OBLETH_REDIS_URL"), &value, &what) && !value.isEmpty()
        && !parseRedisUrl(value, what, &o.gateway.redisUrl, error)) {
        return false;
    }
    o.gateway.adminToken = env.value(QStringLiteral("OBLETH_ADMIN_TOKEN"));
    *out = o;
    return true;
}

} // namespace obleth::app
