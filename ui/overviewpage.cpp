#include "overviewpage.h"

#include "connecttoolscard.h"
#include "firstrunpanel.h"
#include "gatewaylink.h"
#include "statuswindow.h"
#include "tables.h"
#include "throughputchart.h"

#include <QHBoxLayout>
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
    , m_firstRun(new FirstRunPanel(link, this))
    , m_connect(new ConnectToolsCard(link, this))
    , m_counters(new QLabel(this))
    , m_chart(new ThroughputChart(this))
    , m_admissionBox(new QWidget(this))
    , m_admission(listTable({tr("Model or tenant"), tr("In flight"), tr("Queued"), tr("Limit")}, m_admissionBox))
    , m_admissionEmpty(new QLabel(m_admissionBox))
    , m_timer(new QTimer(this))
{
    m_admission->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_admission->setAccessibleName(tr("Permits and queue per model and tenant"));
    m_admissionEmpty->setText(tr("Nothing admitted yet. Each model and tenant shows here with its permits in use "
                                 "and its queue once requests come in."));
    m_admissionEmpty->setWordWrap(true);
    m_admissionEmpty->setAlignment(Qt::AlignCenter);
    m_admissionEmpty->setAccessibleName(tr("No admission yet"));
    m_admissionEmpty->hide();
    auto *title = new QLabel(tr("Permits and &queue per model and tenant"), m_admissionBox);
    title->setBuddy(m_admission);
    auto *admission = new QVBoxLayout(m_admissionBox);
    admission->setContentsMargins(0, 0, 0, 0);
    admission->addWidget(title);
    admission->addWidget(m_admission, 1);
    admission->addWidget(m_admissionEmpty, 1);
    m_counters->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_counters->setAccessibleName(tr("Live counters"));
    m_counters->setWordWrap(true);
    m_chart->setAccessibleName(tr("Requests and tokens per second"));
    arrange(false);
    m_connect->hide(); // until the gateway runs

    connect(m_status, &StatusWindow::firstKeyShown, m_connect, &ConnectToolsCard::setKey);
    connect(m_firstRun, &FirstRunPanel::addByHandRequested, this, &OverviewPage::addModelRequested);
    connect(link, &GatewayLink::requestFinished, this,
            [this](const model::RequestRecord &r) { m_chart->add(r.promptTokens + r.completionTokens); });
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, [this] {
        m_chart->tick();
        refresh();
    });
    connect(link, &GatewayLink::ready, m_timer, qOverload<>(&QTimer::start));
    connect(link, &GatewayLink::ready, this, &OverviewPage::refresh);
    connect(link, &GatewayLink::configChanged, this, &OverviewPage::follow);
}

void OverviewPage::follow()
{
    m_connect->setVisible(m_link->isReady()); // snippets need the gateway's address
    const bool firstRun = m_link->isReady() && m_link->snapshot()->models.isEmpty();
    if (firstRun == m_firstRunShown)
        return;
    arrange(firstRun);
    if (firstRun)
        m_firstRun->lookAgain(); // what is running here, at once
}

void OverviewPage::arrange(bool firstRun)
{
    m_firstRunShown = firstRun;
    // The widgets stay; only their places change (a layout's deletion leaves its widgets alone).
    delete layout();
    if (firstRun) {
        // The way to a first working model leads; the live view, still empty, gets the rest.
        auto *page = new QVBoxLayout(this);
        page->addWidget(m_status);
        auto *start = new QHBoxLayout;
        start->addWidget(m_firstRun, 1);
        start->addWidget(m_connect, 1);
        page->addLayout(start, 3);
        page->addWidget(m_counters);
        auto *live = new QHBoxLayout;
        live->addWidget(m_chart, 3);
        live->addWidget(m_admissionBox, 2);
        page->addLayout(live, 2);
    } else {
        // The live view leads on the left; "Connect your tools" stays at hand on the right.
        auto *page = new QHBoxLayout(this);
        auto *live = new QVBoxLayout;
        live->addWidget(m_status);
        live->addWidget(m_counters);
        live->addWidget(m_chart, 3);
        live->addWidget(m_admissionBox, 2);
        page->addLayout(live, 3);
        page->addWidget(m_connect, 2);
    }
    m_firstRun->setVisible(firstRun);
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
        const bool sorting = m_admission->isSortingEnabled();
        m_admission->setSortingEnabled(false); // rows stay put while they are filled
        m_admission->setRowCount(int(models.size() + tenants.size()));
        int row = 0;
        QStringList names;
        const auto put = [this, &row, &names](const QString &name, int in, int waiting, const QString &limit) {
            names << name;
            m_admission->setItem(row, 0, cell(name));
            m_admission->setItem(row, 1, numberCell(in));
            m_admission->setItem(row, 2, numberCell(waiting));
            m_admission->setItem(row, 3, cell(limit));
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
        m_admission->setSortingEnabled(sorting);
        if (names != m_admissionNames) { // fitted when a model or tenant comes or goes, not every second
            m_admissionNames = names;
            fitColumns(m_admission);
        }
        m_admission->setVisible(row > 0);
        m_admissionEmpty->setVisible(row == 0);
        Q_EMIT liveUpdated(inFlight, queued);
    });
}

} // namespace obleth::ui
