#include "requestlogmodel.h"

#include "tables.h"

#include <QColor>
#include <QLocale>

namespace obleth::ui {

RequestLogModel::RequestLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_applyTimer.setSingleShot(true);
    m_applyTimer.setInterval(kApplyIntervalMs);
    connect(&m_applyTimer, &QTimer::timeout, this, &RequestLogModel::apply);
    connect(DisplayCurrency::instance(), &DisplayCurrency::changed, this, &RequestLogModel::refreshMoney);
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
    r.query = s.query;
    r.requestBody = s.requestBody;
    r.requestBodyCut = s.requestBodyCut;
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
                                      record.model, record.method, record.path, record.requestHeaders, record.query,
                                      record.requestBody, record.requestBodyCut});
        e = pendingOrLive(record.id);
    }
    if (record.requestBody.isEmpty() && !e->record.requestBody.isEmpty()) { // kept from the start
        model::RequestRecord whole = record;
        whole.requestBody = e->record.requestBody;
        whole.requestBodyCut = e->record.requestBodyCut;
        whole.query = e->record.query;
        e->record = std::move(whole);
    } else {
        e->record = record;
    }
    e->done = true;
    e->bytes = record.bytesOut;
    if (rowOf(record.id) >= kRowsWithBodies)
        dropBodies(*e);
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
        // Only the newest rows keep their bodies (up to 128 KiB each): the ones pushed below let go of theirs.
        for (size_t row = kRowsWithBodies; row < std::min(m_rows.size(), size_t(kRowsWithBodies + n)); ++row)
            dropBodies(m_rows.at(row).entry);
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

void RequestLogModel::dropBodies(Entry &e)
{
    e.record.requestBody.clear();
    e.record.responseBody.clear();
    e.bodiesDropped = e.bodiesDropped || e.record.bytesIn > 0 || e.record.bytesOut > 0;
}

void RequestLogModel::refreshMoney()
{
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, Cost), index(int(m_rows.size()) - 1, Cost));
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
    if (role == kSortRole)
        return sortValue(*e, index.column());
    if (role == Qt::ToolTipRole && index.column() == Time)
        return exactTime(r.startedAt);
    if (role == Qt::ToolTipRole && index.column() == Path)
        return QString(QString::fromLatin1(r.method) + QLatin1Char(' ') + QString::fromUtf8(r.path));
    if (role == Qt::ToolTipRole && e->done)
        return toolTip(r, index.column());
    if (role == Qt::ForegroundRole && index.column() == Notes && e->done && (r.fallback || r.brownout))
        return QColor(0xb0, 0x5a, 0x00); // amber: answered, but not as asked
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Time: return relativeTime(r.startedAt, QDateTime::currentDateTimeUtc());
    case Tenant: return r.tenantName;
    case Model: return modelText(r);
    case Path: return QString(QString::fromLatin1(r.method) + QLatin1Char(' ') + QString::fromUtf8(r.path));
    case Status:
        if (!e->done)
            return e->tokens > 0 ? tr("streaming") : tr("…");
        return r.status == 0 ? tr("gone") : QString::number(r.status);
    case Latency: return e->done ? tr("%1 ms").arg(countText(r.latencyMs)) : QString();
    case Tokens:
        if (!e->done)
            return e->tokens > 0 ? countText(e->tokens) : QString();
        return QString(countText(r.promptTokens + r.completionTokens)
                       + (r.estimated ? QStringLiteral("~") : QString()));
    case Cost: return e->done && r.cost > 0 ? moneyText(r.cost) : QString();
    case Cache: return r.cache;
    case Notes: return notesText(r);
    case ColumnCount: break;
    }
    return {};
}

QVariant RequestLogModel::sortValue(const Entry &e, int column)
{
    const model::RequestRecord &r = e.record;
    switch (Column(column)) {
    case Time: return r.startedAt.toMSecsSinceEpoch();
    case Status: return e.done ? qint64(r.status) : qint64(-1); // in flight first, ascending
    case Latency: return e.done ? r.latencyMs : qint64(-1);
    case Tokens: return e.done ? r.promptTokens + r.completionTokens : e.tokens;
    case Cost: return e.done ? r.cost : -1.0;
    case Tenant: return r.tenantName;
    case Model: return modelText(r);
    case Path: return QString(QString::fromLatin1(r.method) + QLatin1Char(' ') + QString::fromUtf8(r.path));
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
