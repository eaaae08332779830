#pragma once

#include "model/deploymenthealth.h"
#include "model/entities.h"

#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTableWidget;
QT_END_NAMESPACE

namespace obleth::ui {

class GatewayLink;

/// One model's deployments under the Models page's table: each upstream's api_base, upstream model, weight, cap and
/// whether it is enabled, with its live health (a coloured dot and its word), requests in flight and median latency,
/// and the model's fallbacks and auto routing. The health is asked of the gateway thread every second while the
/// pane shows.
class DeploymentsPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DeploymentsPane)

public:
    enum Column {
        Health,
        ApiBase,
        Upstream,
        Weight,
        MaxConcurrency,
        Enabled,
        InFlight,
        LatencyP50,
        LastError,
        Columns
    };
    static constexpr int kRefreshMs = 1000;

    explicit DeploymentsPane(GatewayLink *link, QWidget *parent = nullptr);

    /// Shows @p model's deployments (nullptr: none selected) and asks for their health at once.
    void showModel(const model::ModelConfig *model);
    [[nodiscard]] const QString &modelId() const noexcept { return m_modelId; }

    [[nodiscard]] QTableWidget *table() const noexcept { return m_table; }
    /// The model's name, its fallbacks and whether it is auto-routed.
    [[nodiscard]] QLabel *summary() const noexcept { return m_summary; }

Q_SIGNALS:
    /// The gateway answered about the shown model's health, and the table shows it.
    void healthRefreshed();

private:
    void refreshHealth();
    void applyHealth(const QList<model::DeploymentHealth> &health);

    GatewayLink *m_link;
    QLabel *m_summary;
    QTableWidget *m_table;
    QTimer m_timer;
    QString m_modelId;
    QString m_modelName;
    QStringList m_deploymentIds; ///< the table's rows
    QList<model::DeploymentHealth> m_health; ///< the latest answer, for the shown model
    bool m_asking = false;
    bool m_fitted = false; ///< the columns were fitted to the shown model's rows
};

} // namespace obleth::ui
