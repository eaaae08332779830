#include "pgcluster.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

namespace obleth::test {

namespace {
/// The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/VERSION/bin (newest first).
QString postgresBin()
{
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("initdb"));
    if (!onPath.isEmpty())
        return QFileInfo(onPath).canonicalPath();
    QDir lib(QStringLiteral("/usr/lib/postgresql"));
    QStringList versions = lib.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &v : versions) {
        const QString bin = lib.filePath(v + QStringLiteral("/bin"));
        if (QFileInfo::exists(bin + QStringLiteral("/initdb")))
            return bin;
    }
    return {};
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool chownTo(const QString &path, const struct passwd *user)
{
    return ::chown(QFile::encodeName(path).constData(), user->pw_uid, user->pw_gid) == 0;
}
} // namespace

bool PgCluster::enginesRequired()
{
    return qEnvironmentVariableIntValue("OBLETH_REQUIRE_ENGINES") == 1;
}

PgCluster::PgCluster()
{
    m_bin = postgresBin();
    if (m_bin.isEmpty()) {
        m_why = QStringLiteral("PostgreSQL is not installed (initdb not found); scripts/install-deps.sh --tests "
                               "installs it");
        return;
    }
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/obleth-pg-XXXXXX"));
    if (!m_dir->isValid()) {
        m_why = QStringLiteral("no temporary folder for PostgreSQL");
        return;
    }
    m_dataDir = m_dir->filePath(QStringLiteral("data"));
    const QString pwFile = m_dir->filePath(QStringLiteral("pw"));
    m_password = QString::number(QRandomGenerator::system()->generate64(), 36);
    {
        QFile pw(pwFile);
        if (!pw.open(QIODevice::WriteOnly) || pw.write(m_password.toLatin1() + '\n') < 0) {
            m_why = QStringLiteral("cannot write PostgreSQL's password file");
            return;
        }
    }
    if (::geteuid() == 0) {
        // initdb and postgres refuse to run as root: Debian's postgresql package brings a postgres user.
        const struct passwd *postgres = ::getpwnam("postgres");
        if (!postgres) {
            m_why = QStringLiteral("running as root, and there is no postgres user to run PostgreSQL as");
            return;
        }
        m_asPostgresUser = true;
        if (!chownTo(m_dir->path(), postgres) || !chownTo(pwFile, postgres)) {
            m_why = QStringLiteral("cannot give the temporary folder to the postgres user");
            return;
        }
    }
    QString output;
    if (!run(m_bin + QStringLiteral("/initdb"),
             {QStringLiteral("-D"), m_dataDir, QStringLiteral("-U"), QStringLiteral("obleth"),
              QStringLiteral("--pwfile=") + pwFile, QStringLiteral("--auth-local=trust"),
              QStringLiteral("--auth-host=scram-sha-256"), QStringLiteral("-E"), QStringLiteral("UTF8"),
              QStringLiteral("--locale=C"), QStringLiteral("--no-sync")},
             &output)) {
        m_why = QStringLiteral("initdb failed: ") + output.trimmed();
        return;
    }
    m_port = freePort();
    if (!start())
        return;
    if (!createDatabase(QStringLiteral("obleth")))
        stop();
}

PgCluster::~PgCluster()
{
    if (m_frozen)
        resume();
    if (m_running)
        stop();
}

bool PgCluster::run(const QString &program, const QStringList &args, QString *output, int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (m_asPostgresUser)
        p.start(QStringLiteral("runuser"),
                QStringList{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program} + args);
    else
        p.start(program, args);
    const bool finished = p.waitForFinished(timeoutMs);
    if (output)
        *output = QString::fromLocal8Bit(p.readAll());
    if (!finished) {
        p.kill();
        p.waitForFinished();
        return false;
    }
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool PgCluster::start()
{
    if (m_port == 0) {
        m_why = QStringLiteral("no free port for PostgreSQL");
        return false;
    }
    const QString options = QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off "
                                           "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
                                .arg(m_port)
                                .arg(m_dir->path());
    QString output;
    if (!run(m_bin + QStringLiteral("/pg_ctl"),
             {QStringLiteral("-D"), m_dataDir, QStringLiteral("-l"), m_dir->filePath(QStringLiteral("log")),
              QStringLiteral("-o"), options, QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("60"),
              QStringLiteral("start")},
             &output)) {
        QFile log(m_dir->filePath(QStringLiteral("log")));
        const QString tail
            = log.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(log.readAll().right(2000)) : QString();
        m_why = QStringLiteral("pg_ctl start failed: ") + output.trimmed() + QLatin1Char(' ') + tail;
        return false;
    }
    m_running = true;
    return true;
}

bool PgCluster::stop()
{
    QString output;
    const bool stopped = run(m_bin + QStringLiteral("/pg_ctl"),
                             {QStringLiteral("-D"), m_dataDir, QStringLiteral("-m"), QStringLiteral("fast"),
                              QStringLiteral("-w"), QStringLiteral("stop")},
                             &output);
    m_running = false;
    if (!stopped)
        m_why = QStringLiteral("pg_ctl stop failed: ") + output.trimmed();
    return stopped;
}

bool PgCluster::signalAll(int signal)
{
    // The postmaster's pid is the first line of postmaster.pid; its children are those whose stat names it as parent.
    QFile pidFile(m_dataDir + QStringLiteral("/postmaster.pid"));
    if (!pidFile.open(QIODevice::ReadOnly)) {
        m_why = QStringLiteral("no postmaster.pid");
        return false;
    }
    const pid_t postmaster = pid_t(pidFile.readLine().trimmed().toLongLong());
    if (postmaster <= 0)
        return false;
    QList<pid_t> pids{postmaster};
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool number = false;
        const pid_t pid = pid_t(entry.toLongLong(&number));
        if (!number)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // pid (comm) state ppid ...: the fields after the last ')'.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && pid_t(fields.at(1).toLongLong()) == postmaster)
            pids.append(pid);
    }
    bool all = true;
    for (const pid_t pid : pids)
        all = ::kill(pid, signal) == 0 && all;
    return all;
}

bool PgCluster::freeze()
{
    m_frozen = signalAll(SIGSTOP);
    return m_frozen;
}

bool PgCluster::resume()
{
    const bool resumed = signalAll(SIGCONT);
    m_frozen = m_frozen && !resumed;
    return resumed;
}

QString PgCluster::url(const QString &database) const
{
    return QStringLiteral("postgresql://obleth:%1@127.0.0.1:%2/%3").arg(m_password).arg(m_port).arg(database);
}

QString PgCluster::psql(const QString &sql, const QString &database)
{
    const QString psqlPath = QFileInfo::exists(m_bin + QStringLiteral("/psql"))
        ? m_bin + QStringLiteral("/psql")
        : QStandardPaths::findExecutable(QStringLiteral("psql"));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PGPASSWORD"), m_password);
    p.setProcessEnvironment(env);
    p.start(psqlPath,
            {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-A"), QStringLiteral("-t"),
             QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
             QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"), QStringLiteral("obleth"),
             QStringLiteral("-d"), database, QStringLiteral("-c"), sql});
    if (!p.waitForFinished(60'000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        m_why = QStringLiteral("psql failed: ") + QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
        p.kill();
        return {};
    }
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    return out.isNull() ? QStringLiteral("") : out.trimmed();
}

bool PgCluster::createDatabase(const QString &database)
{
    return !psql(QStringLiteral("CREATE DATABASE \"%1\" OWNER obleth").arg(database), QStringLiteral("postgres"))
                .isNull();
}

} // namespace obleth::test
