#pragma once

#include <QGroupBox>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;

/// "Connect your tools": ready-to-copy snippets for curl, the OpenAI SDKs, LangChain, Claude Code and Codex,
/// filled with the gateway's base URL, a model (a registered one, else mock-model) and a key: one shown this
/// run (the first start's key, or one made here with "Create a key", shown once), else $OBLETH_API_KEY.
class ConnectToolsCard final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectToolsCard)

public:
    explicit ConnectToolsCard(GatewayLink *link, QWidget *parent = nullptr);

    /// A key this run may show (the one made at first start); the snippets use it.
    void setKey(const QString &key);
    /// The key in the snippets (empty: they read $OBLETH_API_KEY).
    [[nodiscard]] const QString &key() const noexcept { return m_key; }

    /// One tab per tool, each a read-only snippet.
    [[nodiscard]] QTabWidget *tabs() const noexcept { return m_tabs; }
    /// The text of the snippet titled @p title ("curl", "OpenAI Python", …), empty if there is none.
    [[nodiscard]] QString snippet(const QString &title) const;
    [[nodiscard]] QPushButton *copyButton() const noexcept { return m_copy; }
    [[nodiscard]] QComboBox *modelChoice() const noexcept { return m_model; }
    [[nodiscard]] QComboBox *tenantChoice() const noexcept { return m_tenant; }
    [[nodiscard]] QPushButton *createKeyButton() const noexcept { return m_createKey; }
    /// The key made here, shown once (hidden until one is made).
    [[nodiscard]] QLineEdit *newKey() const noexcept { return m_newKey; }
    /// Which key the snippets use and what to do with it.
    [[nodiscard]] QLabel *keyNote() const noexcept { return m_keyNote; }

private:
    /// Models and tenants from the configuration, then the snippets.
    void reload();
    void fill();
    void createKey();

    GatewayLink *m_link;
    QString m_key;
    QTabWidget *m_tabs;
    QPushButton *m_copy;
    QComboBox *m_model;
    QComboBox *m_tenant;
    QPushButton *m_createKey;
    QLineEdit *m_newKey;
    QLabel *m_keyNote;
    QLabel *m_copied;
    bool m_anyRegistered = false; ///< mock-model was suggested for want of a registered model until one came
};

} // namespace obleth::ui
