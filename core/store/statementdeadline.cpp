#include "statementdeadline.h"

#include "platform/logging.h"

#include <QSqlDriver>
#include <QVariant>

#include <atomic>

#if defined(OBLETH_HAVE_LIBPQ) && defined(Q_OS_UNIX)
#include <libpq-fe.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#define OBLETH_STATEMENT_DEADLINE 1
#endif

namespace obleth::store {

namespace {
std::atomic<int> g_cut{0};

#ifdef OBLETH_STATEMENT_DEADLINE
using Clock = std::chrono::steady_clock;

/// A socket as it was when a deadline was armed: its descriptor and what the descriptor is (its inode: unique to the
/// socket while it is open, so a number reused by another socket, TCP or Unix, never matches).
struct Watched
{
    int fd = -1;
    dev_t device = 0;
    ino_t inode = 0;
    Clock::time_point deadline;

    [[nodiscard]] bool stillTheSame() const
    {
        struct stat now
        {
        };
        return ::fstat(fd, &now) == 0 && S_ISSOCK(now.st_mode) && now.st_dev == device && now.st_ino == inode;
    }
};

/// Whether @p fd is a socket to PostgreSQL on @p port: TCP to that port, or a Unix socket named .s.PGSQL.<port>. A
/// PGconn read through another libpq than the driver's (two copies loaded) gives some other descriptor: not armed.
bool isPostgresSocket(int fd, int port)
{
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &length) != 0)
        return false;
    switch (peer.ss_family) {
    case AF_INET: return ntohs(reinterpret_cast<const sockaddr_in *>(&peer)->sin_port) == port;
    case AF_INET6: return ntohs(reinterpret_cast<const sockaddr_in6 *>(&peer)->sin6_port) == port;
    case AF_UNIX: {
        const char *path = reinterpret_cast<const sockaddr_un *>(&peer)->sun_path;
        const QByteArray name = QByteArray(".s.PGSQL.") + QByteArray::number(port);
        return QByteArray(path).endsWith(name);
    }
    default: return false;
    }
}

/// The one thread that watches every armed deadline of the process.
class Watchdog
{
public:
    static Watchdog &instance()
    {
        // Never destroyed: a thread that still waits on a database when the process exits (the cluster worker
        // left behind, a log thread) may arm or disarm after static destruction.
        static Watchdog *const watchdog = new Watchdog;
        return *watchdog;
    }

    quint64 arm(const Watched &watched)
    {
        const std::lock_guard lock(m_mutex);
        if (!m_running)
            std::thread([this] { run(); }).detach();
        m_running = true;
        const quint64 id = ++m_nextId;
        m_watched.emplace(id, watched);
        m_wake.notify_one();
        return id;
    }

    void disarm(quint64 id)
    {
        const std::lock_guard lock(m_mutex);
        m_watched.erase(id);
    }

private:
    Watchdog() = default;

    void run()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            auto next = Clock::time_point::max();
            const auto now = Clock::now();
            for (auto it = m_watched.begin(); it != m_watched.end();) {
                if (it->second.deadline <= now) {
                    cut(it->second);
                    it = m_watched.erase(it);
                } else {
                    next = std::min(next, it->second.deadline);
                    ++it;
                }
            }
            if (next == Clock::time_point::max())
                m_wake.wait(lock);
            else
                m_wake.wait_until(lock, next);
        }
    }

    static void cut(const Watched &watched)
    {
        // Under the lock, so the owner cannot disarm meanwhile; the descriptor is cut only while it is still the very
        // socket the deadline was armed on (the connection may have been closed and opened anew meanwhile).
        if (!watched.stillTheSame())
            return;
        ::shutdown(watched.fd, SHUT_RDWR);
        g_cut.fetch_add(1);
        qCWarning(lcStore) << "PostgreSQL did not answer a statement in time: its connection was cut";
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<quint64, Watched> m_watched;
    quint64 m_nextId = 0;
    bool m_running = false;
};
#endif
} // namespace

StatementDeadline::StatementDeadline(const QSqlDatabase &db, int ms)
{
#ifdef OBLETH_STATEMENT_DEADLINE
    if (!db.isOpen() || !db.driver())
        return;
    const QVariant handle = db.driver()->handle();
    // PGconn is a typedef of struct pg_conn: Qt 6 names the type by the struct (Qt 5 and Qt's docs: "PGconn*").
    if (!handle.isValid()
        || (qstrcmp(handle.typeName(), "pg_conn*") != 0 && qstrcmp(handle.typeName(), "PGconn*") != 0)) {
        return;
    }
    PGconn *connection = *static_cast<PGconn *const *>(handle.constData());
    if (!connection)
        return;
    Watched watched;
    watched.fd = PQsocket(connection);
    struct stat what
    {
    };
    if (watched.fd < 0 || !isPostgresSocket(watched.fd, db.port() > 0 ? db.port() : 5432)
        || ::fstat(watched.fd, &what) != 0) {
        return;
    }
    watched.device = what.st_dev;
    watched.inode = what.st_ino;
    watched.deadline = Clock::now() + std::chrono::milliseconds(ms);
    m_id = Watchdog::instance().arm(watched);
#else
    Q_UNUSED(db)
    Q_UNUSED(ms)
#endif
}

StatementDeadline::~StatementDeadline()
{
#ifdef OBLETH_STATEMENT_DEADLINE
    if (m_id)
        Watchdog::instance().disarm(m_id);
#endif
}

bool StatementDeadline::isAvailable()
{
#ifdef OBLETH_STATEMENT_DEADLINE
    return true;
#else
    return false;
#endif
}

int StatementDeadline::connectionsCut()
{
    return g_cut.load();
}

} // namespace obleth::store
