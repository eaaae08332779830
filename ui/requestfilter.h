#pragma once

#include <QSortFilterProxyModel>

namespace obleth::ui {

/// What the Requests page shows of the log: one tenant, one model, a status class, and text anywhere in a
/// row; each empty means "any".
class RequestFilter final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestFilter)

public:
    enum class Status { Any, Success, ClientErrors, ServerErrors, Failed };

    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setTenant(const QString &tenant);
    void setModel(const QString &model);
    void setStatus(Status status);
    void setText(const QString &text);

protected:
    [[nodiscard]] bool filterAcceptsRow(int row, const QModelIndex &parent) const override;

private:
    QString m_tenant;
    QString m_model;
    Status m_status = Status::Any;
    QString m_text;
};

} // namespace obleth::ui
