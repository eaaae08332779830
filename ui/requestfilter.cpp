#include "requestfilter.h"

#include "requestlogmodel.h"

namespace obleth::ui {

void RequestFilter::setTenant(const QString &tenant)
{
    m_tenant = tenant;
    invalidateFilter();
}

void RequestFilter::setModel(const QString &model)
{
    m_model = model;
    invalidateFilter();
}

void RequestFilter::setStatus(Status status)
{
    m_status = status;
    invalidateFilter();
}

void RequestFilter::setText(const QString &text)
{
    m_text = text;
    invalidateFilter();
}

bool RequestFilter::filterAcceptsRow(int row, const QModelIndex &parent) const
{
    const auto *log = qobject_cast<const RequestLogModel *>(sourceModel());
    const RequestLogModel::Entry *e = log && !parent.isValid() ? log->entryAt(row) : nullptr;
    if (!e)
        return false;
    const model::RequestRecord &r = e->record;
    if (!m_tenant.isEmpty() && r.tenantName != m_tenant)
        return false;
    if (!m_model.isEmpty() && r.model != m_model && r.requestedModel != m_model) // the asked-for one too
        return false;
    switch (m_status) {
    case Status::Any: break;
    case Status::Success:
        if (!e->done || r.status < 200 || r.status >= 300)
            return false;
        break;
    case Status::ClientErrors:
        if (!e->done || r.status < 400 || r.status >= 500)
            return false;
        break;
    case Status::ServerErrors:
        if (!e->done || r.status < 500)
            return false;
        break;
    case Status::Failed:
        if (!e->done || (r.status < 400 && r.error.isEmpty()))
            return false;
        break;
    }
    if (m_text.isEmpty())
        return true;
    for (int column = 0; column < RequestLogModel::ColumnCount; ++column) {
        if (log->index(row, column).data().toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return QString::fromLatin1(r.id).contains(m_text, Qt::CaseInsensitive)
        || r.error.contains(m_text, Qt::CaseInsensitive);
}

} // namespace obleth::ui
