#include "signalwatcher.h"

#include <QCoreApplication>

#ifdef Q_OS_UNIX
#include <QSocketNotifier>

#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#else
#include <windows.h>

#include <atomic>
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
// The console handler runs on a thread of its own that Windows starts for each event.
std::atomic<SignalWatcher *> s_watcher{nullptr};
HANDLE s_stopped = nullptr; ///< set when the watcher goes, i.e. once main() has drained and is returning

BOOL WINAPI onConsoleEvent(DWORD event)
{
    if (SignalWatcher *watcher = s_watcher.load())
        QMetaObject::invokeMethod(watcher, &SignalWatcher::onSignal, Qt::QueuedConnection);
    // Ctrl+C and Ctrl+Break: handled, the process goes on and drains. Closing the console, signing out and
    // shutting down end the process as soon as this handler returns, so hold it until the drain is over
    // (Windows allows about 5 s for a console close).
    if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT)
        WaitForSingleObject(s_stopped, 4500);
    return TRUE;
}
} // namespace

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent)
{
    s_stopped = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    s_watcher = this;
    SetConsoleCtrlHandler(onConsoleEvent, TRUE);
}

SignalWatcher::~SignalWatcher()
{
    s_watcher = nullptr;
    if (s_stopped)
        SetEvent(s_stopped);
    SetConsoleCtrlHandler(onConsoleEvent, FALSE);
}

void SignalWatcher::onSignal()
{
    Q_EMIT terminationRequested(++m_count);
}
#endif

} // namespace obleth::app
