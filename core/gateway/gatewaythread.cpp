#include "gatewaythread.h"

namespace obleth::gateway {

GatewayThread::GatewayThread(GatewayOptions options, QObject *parent)
    : QObject(parent)
    , m_gateway(new Gateway(std::move(options)))
{
    m_thread.setObjectName(QStringLiteral("obleth-gateway"));
    m_gateway->moveToThread(&m_thread);
    connect(m_gateway, &Gateway::started, this, &GatewayThread::started);
    connect(m_gateway, &Gateway::startFailed, this, &GatewayThread::startFailed);
    connect(m_gateway, &Gateway::stopped, this, &GatewayThread::stopped);
    m_thread.start();
}

GatewayThread::~GatewayThread()
{
    // Destroy the gateway in its own thread, where its sockets and database connection live.
    QMetaObject::invokeMethod(
        m_gateway, [gw = m_gateway] { delete gw; }, Qt::BlockingQueuedConnection);
    m_gateway = nullptr;
    m_thread.quit();
    m_thread.wait();
}

void GatewayThread::start()
{
    QMetaObject::invokeMethod(m_gateway, &Gateway::start, Qt::QueuedConnection);
}

void GatewayThread::shutdown(int graceMs)
{
    QMetaObject::invokeMethod(
        m_gateway, [gw = m_gateway, graceMs] { gw->shutdown(graceMs); }, Qt::QueuedConnection);
}

} // namespace obleth::gateway
