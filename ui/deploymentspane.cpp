#include "deploymentspane.h"

#include "gatewaylink.h"
#include "healthdot.h"
#include "tables.h"

#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableWidget>
#include <QVBoxLayout>

#include <limits>

namespace obleth::ui {

DeploymentsPane::DeploymentsPane(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_summary(new QLabel(this))
    , m_table(listTable({tr("Health"), tr("API base"), tr("Upstream model"), tr("Weight"), tr("Max concurrency"),
                         tr("Enabled"), tr("In flight"), tr("Latency p50"), tr("Last error")},
                        this))
{
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setAccessibleName(tr("Deployments of the selected model"));
    m_summary->setAccessibleName(tr("The selected model's deployments, fallbacks and routing"));
    // Sorted only when asked (a header clicked): the deployments' own order is the one the dialog shows.
    sortWhenAsked(m_table);
    fitColumns(m_table); // the headers, until a model is shown
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addWidget(m_table);

    m_timer.setInterval(kRefreshMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refreshHealth();
    });
    m_timer.start();
    showModel(nullptr);
}

void DeploymentsPane::showModel(const model::ModelConfig *m)
{
    const bool same = m && m->id == m_modelId;
    m_fitted = false;
    m_modelId = m ? m->id : QString();
    m_modelName = m ? m->modelName : QString();
    m_deploymentIds.clear();
    if (!m) {
        m_summary->setText(tr("Select a model to see its deployments and their health."));
        m_table->setRowCount(0);
        return;
    }
    const QString name = m->modelName.toHtmlEscaped();
    QStringList facts{m->deployments.size() == 1
                          ? tr("<b>%1</b>: 1 deployment").arg(name)
                          : tr("<b>%1</b>: %2 deployments").arg(name, QString::number(m->deployments.size()))};
    facts << (m->fallbacks.isEmpty()
                  ? tr("no fallbacks")
                  : tr("fallbacks, in order: %1").arg(m->fallbacks.join(QStringLiteral(" → ")).toHtmlEscaped()));
    facts << (m->autoRoute ? tr("auto-routed (a candidate for “auto”)") : tr("not auto-routed"));
    m_summary->setText(facts.join(QStringLiteral(" · ")));

    {
        m_table->setRowCount(int(m->deployments.size()));
        int row = 0;
        for (const model::Deployment &d : m->deployments) {
            m_deploymentIds << d.id;
            auto *id = cell(d.apiBase);
            id->setData(kIdRole, d.id);
            id->setData(kSortRole, d.apiBase);
            id->setToolTip(tr("%1\nDeployment %2").arg(d.apiBase, d.id));
            m_table->setItem(row, ApiBase, id);
            m_table->setItem(row, Upstream, cell(d.upstreamModel));
            m_table->setItem(row, Weight, numberCell(d.weight, QLocale().toString(d.weight)));
            m_table->setItem(row, MaxConcurrency,
                             d.maxConcurrency ? numberCell(double(*d.maxConcurrency), countText(*d.maxConcurrency))
                                              : numberCell(std::numeric_limits<double>::max(), tr("no limit")));
            m_table->setItem(row, Enabled, cell(d.enabled ? tr("yes") : tr("no")));
            ++row;
        }
    }
    applyHealth(same ? m_health : QList<model::DeploymentHealth>()); // unknown until the gateway says
    refreshHealth();
}

void DeploymentsPane::refreshHealth()
{
    if (m_modelId.isEmpty() || m_asking || !m_link->isReady())
        return;
    m_asking = true;
    const QString asked = m_modelId;
    m_link->fetchDeploymentHealth(m_modelId, this, [this, asked](const QList<model::DeploymentHealth> &health) {
        m_asking = false;
        if (asked != m_modelId)
            return;
        applyHealth(health);
        Q_EMIT healthRefreshed();
    });
}

void DeploymentsPane::applyHealth(const QList<model::DeploymentHealth> &health)
{
    m_health = health;
    // The items stay and change in place, so that a tooltip being read does not flicker every second; rows are found
    // by their deployment's id (a sorted table moves them).
    const auto at = [this](int row, int column) {
        QTableWidgetItem *item = m_table->item(row, column);
        if (!item) {
            item = column == InFlight || column == LatencyP50 ? numberCell(-1, QStringLiteral("—")) : cell(QString());
            m_table->setItem(row, column, item);
        }
        return item;
    };
    for (const QString &deploymentId : std::as_const(m_deploymentIds)) {
        const int row = rowWithId(m_table, ApiBase, deploymentId);
        if (row < 0)
            continue;
        model::DeploymentHealth h;
        h.deploymentId = deploymentId;
        for (const model::DeploymentHealth &candidate : health) {
            if (candidate.deploymentId == h.deploymentId) {
                h = candidate;
                break;
            }
        }
        QTableWidgetItem *state = at(row, Health);
        if (state->data(kIdRole) != QVariant(int(h.state))) { // the dot is drawn when the state changes
            state->setText(healthText(h.state));
            state->setIcon(healthIcon(h.state));
            state->setData(kIdRole, int(h.state));
        }
        state->setToolTip(healthToolTip(h));
        const bool heard = h.state != model::HealthState::Unknown || h.inFlight > 0;
        QTableWidgetItem *inFlight = at(row, InFlight);
        inFlight->setText(heard ? QString::number(h.inFlight) : QStringLiteral("—"));
        inFlight->setData(kSortRole, heard ? double(h.inFlight) : -1.0);
        QTableWidgetItem *latency = at(row, LatencyP50);
        latency->setText(h.latencyP50Ms
                             ? tr("%1 ms").arg(QLocale().toString(*h.latencyP50Ms, 'f', *h.latencyP50Ms < 10 ? 1 : 0))
                             : QStringLiteral("—"));
        latency->setData(kSortRole, h.latencyP50Ms ? double(*h.latencyP50Ms) : -1.0);
        QTableWidgetItem *error = at(row, LastError);
        error->setText(h.lastError);
        error->setToolTip(h.lastError);
    }
    resort(m_table);
    if (!m_fitted && !m_deploymentIds.isEmpty()) { // once per model: the columns do not jump every second
        fitColumns(m_table);
        m_fitted = true;
    }
}

} // namespace obleth::ui
