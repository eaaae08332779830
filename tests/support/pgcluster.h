#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace obleth::test {

/// A throwaway PostgreSQL cluster for one test: initdb into a temporary folder, then pg_ctl on a free loopback port,
/// with a user `obleth` whose password the URL carries (password authentication over TCP, as a real deployment has).
/// As root (CI), the server runs as the `postgres` user that Debian's package creates, through runuser. The cluster
/// is stopped and removed when the object goes.
///
/// When PostgreSQL is not installed, ok() is false and why() says so: the test skips with that message, unless
/// OBLETH_REQUIRE_ENGINES=1 (CI), where it fails instead.
class PgCluster
{
public:
    PgCluster();
    ~PgCluster();
    Q_DISABLE_COPY_MOVE(PgCluster)

    [[nodiscard]] bool ok() const noexcept { return m_running; }
    [[nodiscard]] const QString &why() const noexcept { return m_why; }
    [[nodiscard]] quint16 port() const noexcept { return m_port; }

    /// postgresql://obleth:PASSWORD@127.0.0.1:PORT/@p database
    [[nodiscard]] QString url(const QString &database = QStringLiteral("obleth")) const;
    /// Creates @p database (owned by obleth); false with why() set on failure.
    bool createDatabase(const QString &database);
    /// Runs @p sql through psql on @p database; its output (tuples only, unaligned), or a null string on failure.
    QString psql(const QString &sql, const QString &database = QStringLiteral("obleth"));

    /// Stops the server (fast shutdown: clients are disconnected), and starts it again on the same port and data.
    bool stop();
    bool start();
    /// Freezes the server and every backend (SIGSTOP), as a hung database host looks: connections stay open and
    /// nothing answers. resume() (SIGCONT) lets them go on; the destructor resumes a frozen server first.
    bool freeze();
    bool resume();

    /// True when the engines must be there (OBLETH_REQUIRE_ENGINES=1): a test fails rather than skips without them.
    [[nodiscard]] static bool enginesRequired();

private:
    bool run(const QString &program, const QStringList &args, QString *output = nullptr, int timeoutMs = 60'000);
    /// Sends @p signal to the postmaster and each of its children.
    bool signalAll(int signal);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_bin; ///< the folder of initdb, pg_ctl and postgres
    QString m_dataDir;
    QString m_password;
    quint16 m_port = 0;
    bool m_asPostgresUser = false;
    bool m_running = false;
    bool m_frozen = false;
    QString m_why;
};

/// Skips (or, with OBLETH_REQUIRE_ENGINES=1, fails) the test when @p engine is not ok().
#define OBLETH_REQUIRE_ENGINE(engine)                                                                                  \
    do {                                                                                                               \
        if (!(engine).ok()) {                                                                                          \
            if (obleth::test::PgCluster::enginesRequired())                                                            \
                QFAIL(qPrintable((engine).why()));                                                                     \
            QSKIP(qPrintable((engine).why()));                                                                         \
        }                                                                                                              \
    } while (false)

} // namespace obleth::test
