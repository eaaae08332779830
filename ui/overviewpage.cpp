#include "overviewpage.h"

#include "gatewaylink.h"
#include "statuswindow.h"
#include "throughputchart.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace obleth::ui {

OverviewPage::OverviewPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_status(new StatusWindow(this))
    , m_counters(new QLabel(this))
    , m_chart(new ThroughputChart(this))
    , m_admission(new QTableWidget(0, 4, this))
    , m_timer(new QTimer(this))
{
    m_admission->setHorizontalHeaderLabels({tr("Model or tenant"), tr("In flight"), tr("Queued"), tr("Limit")});
    m_admission->verticalHeader()->hide();
    m_admission->horizontalHeader()->setStretchLastSection(true);
    m_admission->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_counters->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_counters);
    layout->addWidget(m_chart, 1);
    layout->addWidget(new QLabel(tr("Permits and queue per model and tenant"), this));
    layout->addWidget(m_admission, 1);

    connect(link, &GatewayLink::requestFinished, this,
            [this](const model::RequestRecord &r) { m_chart->add(r.promptTokens + r.completionTokens); });
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, [this] {
        m_chart->tick();
        refresh();
    });
    connect(link, &GatewayLink::ready, m_timer, qOverload<>(&QTimer::start));
    connect(link, &GatewayLink::ready, this, &OverviewPage::refresh);
}

void OverviewPage::refresh()
{
    m_link->fetchLive(this, [this](const QJsonObject &live) {
        const int inFlight = live.value(QStringLiteral("requests_in_flight")).toInt();
        const int queued = live.value(QStringLiteral("queued")).toInt();
        m_counters->setText(tr("%1 in flight · %2 queued · %3 of %4 permits in use · %5 requests/s · "
                               "%6 tokens/s%7")
                                .arg(inFlight == 1 ? tr("1 request") : tr("%1 requests").arg(inFlight))
                                .arg(queued)
                                .arg(live.value(QStringLiteral("in_flight")).toInt())
                                .arg(live.value(QStringLiteral("capacity")).toInt())
                                .arg(m_chart->requestsPerSecond())
                                .arg(m_chart->tokensPerSecond())
                                .arg(m_link->isPaused() ? tr(" · paused") : QString()));
        const QJsonArray models = live.value(QStringLiteral("models")).toArray();
        const QJsonArray tenants = live.value(QStringLiteral("tenants")).toArray();
        m_admission->setRowCount(int(models.size() + tenants.size()));
        int row = 0;
        const auto put = [this, &row](const QString &name, int in, int waiting, const QString &limit) {
            m_admission->setItem(row, 0, new QTableWidgetItem(name));
            m_admission->setItem(row, 1, new QTableWidgetItem(QString::number(in)));
            m_admission->setItem(row, 2, new QTableWidgetItem(QString::number(waiting)));
            m_admission->setItem(row, 3, new QTableWidgetItem(limit));
            ++row;
        };
        for (const QJsonValue &v : models) {
            const QJsonObject m = v.toObject();
            const QJsonValue cap = m.value(QStringLiteral("max_concurrency"));
            put(tr("model %1").arg(m.value(QStringLiteral("model")).toString()),
                m.value(QStringLiteral("in_flight")).toInt(), m.value(QStringLiteral("queued")).toInt(),
                cap.isDouble() ? tr("max %1").arg(cap.toInt()) : QString());
        }
        for (const QJsonValue &v : tenants) {
            const QJsonObject t = v.toObject();
            put(tr("tenant %1").arg(t.value(QStringLiteral("tenant")).toString()),
                t.value(QStringLiteral("in_flight")).toInt(), t.value(QStringLiteral("queued")).toInt(),
                tr("weight %1").arg(t.value(QStringLiteral("weight")).toInt()));
        }
        Q_EMIT liveUpdated(inFlight, queued);
    });
}

} // namespace obleth::ui
