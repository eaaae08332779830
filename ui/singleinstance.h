#pragma once

#include <QLocalServer>
#include <QObject>

namespace obleth::ui {

/// One obleth GUI per data folder: the first claims a local socket named after the user and the folder;
/// a second one finds it, asks the first to bring its window forward, and exits instead of failing on the
/// ports.
class SingleInstance final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SingleInstance)

public:
    explicit SingleInstance(const QString &dataDir, QObject *parent = nullptr);

    /// True when this is now the running instance; false when another one runs (it has been told to show
    /// its window).
    bool claim();
    [[nodiscard]] const QString &name() const noexcept { return m_name; }

Q_SIGNALS:
    /// A second instance started: show the window.
    void activationRequested();

private:
    QString m_name;
    QLocalServer m_server;
};

} // namespace obleth::ui
