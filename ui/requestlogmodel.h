#pragma once

#include "model/requestrecord.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QTimer>

#include <deque>

namespace obleth::ui {

/// The live request log for the Requests page: newest first, at most kMaxRows rows. Events are collected and
/// applied together every kApplyIntervalMs (one insert and one change notification per batch), so a thousand
/// requests a second cost the view a few updates, not thousands. Numbers are right-aligned and sort by value
/// (kSortRole), times show relative to now (exact in the tooltip).
class RequestLogModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestLogModel)

public:
    /// Model: the model that answered, "answered ← asked" when another than the one asked for answered (a fallback,
    /// or the auto router's choice). Notes: badges, "fallback" and "brownout" (max_tokens capped).
    enum Column { Time, Tenant, Model, Path, Status, Latency, Tokens, Cost, Cache, Notes, ColumnCount };
    static constexpr int kMaxRows = 5000;
    static constexpr int kApplyIntervalMs = 100;
    /// The newest rows that keep their bodies for the details (each up to two times model::kMaxLiveBodyBytes).
    static constexpr int kRowsWithBodies = 200;

    explicit RequestLogModel(QObject *parent = nullptr);

    void started(const model::RequestStarted &started);
    void progressed(const model::RequestProgress &progress);
    void finished(const model::RequestRecord &record);
    /// Adds requests from the stored log (newest first) below what is shown, skipping any already there.
    void appendHistory(const QList<model::RequestRecord> &newestFirst);

    /// One request as the details pane shows it.
    struct Entry
    {
        model::RequestRecord record; ///< complete once done
        bool done = false;
        qint64 bytes = 0;
        qint64 tokens = 0;
        QString text; ///< a stream's generated text, as it arrives
        bool bodiesDropped = false; ///< it had bodies, let go of as newer rows came (kRowsWithBodies)
    };
    [[nodiscard]] const Entry *entryAt(int row) const;
    [[nodiscard]] int rowOf(const QByteArray &id) const;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

Q_SIGNALS:
    /// A request's entry changed (progress or end); the details pane follows its selection with this.
    void entryChanged(const QByteArray &id);

private:
    struct Row
    {
        qint64 seq;
        Entry entry;
    };
    void apply();
    /// What @p column sorts by (kSortRole): numbers and times by value.
    [[nodiscard]] static QVariant sortValue(const Entry &e, int column);
    static void dropBodies(Entry &e);
    /// The display currency changed: the costs are said again.
    void refreshMoney();
    [[nodiscard]] static QString modelText(const model::RequestRecord &r);
    [[nodiscard]] static QString notesText(const model::RequestRecord &r);
    [[nodiscard]] static QString toolTip(const model::RequestRecord &r, int column);
    Entry *pendingOrLive(const QByteArray &id);

    std::deque<Row> m_rows; ///< newest first
    qint64 m_nextSeq = 0;
    QHash<QByteArray, qint64> m_seqById;
    std::deque<Row> m_incoming; ///< started since the last apply, oldest first
    QHash<QByteArray, qint64> m_incomingById;
    QSet<QByteArray> m_changed;
    QTimer m_applyTimer;
};

} // namespace obleth::ui
