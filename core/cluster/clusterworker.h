#pragma once

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

namespace obleth::cluster {

/// The thread where this instance waits on the shared PostgreSQL for its cluster chores (contract section 15): the
/// heartbeat of the instance registry and the configuration watcher's LISTEN and version checks. A database that
/// hangs (its connections open, nothing answering) then holds up these chores, never a request, the status or the
/// Management API's reads of the snapshot.
///
/// The objects it is given are made on its thread (their QSqlDatabase connections belong to it), live there, and are
/// deleted there when it stops. Stopping waits kStopWaitMs for them at most: past that (a database that still hangs),
/// the thread is left to the process's exit rather than the gateway's shutdown hanging with it.
class ClusterWorker final
{
public:
    ClusterWorker();
    ~ClusterWorker();
    Q_DISABLE_COPY_MOVE(ClusterWorker)

    /// Makes an object with @p make on the worker's thread (waits for it: @p make must not touch the database) and
    /// keeps it there; what it returns may be used from other threads only as thread-safe as its class says.
    template<typename T> T *make(const std::function<std::unique_ptr<T>()> &make)
    {
        T *made = nullptr;
        runAndWait([&] { made = adopt(make()); });
        return made;
    }
    /// Runs @p call on the worker's thread, later (with the database: start(), a check).
    void post(std::function<void()> call);
    /// @p last runs on the worker's thread before its objects are deleted there (a clean stop's last word).
    void setLastWords(std::function<void()> last) { m_lastWords = std::move(last); }

    static constexpr int kStopWaitMs = 3'000;

private:
    template<typename T> T *adopt(std::unique_ptr<T> object)
    {
        T *raw = object.release();
        raw->setParent(m_root);
        return raw;
    }
    void runAndWait(const std::function<void()> &call);

    std::unique_ptr<QThread> m_thread;
    QObject *m_root = nullptr; ///< lives on the thread; the objects' parent
    std::function<void()> m_lastWords;
};

} // namespace obleth::cluster
