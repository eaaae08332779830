#include "requestlogmodel.h"

#include <QColor>
#include <QLocale>

namespace obleth::ui {

RequestLogModel::RequestLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_applyTimer.setSingleShot(true);
    m_applyTimer.setInterval(kApplyIntervalMs);
    connect(&m_applyTimer, &QTimer::timeout, this, &RequestLogModel::apply);
}

void RequestLogModel::started(const model::RequestStarted &s)
{
    Row row{m_nextSeq++, {}};
    model::RequestRecord &r = row.entry.record;
    r.id = s.id;
    r.startedAt = s.startedAt;
    r.tenantId = s.tenantId;
    r.tenantName = s.tenantName;
    r.keyPrefix = s.keyPrefix;
    r.model = s.model;
    r.method = s.method;
    r.path = s.path;
    r.requestHeaders = s.requestHeaders;
    m_incomingById.insert(s.id, row.seq);
    m_incoming.push_back(std::move(row));
    if (!m_applyTimer.isActive())
        m_applyTimer.start();
}

RequestLogModel::Entry *RequestLogModel::pendingOrLive(const QByteArray &id)
{
    if (const auto it = m_incomingById.constFind(id); it != m_incomingById.cend())
        return &m_incoming.at(size_t(*it - m_incoming.front().seq)).entry;
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_rows.at(size_t(row)).entry;
}

void RequestLogModel::progressed(const model::RequestProgress &p)
{
    Entry *e = pendingOrLive(p.id);
    if (!e)
        return;
    e->bytes = p.bytes;
    e->tokens = p.tokens;
    e->text += p.text;
    m_changed.insert(p.id);
    if (!m_applyTimer.isActive())
        m_applyTimer.start();
}

void RequestLogModel::finished(const model::RequestRecord &record)
{
    Entry *e = pendingOrLive(record.id);
    if (!e) { // started before the window listened, or already dropped: show it as a new row
        started(model::RequestStarted{record.id, record.startedAt, record.tenantId, record.tenantName, record.keyPrefix,
                                      record.model, record.method, record.path, record.requestHeaders});
        e = pendingOrLive(record.id);
    }
    e->record = record;
    e->done = true;
    e->bytes = record.bytesOut;
    m_changed.insert(record.id);
    if (!m_applyTimer.isActive())
        m_applyTimer.start();
}

void RequestLogModel::appendHistory(const QList<model::RequestRecord> &newestFirst)
{
    apply(); // what arrived live goes in first, so seqs stay in order
    QList<model::RequestRecord> fresh;
    for (const model::RequestRecord &r : newestFirst) {
        if (!m_seqById.contains(r.id) && !m_incomingById.contains(r.id))
            fresh.append(r);
    }
    const int room = kMaxRows - int(m_rows.size());
    if (fresh.size() > room)
        fresh.resize(std::max(0, room));
    if (fresh.isEmpty())
        return;
    // Older rows get seqs below the oldest shown, so that rowOf() stays a subtraction.
    qint64 seq = m_rows.empty() ? m_nextSeq : m_rows.back().seq; // with none shown, the next live row follows the first
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + fresh.size()) - 1);
    for (const model::RequestRecord &r : std::as_const(fresh)) {
        Row row{--seq, {r, true, r.bytesOut, r.completionTokens, {}}};
        m_seqById.insert(r.id, row.seq);
        m_rows.push_back(std::move(row));
    }
    endInsertRows();
}

void RequestLogModel::apply()
{
    if (!m_incoming.empty()) {
        const int n = int(m_incoming.size());
        beginInsertRows({}, 0, n - 1);
        for (Row &row : m_incoming) {
            m_seqById.insert(row.entry.record.id, row.seq);
            m_rows.push_front(std::move(row));
        }
        endInsertRows();
        m_incoming.clear();
        m_incomingById.clear();
        if (int(m_rows.size()) > kMaxRows) {
            beginRemoveRows({}, kMaxRows, int(m_rows.size()) - 1);
            while (int(m_rows.size()) > kMaxRows) {
                m_seqById.remove(m_rows.back().entry.record.id);
                m_rows.pop_back();
            }
            endRemoveRows();
        }
    }
    if (!m_changed.isEmpty() && !m_rows.empty()) {
        int top = int(m_rows.size());
        int bottom = -1;
        for (const QByteArray &id : std::as_const(m_changed)) {
            const int row = rowOf(id);
            if (row < 0)
                continue;
            top = std::min(top, row);
            bottom = std::max(bottom, row);
        }
        if (bottom >= 0)
            Q_EMIT dataChanged(index(top, 0), index(bottom, ColumnCount - 1));
        for (const QByteArray &id : std::as_const(m_changed))
            Q_EMIT entryChanged(id);
    }
    m_changed.clear();
}

int RequestLogModel::rowOf(const QByteArray &id) const
{
    const auto it = m_seqById.constFind(id);
    return it == m_seqById.cend() ? -1 : int(m_rows.front().seq - *it);
}

const RequestLogModel::Entry *RequestLogModel::entryAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows.at(size_t(row)).entry : nullptr;
}

int RequestLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RequestLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestLogModel::data(const QModelIndex &index, int role) const
{
    const Entry *e = entryAt(index.row());
    if (!e)
        return {};
    const model::RequestRecord &r = e->record;
    if (role == Qt::ForegroundRole && index.column() == Status && e->done && (r.status >= 400 || !r.error.isEmpty()))
        return QColor(Qt::red);
    if (role == Qt::TextAlignmentRole && index.column() >= Status && index.column() <= Cost)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && e->done)
        return toolTip(r, index.column());
    if (role == Qt::ForegroundRole && index.column() == Notes && e->done && (r.fallback || r.brownout))
        return QColor(0xb0, 0x5a, 0x00); // amber: answered, but not as asked
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Time: return r.startedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case Tenant: return r.tenantName;
    case Model: return modelText(r);
    case Path: return QString(QString::fromLatin1(r.method) + QLatin1Char(' ') + QString::fromUtf8(r.path));
    case Status:
        if (!e->done)
            return e->tokens > 0 ? tr("streaming") : tr("…");
        return r.status == 0 ? tr("gone") : QString::number(r.status);
    case Latency: return e->done ? tr("%1 ms").arg(r.latencyMs) : QString();
    case Tokens:
        if (!e->done)
            return e->tokens > 0 ? QString::number(e->tokens) : QString();
        return QString(QString::number(r.promptTokens + r.completionTokens)
                       + (r.estimated ? QStringLiteral("~") : QString()));
    case Cost: return e->done && r.cost > 0 ? QString::number(r.cost, 'g', 4) : QString();
    case Cache: return r.cache;
    case Notes: return notesText(r);
    case ColumnCount: break;
    }
    return {};
}

QString RequestLogModel::modelText(const model::RequestRecord &r)
{
    if (r.requestedModel.isEmpty() || r.requestedModel == r.model)
        return r.model;
    return r.model + QStringLiteral(" ← ") + r.requestedModel;
}

QString RequestLogModel::notesText(const model::RequestRecord &r)
{
    QStringList badges;
    if (r.fallback)
        badges << tr("fallback");
    if (r.brownout)
        badges << tr("brownout");
    return badges.join(QStringLiteral(" · "));
}

QString RequestLogModel::toolTip(const model::RequestRecord &r, int column)
{
    QStringList lines;
    if (column == Model || column == Notes) {
        if (r.fallback)
            lines << tr("Fallback: %1 answered; no deployment of %2 could.").arg(r.model, r.requestedModel);
        else if (!r.requestedModel.isEmpty() && r.requestedModel != r.model)
            lines << tr("%1 answered for “%2”.").arg(r.model, r.requestedModel);
    }
    if (column == Notes && r.brownout)
        lines << tr("Brownout: it waited long for admission, so its max_tokens was capped for a shorter answer.");
    if (column == Model && !r.deploymentId.isEmpty())
        lines << tr("Deployment %1").arg(r.deploymentId);
    return lines.join(QLatin1Char('\n'));
}

QVariant RequestLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Time: return tr("Time");
    case Tenant: return tr("Tenant");
    case Model: return tr("Model");
    case Path: return tr("Request");
    case Status: return tr("Status");
    case Latency: return tr("Latency");
    case Tokens: return tr("Tokens");
    case Cost: return tr("Cost");
    case Cache: return tr("Cache");
    case Notes: return tr("Notes");
    case ColumnCount: break;
    }
    return {};
}

} // namespace obleth::ui
