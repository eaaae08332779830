#pragma once

#include <QObject>

namespace obleth::app {

/// Turns SIGINT and SIGTERM (Ctrl+C and console close on Windows) into a Qt signal in the main thread.
class SignalWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalWatcher)

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    /// Called (in the main thread) once per signal received.
    void onSignal();

Q_SIGNALS:
    /// @p count is 1 for the first request to stop, 2 for the next one, and so on.
    void terminationRequested(int count);

private:
    int m_count = 0;
};

} // namespace obleth::app
