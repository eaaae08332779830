#include "clusterworker.h"

#include "platform/logging.h"

#include <QMetaObject>

namespace obleth::cluster {

ClusterWorker::ClusterWorker()
    : m_thread(std::make_unique<QThread>())
{
    m_thread->setObjectName(QStringLiteral("obleth-cluster"));
    m_root = new QObject;
    m_root->moveToThread(m_thread.get());
    m_thread->start();
}

ClusterWorker::~ClusterWorker()
{
    QObject *root = m_root;
    QThread *thread = m_thread.get();
    std::function<void()> last = std::move(m_lastWords);
    QMetaObject::invokeMethod(
        root,
        [root, thread, last] {
            if (last)
                last();
            delete root; // and its children, the chores, on their own thread
            thread->quit();
        },
        Qt::QueuedConnection);
    if (!m_thread->wait(kStopWaitMs)) {
        qCWarning(lcCluster).noquote() << "the database did not answer within" << kStopWaitMs
                                       << "ms; stopping without waiting for it";
        (void)m_thread.release(); // still waiting on the database: the process's exit ends it
    }
}

void ClusterWorker::post(std::function<void()> call)
{
    QMetaObject::invokeMethod(m_root, std::move(call), Qt::QueuedConnection);
}

void ClusterWorker::runAndWait(const std::function<void()> &call)
{
    Q_ASSERT_X(QThread::currentThread() != m_thread.get(), "ClusterWorker::make", "called on the worker's own thread");
    QMetaObject::invokeMethod(m_root, call, Qt::BlockingQueuedConnection);
}

} // namespace obleth::cluster
