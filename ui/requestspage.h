#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLineEdit;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QTableView;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;
class RequestLogModel;

/// The live request log: newest first, a filter over every column, and the selected request's details
/// with, for a stream, its text as it arrives.
class RequestsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestsPage)

public:
    explicit RequestsPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] RequestLogModel *model() const noexcept { return m_model; }
    [[nodiscard]] QTableView *table() const noexcept { return m_table; }
    [[nodiscard]] QPlainTextEdit *details() const noexcept { return m_details; }

private:
    void showDetails();

    RequestLogModel *m_model;
    QSortFilterProxyModel *m_filter;
    QLineEdit *m_filterEdit;
    QTableView *m_table;
    QPlainTextEdit *m_details;
    QByteArray m_selectedId;
};

} // namespace obleth::ui
