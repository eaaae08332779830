#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;
class RequestFilter;
class RequestLogModel;

/// The live request log: newest first (or sorted by any column), filtered by tenant, model, status and text, and the
/// selected request's details with its headers (secrets masked), its bodies pretty-printed (kept only while the
/// window watches) and, for a stream, its text as it arrives; "Copy as curl" sends it again from a terminal.
class RequestsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestsPage)

public:
    explicit RequestsPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] RequestLogModel *model() const noexcept { return m_model; }
    [[nodiscard]] QTableView *table() const noexcept { return m_table; }
    [[nodiscard]] QPlainTextEdit *details() const noexcept { return m_details; }
    [[nodiscard]] QComboBox *tenantFilter() const noexcept { return m_tenant; }
    [[nodiscard]] QComboBox *modelFilter() const noexcept { return m_modelFilter; }
    [[nodiscard]] QComboBox *statusFilter() const noexcept { return m_status; }
    [[nodiscard]] QLineEdit *textFilter() const noexcept { return m_filterEdit; }
    /// Copies curlCommand() (enabled when the selected request can be sent again).
    [[nodiscard]] QPushButton *copyCurlButton() const noexcept { return m_copyCurl; }
    /// A curl command that sends the selected request again through the gateway (the key as $OBLETH_API_KEY), or
    /// nothing when it cannot (made before the window watched, or with a body over the kept limit).
    [[nodiscard]] QString curlCommand() const;

protected:
    /// While the page shows, the gateway keeps new requests' bodies for its details; hidden, it keeps none.
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    /// Sizes the columns to their content and headers, with room for what they will hold ("streaming", "59 min
    /// ago"); the request's path takes what is left.
    void fitLogColumns();
    void showDetails();
    /// The tenant and model choices follow the configuration.
    void refreshChoices();

    RequestLogModel *m_model;
    GatewayLink *m_link;
    RequestFilter *m_filter;
    QComboBox *m_tenant;
    QComboBox *m_modelFilter;
    QComboBox *m_status;
    QLineEdit *m_filterEdit;
    QTableView *m_table;
    QPlainTextEdit *m_details;
    QPushButton *m_copyCurl;
    QByteArray m_selectedId;
    bool m_fitted = false; ///< the columns were fitted to rows while shown
    bool m_watchingBodies = false; ///< counted by the link while the page shows
};

} // namespace obleth::ui
