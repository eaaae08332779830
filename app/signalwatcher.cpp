#include "signalwatcher.h"

#include <QCoreApplication>

#ifdef Q_OS_UNIX
#include <QSocketNotifier>

#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#include <QPointer>
#include <windows.h>
#endif

namespace obleth::app {

#ifdef Q_OS_UNIX
namespace {
int s_pipe[2] = {-1, -1};

void onPosixSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(s_pipe[0], &byte, 1);
}
} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_pipe) != 0)
        return;
    ::fcntl(s_pipe[0], F_SETFL, O_NONBLOCK);
    ::fcntl(s_pipe[1], F_SETFL, O_NONBLOCK);
    auto *notifier = new QSocketNotifier(s_pipe[1], QSocketNotifier::Read, this);
    connect(notifier, &QSocketNotifier::activated, this, &SignalWatcher::onSignal);
    struct sigaction action = {};
    action.sa_handler = onPosixSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

SignalWatcher::~SignalWatcher()
{
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
}

void SignalWatcher::onSignal()
{
    char buffer[16];
    while (::read(s_pipe[1], buffer, sizeof buffer) > 0) {
        Q_EMIT terminationRequested(++m_count);
    }
}
#else
namespace {
QPointer<SignalWatcher> s_watcher;

BOOL WINAPI onConsoleEvent(DWORD)
{
    if (s_watcher)
        QMetaObject::invokeMethod(s_watcher.data(), &SignalWatcher::onSignal, Qt::QueuedConnection);
    return TRUE;
}
} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    s_watcher = this;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

SignalWatcher::~SignalWatcher()
{
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
}

void SignalWatcher::onSignal()
{
    Q_EMIT terminationRequested(++m_count);
}
#endif

} // namespace obleth::app
