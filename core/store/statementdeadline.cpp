#include "statementdeadline.h"

#include "platform/logging.h"

#include <QSqlDriver>
#include <QVariant>

#include <atomic>

#if defined(OBLETH_HAVE_LIBPQ) && defined(Q_OS_UNIX)
#include <libpq-fe.h>

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
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

/// A socket as it was when a deadline was armed: its descriptor and both ends.
struct Watched
{
    int fd = -1;
    sockaddr_storage local{};
    socklen_t localLength = 0;
    sockaddr_storage peer{};
    socklen_t peerLength = 0;
    Clock::time_point deadline;

    [[nodiscard]] bool stillTheSame() const
    {
        sockaddr_storage local2{};
        socklen_t localLength2 = sizeof(local2);
        sockaddr_storage peer2{};
        socklen_t peerLength2 = sizeof(peer2);
        return ::getsockname(fd, reinterpret_cast<sockaddr *>(&local2), &localLength2) == 0
            && ::getpeername(fd, reinterpret_cast<sockaddr *>(&peer2), &peerLength2) == 0 && localLength2 == localLength
            && peerLength2 == peerLength && std::memcmp(&local2, &local, localLength) == 0
            && std::memcmp(&peer2, &peer, peerLength) == 0;
    }
};

/// The one thread that watches every armed deadline of the process.
class Watchdog
{
public:
    static Watchdog &instance()
    {
        static Watchdog watchdog;
        return watchdog;
    }

    quint64 arm(const Watched &watched)
    {
        const std::lock_guard lock(m_mutex);
        if (!m_thread.joinable())
            m_thread = std::thread([this] { run(); });
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

    ~Watchdog()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    Watchdog() = default;

    void run()
    {
        std::unique_lock lock(m_mutex);
        while (!m_stopping) {
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
        // Under the lock: the owner is still inside its statement (it disarms before it goes on), so the descriptor
        // is still its connection's unless the connection was opened anew within the deadline (then it differs).
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
    bool m_stopping = false;
    std::thread m_thread;
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
    watched.localLength = sizeof(watched.local);
    watched.peerLength = sizeof(watched.peer);
    if (watched.fd < 0
        || ::getsockname(watched.fd, reinterpret_cast<sockaddr *>(&watched.local), &watched.localLength) != 0
        || ::getpeername(watched.fd, reinterpret_cast<sockaddr *>(&watched.peer), &watched.peerLength) != 0) {
        return;
    }
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

int StatementDeadline::connectionsCut()
{
    return g_cut.load();
}

} // namespace obleth::store
