#include "mcpserverspage.h"

#include "config/configservices.h"
#include "discovery/backendprobe.h"
#include "gatewaylink.h"
#include "tables.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace obleth::ui {

namespace {
const model::McpServer *findServer(const model::ConfigSnapshot &snap, const QString &id)
{
    for (const model::McpServer &s : snap.mcpServers) {
        if (s.id == id)
            return &s;
    }
    return nullptr;
}
} // namespace

McpServersPage::McpServersPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_probe(new discovery::BackendProbe(this))
    , m_table(listTable({tr("Name"), tr("Upstream URL"), tr("Enabled"), tr("Tenants"), tr("Auth header")}, this))
    , m_add(new QPushButton(tr("&Register…"), this))
    , m_edit(new QPushButton(tr("&Edit…"), this))
    , m_delete(new QPushButton(tr("&Delete…"), this))
    , m_test(new QPushButton(tr("&Test"), this))
    , m_message(new QLabel(this))
{
    m_message->setWordWrap(true);
    m_message->setAccessibleName(tr("Outcome of the last action"));
    m_table->setAccessibleName(tr("MCP servers"));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(Name, Qt::AscendingOrder);
    connect(setEmptyState(m_table,
                          tr("No MCP servers yet. <a href=\"add\">Register one</a> (its streamable HTTP or SSE "
                             "URL): clients then reach it at /mcp/&lt;name&gt; with their tenant key.")),
            &QLabel::linkActivated, this, [this] { openForm({}); });
    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_add, m_edit, m_delete, m_test})
        buttons->addWidget(b);
    buttons->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Clients reach a server at /mcp/<name> on the data plane, with their tenant key."), this));
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_message);

    connect(link, &GatewayLink::configChanged, this, &McpServersPage::reload);
    connect(m_add, &QPushButton::clicked, this, [this] { openForm({}); });
    connect(m_edit, &QPushButton::clicked, this, [this] { openForm(selectedId()); });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { openForm(selectedId()); });
    connect(m_test, &QPushButton::clicked, this, &McpServersPage::test);
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QString id = selectedId();
        if (id.isEmpty()
            || QMessageBox::question(this, tr("Delete MCP server"), tr("Delete this MCP server? Its clients get 404."))
                != QMessageBox::Yes)
            return;
        m_link->change([id](config::ConfigServices &c) { return c.mcpServers.remove(id); }, this,
                       [this](const config::Problem &p) { m_message->setText(p.ok() ? QString() : p.message); });
    });
}

QString McpServersPage::selectedId() const
{
    const auto items = m_table->selectedItems();
    return items.isEmpty() ? QString() : m_table->item(items.first()->row(), Name)->data(kIdRole).toString();
}

void McpServersPage::reload()
{
    const auto snap = m_link->snapshot();
    const QString selected = selectedId();
    {
        const SortingPause pause(m_table);
        m_table->setRowCount(int(snap->mcpServers.size()));
        int row = 0;
        for (const model::McpServer &s : snap->mcpServers) {
            auto *name = cell(s.name);
            name->setData(kIdRole, s.id);
            m_table->setItem(row, Name, name);
            m_table->setItem(row, Url, cell(s.upstreamUrl));
            m_table->setItem(row, Enabled, cell(s.enabled ? tr("yes") : tr("no")));
            QStringList names;
            for (const QString &id : s.allowedTenants) {
                const model::Tenant *t = snap->findTenant(id);
                names << (t ? t->name : id);
            }
            m_table->setItem(row, Tenants, cell(names.isEmpty() ? tr("all") : names.join(QStringLiteral(", "))));
            m_table->setItem(row, Auth, cell(s.authHeader.isEmpty() ? tr("none") : tr("set")));
            ++row;
        }
    }
    fitColumns(m_table);
    if (const int row = rowWithId(m_table, Name, selected); row >= 0)
        m_table->selectRow(row);
}

void McpServersPage::openForm(const QString &id)
{
    const auto snap = m_link->snapshot();
    const model::McpServer *current = id.isEmpty() ? nullptr : findServer(*snap, id);
    if (!id.isEmpty() && !current)
        return;
    delete m_form.dialog;
    Form f;
    f.dialog = new QDialog(this);
    f.dialog->setWindowTitle(current ? tr("Edit MCP server") : tr("Register MCP server"));
    f.name = new QLineEdit(current ? current->name : QString(), f.dialog);
    f.url = new QLineEdit(current ? current->upstreamUrl : QString(), f.dialog);
    f.url->setPlaceholderText(QStringLiteral("http://127.0.0.1:3001/mcp"));
    f.auth = new QLineEdit(f.dialog);
    f.auth->setEchoMode(QLineEdit::Password);
    f.auth->setPlaceholderText(current && !current->authHeader.isEmpty() ? tr("stored (leave empty to keep)")
                                                                         : tr("none, or e.g. Bearer <token>"));
    f.enabled = new QCheckBox(tr("Clients may use it"), f.dialog);
    f.enabled->setChecked(!current || current->enabled);
    f.tenants = new QListWidget(f.dialog);
    for (const model::Tenant &t : snap->tenants) {
        auto *item = new QListWidgetItem(t.name, f.tenants);
        item->setData(kIdRole, t.id);
        item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        item->setCheckState(current && current->allowedTenants.contains(t.id) ? Qt::Checked : Qt::Unchecked);
    }
    f.tenants->setAccessibleName(tr("Allowed tenants"));
    f.problem = new QLabel(f.dialog);
    f.problem->setWordWrap(true);
    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), f.name);
    form->addRow(tr("Upstream &URL:"), f.url);
    form->addRow(tr("&Auth header:"), f.auth);
    form->addRow(tr("Enabled:"), f.enabled);
    form->addRow(tr("Allowed tenants\n(none checked: all):"), f.tenants);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, f.dialog);
    connect(buttons, &QDialogButtonBox::accepted, this, [this, id] { save(id); });
    connect(buttons, &QDialogButtonBox::rejected, f.dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(f.dialog);
    layout->addLayout(form);
    layout->addWidget(f.problem);
    layout->addWidget(buttons);
    m_form = f;
    f.dialog->open();
}

void McpServersPage::save(const QString &id)
{
    const Form &f = m_form;
    QStringList tenants;
    for (int i = 0; i < f.tenants->count(); ++i) {
        if (f.tenants->item(i)->checkState() == Qt::Checked)
            tenants.append(f.tenants->item(i)->data(kIdRole).toString());
    }
    config::McpServerPatch fields;
    fields.name = f.name->text().trimmed();
    fields.upstreamUrl = f.url->text().trimmed();
    fields.enabled = f.enabled->isChecked();
    fields.allowedTenants = tenants;
    if (!f.auth->text().isEmpty())
        fields.authHeader = f.auth->text(); // left empty, a replace keeps the stored header
    QDialog *dialog = f.dialog;
    m_link->change(
        [id, fields](config::ConfigServices &c) {
            return id.isEmpty() ? c.mcpServers.create(fields) : c.mcpServers.replace(id, fields);
        },
        dialog,
        [this, dialog](const config::Problem &p) {
            if (!p.ok()) {
                m_form.problem->setText(p.message);
                return;
            }
            m_message->setText(tr("Saved %1.").arg(m_form.name->text()));
            dialog->accept();
            dialog->deleteLater();
            m_form = {};
        });
}

void McpServersPage::test()
{
    const auto snap = m_link->snapshot();
    const model::McpServer *s = findServer(*snap, selectedId());
    if (!s) {
        m_message->setText(tr("Select an MCP server to test."));
        return;
    }
    m_message->setText(tr("Testing %1…").arg(s->name));
    const QString name = s->name;
    m_probe->testMcpServer(
        QUrl(s->upstreamUrl), s->authHeader, [this, name](const discovery::BackendProbe::TestResult &r) {
            m_message->setText(r.ok ? tr("%1 answered in %2 ms: %3").arg(name).arg(r.latencyMs).arg(r.answer)
                                    : tr("%1 failed: %2").arg(name, r.error));
        });
}

} // namespace obleth::ui
