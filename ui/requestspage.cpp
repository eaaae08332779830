#include "requestspage.h"

#include "gatewaylink.h"
#include "requestdetails.h"
#include "requestfilter.h"
#include "requestlogmodel.h"
#include "tables.h"

#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace obleth::ui {

RequestsPage::RequestsPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_model(new RequestLogModel(this))
    , m_link(link)
    , m_filter(new RequestFilter(this))
    , m_tenant(new QComboBox(this))
    , m_modelFilter(new QComboBox(this))
    , m_status(new QComboBox(this))
    , m_filterEdit(new QLineEdit(this))
    , m_table(new QTableView(this))
    , m_details(new QPlainTextEdit(this))
    , m_copyCurl(new QPushButton(tr("Copy as c&url"), this))
{
    connect(link, &GatewayLink::requestStarted, m_model, &RequestLogModel::started);
    connect(link, &GatewayLink::requestProgress, m_model, &RequestLogModel::progressed);
    connect(link, &GatewayLink::requestFinished, m_model, &RequestLogModel::finished);

    m_filter->setSourceModel(m_model);
    m_filter->setDynamicSortFilter(true);
    m_filter->setSortRole(kSortRole);
    m_filterEdit->setPlaceholderText(tr("Text anywhere in a row (Ctrl+F)"));
    m_status->addItem(tr("Any status"), int(RequestFilter::Status::Any));
    m_status->addItem(tr("2xx"), int(RequestFilter::Status::Success));
    m_status->addItem(tr("4xx"), int(RequestFilter::Status::ClientErrors));
    m_status->addItem(tr("5xx"), int(RequestFilter::Status::ServerErrors));
    m_status->addItem(tr("Failed (any error)"), int(RequestFilter::Status::Failed));
    connect(m_status, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setStatus(RequestFilter::Status(m_status->currentData().toInt())); });
    connect(m_tenant, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setTenant(m_tenant->currentData().toString()); });
    connect(m_modelFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setModel(m_modelFilter->currentData().toString()); });
    connect(link, &GatewayLink::configChanged, this, &RequestsPage::refreshChoices);
    connect(link, &GatewayLink::ready, this, [this] {
        m_link->fetchRecentRequests(
            RequestLogModel::kMaxRows / 5, this,
            [this](const QList<model::RequestRecord> &records) { m_model->appendHistory(records); });
    });
    refreshChoices();
    m_filterEdit->setClearButtonEnabled(true);
    auto *find = new QShortcut(QKeySequence::Find, this);
    connect(find, &QShortcut::activated, m_filterEdit, [this] {
        m_filterEdit->setFocus();
        m_filterEdit->selectAll();
    });
    connect(m_filterEdit, &QLineEdit::textChanged, m_filter, &RequestFilter::setText);

    m_table->setModel(m_filter);
    applyListLook(m_table);
    m_table->setAccessibleName(tr("Requests"));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RequestLogModel::Time, Qt::DescendingOrder); // newest first
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(RequestLogModel::Path, QHeaderView::Stretch);
    fitLogColumns(); // the headers, until rows come
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (!m_fitted && isVisible()) // once seen with rows: the user's widths stay after that
            fitLogColumns();
    });
    keepTimesFresh(m_table);
    setEmptyState(m_table,
                  tr("No requests yet. Point a client at %1 (Overview has the base URL and a key), or try a "
                     "model in the Playground.")
                      .arg(QStringLiteral("/v1")));
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                const RequestLogModel::Entry *e = m_model->entryAt(m_filter->mapToSource(current).row());
                m_selectedId = e ? e->record.id : QByteArray();
                showDetails();
            });
    connect(m_model, &RequestLogModel::entryChanged, this, [this](const QByteArray &id) {
        if (id == m_selectedId)
            showDetails();
    });

    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select a request to see its details."));
    m_details->setAccessibleName(tr("Details of the selected request"));
    m_details->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_copyCurl->setEnabled(false);
    m_copyCurl->setToolTip(tr("Copies a curl command that sends this request again, with the key as $OBLETH_API_KEY"));
    connect(m_copyCurl, &QPushButton::clicked, this, [this] {
        if (const QString command = curlCommand(); !command.isEmpty())
            QGuiApplication::clipboard()->setText(command);
    });
    m_tenant->setAccessibleName(tr("Tenant filter"));
    m_modelFilter->setAccessibleName(tr("Model filter"));
    m_status->setAccessibleName(tr("Status filter"));
    m_filterEdit->setAccessibleName(tr("Text filter"));
    auto *detailsPane = new QWidget(this);
    auto *detailsLayout = new QVBoxLayout(detailsPane);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_details, 1);
    auto *detailButtons = new QHBoxLayout;
    detailButtons->addStretch();
    detailButtons->addWidget(m_copyCurl);
    detailsLayout->addLayout(detailButtons);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(detailsPane);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    auto *filters = new QHBoxLayout;
    filters->addWidget(m_tenant);
    filters->addWidget(m_modelFilter);
    filters->addWidget(m_status);
    filters->addWidget(m_filterEdit, 1);
    layout->addLayout(filters);
    layout->addWidget(split);
    setTabOrder(m_tenant, m_modelFilter);
    setTabOrder(m_modelFilter, m_status);
    setTabOrder(m_status, m_filterEdit);
    setTabOrder(m_filterEdit, m_table);
    setTabOrder(m_table, m_details);
    setTabOrder(m_details, m_copyCurl);
}

void RequestsPage::refreshChoices()
{
    const auto snap = m_link->snapshot();
    const auto refill = [](QComboBox *box, const QString &any, QStringList names) {
        const QString current = box->currentData().toString();
        names.sort(Qt::CaseInsensitive);
        const QSignalBlocker block(box);
        box->clear();
        box->addItem(any, QString());
        for (const QString &name : std::as_const(names))
            box->addItem(name, name);
        box->setCurrentIndex(std::max(0, box->findData(current)));
    };
    QStringList tenants;
    for (const model::Tenant &t : snap->tenants)
        tenants << t.name;
    QStringList models{model::kMockModelName};
    for (const model::ModelConfig &m : snap->models) {
        if (!models.contains(m.modelName))
            models << m.modelName;
    }
    refill(m_tenant, tr("All tenants"), tenants);
    refill(m_modelFilter, tr("All models"), models);
}

void RequestsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_fitted)
        fitLogColumns();
    if (!m_watchingBodies) {
        m_watchingBodies = true;
        m_link->watchBodies(true);
    }
}

void RequestsPage::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    if (m_watchingBodies) {
        m_watchingBodies = false;
        m_link->watchBodies(false);
    }
}

void RequestsPage::fitLogColumns()
{
    QHeaderView *header = m_table->horizontalHeader();
    const QFontMetrics metrics = m_table->fontMetrics();
    // Room for what a column will hold, not only what the first rows have.
    const QHash<int, QString> samples{
        {RequestLogModel::Time, tr("59 min ago")},
        {RequestLogModel::Status, tr("streaming")},
        {RequestLogModel::Latency, tr("%1 ms").arg(countText(88888))},
        {RequestLogModel::Tokens, countText(888888) + QStringLiteral("~")},
        {RequestLogModel::Cost, moneyText(0.00123)},
    };
    for (int column = 0; column < RequestLogModel::ColumnCount; ++column) {
        if (column == RequestLogModel::Path) // it takes what is left
            continue;
        m_table->resizeColumnToContents(column);
        const int sample = samples.contains(column) ? metrics.horizontalAdvance(samples.value(column)) + 16 : 0;
        header->resizeSection(
            column, std::max({std::min(header->sectionSize(column), 240), header->sectionSizeHint(column), sample}));
    }
    m_fitted = isVisible() && m_filter->rowCount() > 0;
}

QString RequestsPage::curlCommand() const
{
    const RequestLogModel::Entry *e = m_model->entryAt(m_model->rowOf(m_selectedId));
    return e && requestdetails::canReproduce(e->record)
        ? requestdetails::curlCommand(e->record, m_link->reachableDataUrl())
        : QString();
}

void RequestsPage::showDetails()
{
    const RequestLogModel::Entry *e = m_model->entryAt(m_model->rowOf(m_selectedId));
    m_copyCurl->setEnabled(e && requestdetails::canReproduce(e->record));
    if (!e) {
        m_details->clear();
        return;
    }
    const model::RequestRecord &r = e->record;
    QStringList lines{
        tr("Request %1").arg(QString::fromLatin1(r.id)),
        tr("%1 %2 · tenant %3 · key %4… · model %5")
            .arg(QString::fromLatin1(r.method), QString::fromUtf8(r.path), r.tenantName, r.keyPrefix, r.model),
    };
    if (e->done) {
        lines << tr("Status %1 · %2 ms (first byte %3 ms) · %4 bytes · cache %5")
                     .arg(r.status)
                     .arg(r.latencyMs)
                     .arg(r.firstByteMs)
                     .arg(r.bytesOut)
                     .arg(r.cache.isEmpty() ? tr("n/a") : r.cache);
        lines << tr("Tokens: %1 prompt + %2 completion%3 · cost %4")
                     .arg(r.promptTokens)
                     .arg(r.completionTokens)
                     .arg(r.estimated ? tr(" (estimated)") : QString())
                     .arg(moneyText(r.cost));
        if (!r.deploymentId.isEmpty())
            lines << tr("Deployment %1").arg(r.deploymentId);
        if (r.fallback)
            lines << tr("Fallback: %1 answered because no deployment of %2 could").arg(r.model, r.requestedModel);
        else if (!r.requestedModel.isEmpty() && r.requestedModel != r.model)
            lines << tr("Asked for “%1”; %2 answered").arg(r.requestedModel, r.model);
        if (r.brownout)
            lines << tr("Brownout: it waited long for admission, so its max_tokens was capped");
        if (!r.error.isEmpty())
            lines << tr("Error: %1").arg(r.error);
    } else {
        lines << tr("In progress · %1 bytes · %2 tokens so far").arg(e->bytes).arg(e->tokens);
    }
    const auto headerLines = [&lines](const QString &title, const model::HeaderList &headers) {
        if (headers.isEmpty())
            return;
        lines << QString() << title;
        for (const auto &[name, value] : headers)
            lines << QStringLiteral("  %1: %2").arg(QString::fromLatin1(name), QString::fromUtf8(value));
    };
    headerLines(tr("Request headers"), r.requestHeaders);
    if (!r.requestBody.isEmpty())
        lines << QString() << tr("Request body") << requestdetails::prettyBody(r.requestBody, r.requestBodyCut);
    headerLines(tr("Response headers"), r.responseHeaders);
    if (!e->text.isEmpty())
        lines << QString() << tr("Text") << e->text;
    if (!r.responseBody.isEmpty()) {
        if (r.streamed)
            lines << QString() << tr("Raw events") << requestdetails::rawEvents(r.responseBody, r.responseBodyCut);
        else
            lines << QString() << tr("Response body") << requestdetails::prettyBody(r.responseBody, r.responseBodyCut);
    }
    if (e->bodiesDropped)
        lines << QString()
              << tr("(Its bodies were let go of: only the newest %1 requests keep them.)")
                     .arg(RequestLogModel::kRowsWithBodies);
    else if (r.requestHeaders.isEmpty() && e->done)
        lines << QString()
              << tr("(Headers are kept only for requests made while the window is open, bodies only while this page "
                    "shows.)");
    // Kept where the reader was: the pane is written again as a stream grows.
    const int scroll = m_details->verticalScrollBar()->value();
    m_details->setPlainText(lines.join(QLatin1Char('\n')));
    m_details->verticalScrollBar()->setValue(scroll);
}

} // namespace obleth::ui
