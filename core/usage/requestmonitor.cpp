#include "requestmonitor.h"

namespace obleth::usage {

RequestMonitor::RequestMonitor(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<model::RequestRecord>();
    qRegisterMetaType<model::RequestStarted>();
    qRegisterMetaType<model::RequestProgress>();
}

} // namespace obleth::usage
