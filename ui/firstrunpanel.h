#pragma once

#include <QGroupBox>
#include <QList>
#include <QPair>

QT_BEGIN_NAMESPACE
class QLabel;
class QPushButton;
class QVBoxLayout;
QT_END_NAMESPACE

namespace obleth::discovery {
class BackendProbe;
}

namespace obleth::ui {

class GatewayLink;

/// What a first start with no model shows: the local model servers discovery found (Ollama, LM Studio,
/// llama.cpp, vLLM, …) with their models and a "Use this" button that registers every model a server serves;
/// "Look again"; and, when nothing answered, what to do (start a server, add a model by hand, try mock-model).
class FirstRunPanel final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FirstRunPanel)

public:
    explicit FirstRunPanel(GatewayLink *link, QWidget *parent = nullptr);

    /// Where discovery looks (the usual local servers unless a test sets others).
    void setDiscoveryPorts(const QList<QPair<QString, quint16>> &ports) { m_ports = ports; }
    /// Probes the local servers again; an answer to an earlier look that comes late is dropped.
    void lookAgain();
    /// Whether discovery ran at least once (the page starts it when the panel first shows).
    [[nodiscard]] bool hasLooked() const noexcept { return m_generation > 0; }
    [[nodiscard]] bool isLooking() const noexcept { return m_looking; }

    [[nodiscard]] QPushButton *lookAgainButton() const noexcept { return m_lookAgain; }
    [[nodiscard]] QPushButton *addByHandButton() const noexcept { return m_addByHand; }
    /// One "Use this" button per server found, in the order they are listed.
    [[nodiscard]] const QList<QPushButton *> &useButtons() const noexcept { return m_useButtons; }
    /// The servers found as listed ("Ollama at http://127.0.0.1:11434/v1: llama3, qwen3"), one line each.
    [[nodiscard]] QStringList serversShown() const;
    /// What to do when no server answered (hidden otherwise).
    [[nodiscard]] QLabel *emptyState() const noexcept { return m_empty; }
    /// The outcome of the last action (looking, found, registered, a refusal).
    [[nodiscard]] QLabel *message() const noexcept { return m_message; }

Q_SIGNALS:
    /// The user wants to add a model by hand (on the Models page).
    void addByHandRequested();

private:
    struct Found
    {
        QString name;
        QString apiBase;
        QStringList models;
    };
    void showServers(const QList<Found> &servers);
    void use(const Found &server, QPushButton *button);

    GatewayLink *m_link;
    discovery::BackendProbe *m_probe;
    QVBoxLayout *m_servers;
    QList<QWidget *> m_serverRows;
    QList<QPushButton *> m_useButtons;
    QLabel *m_empty;
    QLabel *m_message;
    QPushButton *m_lookAgain;
    QPushButton *m_addByHand;
    QList<QPair<QString, quint16>> m_ports;
    int m_generation = 0;
    bool m_looking = false;
};

} // namespace obleth::ui
