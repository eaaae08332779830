#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace obleth::config {
struct Problem;
}

namespace obleth::ui {

class GatewayLink;

/// Tenants with their weight editable in place, and the selected tenant's keys: new key (its secret shown
/// once, with a copy button), disable/enable, delete. Changes go through the gateway's configuration services, the
/// same as the Management API's, and the tables follow every configuration change, wherever it came from.
class TenantsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TenantsPage)

public:
    enum TenantColumn { Name, Group, Weight, TokensPerMinute, MaxInFlight, TenantColumns };
    enum KeyColumn { KeyName, KeyPrefix, KeyState, KeyCreated, KeyColumns };

    explicit TenantsPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] QTableWidget *tenants() const noexcept { return m_tenants; }
    [[nodiscard]] QTableWidget *keys() const noexcept { return m_keys; }
    [[nodiscard]] QLineEdit *newTenantName() const noexcept { return m_newTenant; }
    [[nodiscard]] QPushButton *addTenantButton() const noexcept { return m_addTenant; }
    [[nodiscard]] QLineEdit *newKeyName() const noexcept { return m_newKey; }
    [[nodiscard]] QPushButton *newKeyButton() const noexcept { return m_addKey; }
    [[nodiscard]] QPushButton *toggleKeyButton() const noexcept { return m_toggleKey; }
    /// The secret of the key just made (shown once).
    [[nodiscard]] QLineEdit *secret() const noexcept { return m_secret; }
    [[nodiscard]] QLabel *message() const noexcept { return m_message; }

private:
    void reload();
    void reloadKeys();
    [[nodiscard]] QString selectedTenantId() const;
    [[nodiscard]] QString selectedKeyId() const;
    void report(const config::Problem &problem);
    void addTenant();
    void addKey();
    void toggleKey();
    void deleteKey();

    GatewayLink *m_link;
    QTableWidget *m_tenants;
    QTableWidget *m_keys;
    QLineEdit *m_newTenant;
    QPushButton *m_addTenant;
    QLineEdit *m_newKey;
    QPushButton *m_addKey;
    QPushButton *m_toggleKey;
    QPushButton *m_deleteKey;
    QLineEdit *m_secret;
    QPushButton *m_copySecret;
    QLabel *m_message;
    QLabel *m_keysEmpty = nullptr;
    bool m_reloading = false;
};

} // namespace obleth::ui
