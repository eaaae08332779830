#include "requestmonitor.h"

#include "store/requestlog.h"

#include <QMetaMethod>

namespace obleth::usage {

RequestMonitor::RequestMonitor(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<model::RequestRecord>();
    qRegisterMetaType<model::RequestStarted>();
    qRegisterMetaType<model::RequestProgress>();
}

bool RequestMonitor::anyoneHearsStarts() const
{
    static const QMetaMethod signal = QMetaMethod::fromSignal(&RequestMonitor::requestStarted);
    return isSignalConnected(signal);
}

bool RequestMonitor::anyoneHearsProgress() const
{
    static const QMetaMethod signal = QMetaMethod::fromSignal(&RequestMonitor::requestProgress);
    return isSignalConnected(signal);
}

void RequestMonitor::announceFinished(model::RequestRecord &&record)
{
    Q_EMIT requestFinished(record);
    if (!m_log)
        return;
    // What only live views show is not the log's: it would wait in the log's queue for nothing.
    record.requestHeaders.clear();
    record.responseHeaders.clear();
    record.query.clear();
    record.requestBody.clear();
    record.responseBody.clear();
    m_log->append(std::move(record));
}

} // namespace obleth::usage
