#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTableWidget;
class QTimer;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;
class StatusWindow;
class ThroughputChart;

/// Where the gateway listens and how it is doing: live counters (in flight, queued, permits, requests/s,
/// tokens/s), a chart of the last minutes, and permits and queue per model and tenant. Refreshed once a
/// second from the same live view as GET /api/v1/fairshare/live.
class OverviewPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] StatusWindow *status() const noexcept { return m_status; }
    [[nodiscard]] ThroughputChart *chart() const noexcept { return m_chart; }
    [[nodiscard]] QLabel *counters() const noexcept { return m_counters; }
    [[nodiscard]] QTableWidget *admission() const noexcept { return m_admission; }

Q_SIGNALS:
    /// The live counters, for the tray's tooltip.
    void liveUpdated(int inFlight, int queued);

private:
    void refresh();

    GatewayLink *m_link;
    StatusWindow *m_status;
    QLabel *m_counters;
    ThroughputChart *m_chart;
    QTableWidget *m_admission;
    QTimer *m_timer;
};

} // namespace obleth::ui
