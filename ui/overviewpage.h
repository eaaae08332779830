#pragma once

#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTableWidget;
class QTimer;
QT_END_NAMESPACE

namespace obleth::ui {

class ConnectToolsCard;
class FirstRunPanel;
class GatewayLink;
class StatusWindow;
class ThroughputChart;

/// Where the gateway listens and how it is doing: live counters (in flight, queued, permits, requests/s,
/// tokens/s), a chart of the last minutes, and permits and queue per model and tenant, refreshed once a second
/// from the same live view as GET /api/v1/fairshare/live; and "Connect your tools" with ready-to-copy snippets.
/// With no model registered, a first-run panel leads instead of the live view: the local servers discovery
/// found, to use in one click.
class OverviewPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    explicit OverviewPage(GatewayLink *link, QWidget *parent = nullptr);

    [[nodiscard]] StatusWindow *status() const noexcept { return m_status; }
    [[nodiscard]] FirstRunPanel *firstRun() const noexcept { return m_firstRun; }
    [[nodiscard]] ConnectToolsCard *connectCard() const noexcept { return m_connect; }
    [[nodiscard]] ThroughputChart *chart() const noexcept { return m_chart; }
    [[nodiscard]] QLabel *counters() const noexcept { return m_counters; }
    [[nodiscard]] QTableWidget *admission() const noexcept { return m_admission; }
    /// Whether the first-run panel leads (no model is registered).
    [[nodiscard]] bool isFirstRun() const noexcept { return m_firstRunShown; }

Q_SIGNALS:
    /// The live counters, for the tray's tooltip.
    void liveUpdated(int inFlight, int queued);
    /// The user asked to add a model by hand (the window shows the Models page).
    void addModelRequested();

private:
    void refresh();
    /// Lets the first-run panel lead while no model is registered, the live view otherwise.
    void follow();
    void arrange(bool firstRun);

    GatewayLink *m_link;
    StatusWindow *m_status;
    FirstRunPanel *m_firstRun;
    ConnectToolsCard *m_connect;
    QLabel *m_counters;
    ThroughputChart *m_chart;
    QWidget *m_admissionBox;
    QTableWidget *m_admission;
    QStringList m_admissionNames; ///< the rows the admission table's columns were fitted to
    QLabel *m_admissionEmpty;
    QTimer *m_timer;
    bool m_firstRunShown = false;
};

} // namespace obleth::ui
