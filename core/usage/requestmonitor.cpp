#include "requestmonitor.h"

namespace obleth::usage {

RequestMonitor::RequestMonitor(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<RequestRecord>();
    qRegisterMetaType<RequestStarted>();
    qRegisterMetaType<RequestProgress>();
}

} // namespace obleth::usage
