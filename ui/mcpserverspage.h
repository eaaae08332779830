#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QDialog;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace obleth::discovery {
class BackendProbe;
}

namespace obleth::ui {

class GatewayLink;

/// MCP servers behind /mcp/{name}: register and edit (name, upstream URL, write-only auth header, enabled,
/// allowed tenants), delete, and test with an MCP `initialize`.
class McpServersPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(McpServersPage)

public:
    enum Column { Name, Url, Enabled, Tenants, Auth, Columns };

    explicit McpServersPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] QTableWidget *table() const noexcept { return m_table; }
    [[nodiscard]] QPushButton *addButton() const noexcept { return m_add; }
    [[nodiscard]] QPushButton *editButton() const noexcept { return m_edit; }
    [[nodiscard]] QPushButton *testButton() const noexcept { return m_test; }
    [[nodiscard]] QLabel *message() const noexcept { return m_message; }

    /// The register/edit form (a child dialog, open while editing).
    struct Form
    {
        QDialog *dialog = nullptr;
        QLineEdit *name = nullptr;
        QLineEdit *url = nullptr;
        QLineEdit *auth = nullptr;
        QCheckBox *enabled = nullptr;
        QListWidget *tenants = nullptr;
        QLabel *problem = nullptr;
    };
    [[nodiscard]] const Form &form() const noexcept { return m_form; }

private:
    void reload();
    [[nodiscard]] QString selectedId() const;
    void openForm(const QString &id);
    void save(const QString &id);
    void test();

    GatewayLink *m_link;
    discovery::BackendProbe *m_probe;
    QTableWidget *m_table;
    QPushButton *m_add;
    QPushButton *m_edit;
    QPushButton *m_delete;
    QPushButton *m_test;
    QLabel *m_message;
    Form m_form;
};

} // namespace obleth::ui
