#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QListWidget;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace obleth::discovery {
class BackendProbe;
}

namespace obleth::ui {

class DeploymentsPane;
class GatewayLink;
class ModelDialog;

/// The model registry: a table with an enable toggle in place, add and edit in a dialog with every field,
/// delete, "Test" (a one-token request to the backend, with its answer and latency or what went wrong),
/// and "Discover" (finds the usual local servers and registers their models in one click). Under the table, the
/// selected model's deployments with their live health, its fallbacks and whether it is auto-routed.
class ModelsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelsPage)

public:
    enum Column {
        Name,
        Upstream,
        ApiBase,
        Enabled,
        Cache,
        MaxConcurrency,
        Prices,
        Deployments,
        Fallbacks,
        AutoRoute,
        Columns
    };

    explicit ModelsPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] QTableWidget *table() const noexcept { return m_table; }
    /// The selected model's deployments and their health.
    [[nodiscard]] DeploymentsPane *deployments() const noexcept { return m_deployments; }
    [[nodiscard]] QPushButton *addButton() const noexcept { return m_add; }
    [[nodiscard]] QPushButton *editButton() const noexcept { return m_edit; }
    [[nodiscard]] QPushButton *testButton() const noexcept { return m_test; }
    [[nodiscard]] QPushButton *discoverButton() const noexcept { return m_discover; }
    [[nodiscard]] QListWidget *discovered() const noexcept { return m_found; }
    [[nodiscard]] QPushButton *registerButton() const noexcept { return m_register; }
    /// The outcome of the last action (test result, a refusal, discovery).
    [[nodiscard]] QLabel *message() const noexcept { return m_message; }
    /// What the table says while no model is registered.
    [[nodiscard]] QLabel *emptyState() const noexcept { return m_empty; }
    /// The open add/edit dialog, if any.
    [[nodiscard]] ModelDialog *dialog() const noexcept { return m_dialog; }
    /// Where Discover looks (the usual local servers unless a test sets others).
    void setDiscoveryPorts(const QList<QPair<QString, quint16>> &ports) { m_ports = ports; }

private:
    void reload();
    [[nodiscard]] QString selectedId() const;
    void openDialog(const QString &id);
    void test();
    void discover();
    void registerDiscovered();

    GatewayLink *m_link;
    discovery::BackendProbe *m_probe;
    QTableWidget *m_table;
    DeploymentsPane *m_deployments;
    QPushButton *m_add;
    QPushButton *m_edit;
    QPushButton *m_delete;
    QPushButton *m_test;
    QPushButton *m_discover;
    QListWidget *m_found;
    QPushButton *m_register;
    QLabel *m_message;
    QLabel *m_empty = nullptr;
    ModelDialog *m_dialog = nullptr;
    QList<QPair<QString, quint16>> m_ports;
    bool m_reloading = false;
};

} // namespace obleth::ui
