#include "modelspage.h"

#include "config/configservices.h"
#include "deploymentspane.h"
#include "discovery/backendprobe.h"
#include "gatewaylink.h"
#include "modeldialog.h"
#include "tables.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <limits>

namespace obleth::ui {

namespace {
constexpr int kBaseRole = kIdRole + 1;
} // namespace

ModelsPage::ModelsPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_probe(new discovery::BackendProbe(this))
    , m_table(listTable({tr("Model"), tr("Upstream"), tr("API base"), tr("Enabled"), tr("Cache"), tr("Concurrency"),
                         tr("Price in / out per 1M"), tr("Deployments"), tr("Fallbacks"), tr("Auto")},
                        this))
    , m_deployments(new DeploymentsPane(link, this))
    , m_add(new QPushButton(tr("&Add…"), this))
    , m_edit(new QPushButton(tr("&Edit…"), this))
    , m_delete(new QPushButton(tr("&Delete…"), this))
    , m_test(new QPushButton(tr("&Test"), this))
    , m_discover(new QPushButton(tr("D&iscover local servers"), this))
    , m_found(new QListWidget(this))
    , m_register(new QPushButton(tr("&Register checked models"), this))
    , m_message(new QLabel(this))
{
    for (const discovery::BackendProbe::Candidate &c : discovery::BackendProbe::usualLocalServers())
        m_ports.append({c.name, c.port});
    m_table->setAccessibleName(tr("Models"));
    m_table->horizontalHeaderItem(Upstream)->setToolTip(tr("The model's name at the backend"));
    m_table->horizontalHeaderItem(MaxConcurrency)->setToolTip(tr("Max concurrency: requests at once"));
    m_table->horizontalHeaderItem(Prices)->setToolTip(
        tr("Price of a million input and output tokens, in the display currency (Settings)"));
    m_table->horizontalHeaderItem(AutoRoute)->setToolTip(tr("Auto-routed: a candidate when a client asks for “auto”"));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(Name, Qt::AscendingOrder);
    m_empty = setEmptyState(m_table,
                            tr("No models yet. <a href=\"add\">Add one</a>, or <a href=\"discover\">discover "
                               "local servers</a> (Ollama, LM Studio, llama.cpp, vLLM) and register theirs."));
    connect(m_empty, &QLabel::linkActivated, this, [this](const QString &target) {
        if (target == QLatin1String("add"))
            openDialog({});
        else
            discover();
    });
    m_found->setAccessibleName(tr("Models found on local servers"));
    m_message->setAccessibleName(tr("Outcome of the last action"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_found->hide();
    m_register->hide();

    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_add, m_edit, m_delete, m_test, m_discover})
        buttons->addWidget(b);
    buttons->addStretch();
    auto *split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    split->addWidget(m_table);
    split->addWidget(m_deployments);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split, 3);
    layout->addLayout(buttons);
    layout->addWidget(m_message);
    layout->addWidget(m_found, 1);
    layout->addWidget(m_register);

    connect(link, &GatewayLink::configChanged, this, &ModelsPage::reload);
    connect(DisplayCurrency::instance(), &DisplayCurrency::changed, this, &ModelsPage::reload);
    connect(m_add, &QPushButton::clicked, this, [this] { openDialog({}); });
    connect(m_edit, &QPushButton::clicked, this, [this] { openDialog(selectedId()); });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { openDialog(selectedId()); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        if (!m_reloading)
            m_deployments->showModel(m_link->snapshot()->findModelById(selectedId()));
    });
    connect(m_test, &QPushButton::clicked, this, &ModelsPage::test);
    connect(m_discover, &QPushButton::clicked, this, &ModelsPage::discover);
    connect(m_register, &QPushButton::clicked, this, &ModelsPage::registerDiscovered);
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QString id = selectedId();
        if (id.isEmpty()
            || QMessageBox::question(this, tr("Delete model"), tr("Delete this model? Clients asking for it get 404."))
                != QMessageBox::Yes)
            return;
        m_link->change([id](config::ConfigServices &c) { return c.models.remove(id); }, this,
                       [this](const config::Problem &p) { m_message->setText(p.ok() ? QString() : p.message); });
    });
    connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem *item) {
        if (m_reloading || item->column() != Enabled)
            return;
        const QString id = m_table->item(item->row(), Name)->data(kIdRole).toString();
        config::ModelPatch patch;
        patch.enabled = item->checkState() == Qt::Checked;
        m_link->change([id, patch](config::ConfigServices &c) { return c.models.update(id, patch); }, this,
                       [this](const config::Problem &p) { m_message->setText(p.ok() ? QString() : p.message); });
    });
}

QString ModelsPage::selectedId() const
{
    const auto items = m_table->selectedItems();
    return items.isEmpty() ? QString() : m_table->item(items.first()->row(), Name)->data(kIdRole).toString();
}

void ModelsPage::reload()
{
    const auto snap = m_link->snapshot();
    const QString selected = selectedId();
    m_reloading = true;
    {
        const SortingPause pause(m_table);
        m_table->setRowCount(int(snap->models.size()));
        int row = 0;
        for (const model::ModelConfig &m : snap->models) {
            auto *name = cell(m.modelName);
            name->setData(kIdRole, m.id);
            m_table->setItem(row, Name, name);
            // The first deployment's, as the model's own fields mirror it; the others are in the pane below.
            const QString more = m.deployments.size() > 1 ? tr(" (+%1 more)").arg(m.deployments.size() - 1) : QString();
            m_table->setItem(row, Upstream, cell(m.upstreamModel));
            m_table->setItem(row, ApiBase, cell(m.apiBase + more));
            auto *enabled = cell(QString());
            enabled->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            enabled->setCheckState(m.enabled ? Qt::Checked : Qt::Unchecked);
            enabled->setData(kSortRole, m.enabled ? 1 : 0);
            enabled->setToolTip(m.enabled ? tr("Enabled: clients may use it") : tr("Disabled: clients get 404"));
            m_table->setItem(row, Enabled, enabled);
            m_table->setItem(row, Cache,
                             m.cacheEnabled ? numberCell(double(m.cacheTtlSecs),
                                                         m.cacheTtlSecs ? tr("%1 s").arg(m.cacheTtlSecs) : tr("on"))
                                            : numberCell(-1, tr("off")));
            m_table->setItem(row, MaxConcurrency,
                             m.maxConcurrency ? numberCell(double(*m.maxConcurrency), countText(*m.maxConcurrency))
                                              : numberCell(std::numeric_limits<double>::max(), tr("no limit")));
            const bool free = m.inputCostPerToken == 0 && m.outputCostPerToken == 0;
            auto *prices
                = numberCell(m.inputCostPerToken + m.outputCostPerToken,
                             free ? tr("free")
                                  : QStringLiteral("%1 / %2").arg(moneyText(perMillion(m.inputCostPerToken)),
                                                                  moneyText(perMillion(m.outputCostPerToken))));
            prices->setToolTip(
                free ? tr("No price set: its requests cost nothing in the usage.")
                     : tr("Per million tokens: %1 input, %2 output (per token: %3 / %4)")
                           .arg(moneyText(perMillion(m.inputCostPerToken)), moneyText(perMillion(m.outputCostPerToken)))
                           .arg(m.inputCostPerToken)
                           .arg(m.outputCostPerToken));
            m_table->setItem(row, Prices, prices);
            int disabled = 0;
            for (const model::Deployment &d : m.deployments)
                disabled += d.enabled ? 0 : 1;
            m_table->setItem(row, Deployments,
                             numberCell(double(m.deployments.size()),
                                        disabled ? tr("%1 (%2 disabled)").arg(m.deployments.size()).arg(disabled)
                                                 : QString::number(m.deployments.size())));
            m_table->setItem(row, Fallbacks, cell(m.fallbacks.join(QStringLiteral(" → "))));
            m_table->setItem(row, AutoRoute, cell(m.autoRoute ? tr("yes") : tr("no")));
            ++row;
        }
    }
    fitColumns(m_table);
    if (const int row = rowWithId(m_table, Name, selected); row >= 0)
        m_table->selectRow(row);
    m_reloading = false;
    m_deployments->showModel(snap->findModelById(selectedId()));
}

void ModelsPage::openDialog(const QString &id)
{
    const auto snap = m_link->snapshot();
    const model::ModelConfig *current = id.isEmpty() ? nullptr : snap->findModelById(id);
    if (!id.isEmpty() && !current)
        return;
    delete m_dialog;
    QStringList others; // the fallbacks' choice
    for (const model::ModelConfig &m : snap->models) {
        if (m.id != id)
            others << m.modelName;
    }
    others.sort(Qt::CaseInsensitive);
    m_dialog = new ModelDialog(current, others, this);
    connect(m_dialog, &QDialog::accepted, this, [this, id] {
        ModelDialog *dialog = m_dialog;
        const config::ModelPatch fields = dialog->model();
        m_link->change(
            [id, fields](config::ConfigServices &c) {
                return id.isEmpty() ? c.models.create(fields) : c.models.replace(id, fields);
            },
            dialog,
            [this, dialog](const config::Problem &p) {
                if (p.ok()) {
                    m_message->setText(tr("Saved %1.").arg(dialog->name->text()));
                    dialog->deleteLater();
                    m_dialog = nullptr;
                } else {
                    dialog->showProblem(p.message);
                    dialog->open(); // stays for the user to fix
                }
            });
    });
    m_dialog->open();
}

void ModelsPage::test()
{
    const model::ModelConfig *m = m_link->snapshot()->findModelById(selectedId());
    if (!m) {
        m_message->setText(tr("Select a model to test."));
        return;
    }
    m_message->setText(tr("Testing %1…").arg(m->modelName));
    m_test->setEnabled(false);
    const QString name = m->modelName;
    m_probe->testModel(
        m->apiBase, m->upstreamModel, m->apiKey, [this, name](const discovery::BackendProbe::TestResult &r) {
            m_test->setEnabled(true);
            m_message->setText(r.ok ? tr("%1 answered in %2 ms: “%3”").arg(name).arg(r.latencyMs).arg(r.answer)
                                    : tr("%1 failed: %2").arg(name, r.error));
        });
}

void ModelsPage::discover()
{
    m_message->setText(tr("Looking for local servers…"));
    m_discover->setEnabled(false);
    QList<discovery::BackendProbe::Candidate> candidates;
    for (const auto &[name, port] : std::as_const(m_ports))
        candidates.append({name, port});
    m_probe->discover(candidates, [this](const QList<discovery::BackendProbe::Server> &servers) {
        m_discover->setEnabled(true);
        m_found->clear();
        const auto snap = m_link->snapshot();
        for (const discovery::BackendProbe::Server &s : servers) {
            for (const QString &model : s.models) {
                auto *item = new QListWidgetItem(tr("%1 (%2) at %3").arg(model, s.name, s.apiBase.toString()), m_found);
                item->setData(kIdRole, model);
                item->setData(kBaseRole, s.apiBase.toString());
                const bool known = snap->findModel(model) != nullptr;
                item->setFlags(known ? Qt::NoItemFlags : (Qt::ItemIsUserCheckable | Qt::ItemIsEnabled));
                item->setCheckState(known ? Qt::Unchecked : Qt::Checked);
                if (known)
                    item->setText(item->text() + tr(" — already registered"));
            }
        }
        m_message->setText(servers.isEmpty()
                               ? tr("No local OpenAI-compatible server answered (looked at ports %1).").arg([this] {
                                     QStringList ports;
                                     for (const auto &p : std::as_const(m_ports))
                                         ports << QString::number(p.second);
                                     return ports.join(QStringLiteral(", "));
                                 }())
                               : tr("Found %n server(s); check the models to register.", nullptr, int(servers.size())));
        m_found->setVisible(!servers.isEmpty());
        m_register->setVisible(!servers.isEmpty());
    });
}

void ModelsPage::registerDiscovered()
{
    QList<config::ModelPatch> found;
    for (int i = 0; i < m_found->count(); ++i) {
        const QListWidgetItem *item = m_found->item(i);
        if (item->checkState() == Qt::Checked) {
            config::ModelPatch fields;
            fields.modelName = item->data(kIdRole).toString();
            fields.apiBase = item->data(kBaseRole).toString();
            found.append(fields);
        }
    }
    m_link->change(
        [found](config::ConfigServices &c) {
            for (const config::ModelPatch &fields : found) {
                if (config::Problem p = c.models.create(fields); !p.ok())
                    return p;
            }
            return config::Problem{};
        },
        this,
        [this, n = found.size()](const config::Problem &p) {
            m_message->setText(p.ok() ? tr("Registered %n model(s).", nullptr, int(n)) : p.message);
            if (p.ok()) {
                m_found->hide();
                m_register->hide();
            }
        });
}

} // namespace obleth::ui
