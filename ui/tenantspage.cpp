#include "tenantspage.h"

#include "config/configservices.h"
#include "config/fieldcheck.h"
#include "gatewaylink.h"
#include "tables.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <limits>

namespace obleth::ui {

namespace {
/// A limit, or "no limit" sorted above every number.
QTableWidgetItem *limitCell(const std::optional<qint64> &v)
{
    return v ? numberCell(double(*v), countText(*v))
             : numberCell(std::numeric_limits<double>::max(), QObject::tr("no limit"));
}
} // namespace

TenantsPage::TenantsPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_tenants(listTable({tr("Tenant"), tr("Group"), tr("Weight"), tr("Tokens/min"), tr("Max in flight")}, this))
    , m_keys(listTable({tr("Key"), tr("Prefix"), tr("State"), tr("Created")}, this))
    , m_newTenant(new QLineEdit(this))
    , m_addTenant(new QPushButton(tr("&Add tenant"), this))
    , m_newKey(new QLineEdit(this))
    , m_addKey(new QPushButton(tr("&New key"), this))
    , m_toggleKey(new QPushButton(tr("&Disable"), this))
    , m_deleteKey(new QPushButton(tr("Delete key…"), this))
    , m_secret(new QLineEdit(this))
    , m_copySecret(new QPushButton(tr("&Copy"), this))
    , m_message(new QLabel(this))
{
    m_newTenant->setPlaceholderText(tr("New tenant name"));
    m_newKey->setPlaceholderText(tr("Key name"));
    m_secret->setReadOnly(true);
    m_secret->setPlaceholderText(tr("A new key's secret shows here, once."));
    m_message->setWordWrap(true);
    m_tenants->setAccessibleName(tr("Tenants"));
    m_keys->setAccessibleName(tr("Keys of the selected tenant"));
    m_newTenant->setAccessibleName(tr("New tenant name"));
    m_newKey->setAccessibleName(tr("New key name"));
    m_secret->setAccessibleName(tr("New key's secret"));
    m_copySecret->setAccessibleName(tr("Copy the new key's secret"));
    m_message->setAccessibleName(tr("Outcome of the last action"));
    m_tenants->setSortingEnabled(true);
    m_tenants->sortByColumn(Name, Qt::AscendingOrder);
    m_keys->setSortingEnabled(true);
    m_keys->sortByColumn(KeyCreated, Qt::DescendingOrder);
    keepTimesFresh(m_keys);
    setEmptyState(m_tenants, tr("No tenants. Type a name below and press Add tenant."));
    m_keysEmpty = setEmptyState(m_keys, tr("This tenant has no key yet: name one below and press New key."));

    auto *tenantRow = new QHBoxLayout;
    tenantRow->addWidget(m_newTenant);
    tenantRow->addWidget(m_addTenant);
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_newKey);
    keyRow->addWidget(m_addKey);
    keyRow->addWidget(m_toggleKey);
    keyRow->addWidget(m_deleteKey);
    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret);
    secretRow->addWidget(m_copySecret);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Tenants (double-click a weight or a fair-share group to change it)"), this));
    layout->addWidget(m_tenants, 2);
    layout->addLayout(tenantRow);
    layout->addWidget(new QLabel(tr("Keys of the selected tenant"), this));
    layout->addWidget(m_keys, 1);
    layout->addLayout(keyRow);
    layout->addLayout(secretRow);
    layout->addWidget(m_message);

    connect(link, &GatewayLink::configChanged, this, &TenantsPage::reload);
    connect(m_tenants, &QTableWidget::itemSelectionChanged, this, &TenantsPage::reloadKeys);
    connect(m_keys, &QTableWidget::itemSelectionChanged, this, [this] {
        const bool any = !selectedKeyId().isEmpty();
        m_toggleKey->setEnabled(any);
        m_deleteKey->setEnabled(any);
        const auto selected = m_keys->selectedItems();
        m_toggleKey->setText(any && m_keys->item(selected.first()->row(), KeyState)->text() == tr("disabled")
                                 ? tr("&Enable")
                                 : tr("&Disable"));
    });
    connect(m_tenants, &QTableWidget::itemChanged, this, [this](QTableWidgetItem *item) {
        if (m_reloading || (item->column() != Weight && item->column() != Group))
            return;
        const QString id = m_tenants->item(item->row(), Name)->data(kIdRole).toString();
        config::TenantPatch patch;
        if (item->column() == Group) {
            patch.fairshareGroup = item->text().trimmed();
        } else {
            bool ok = false;
            patch.weight = item->text().trimmed().toLongLong(&ok);
            if (!ok) {
                const QString field = QStringLiteral("weight");
                return report(
                    config::Problem::invalid(field, config::wholeNumberMessage(field, config::limits::kWeight)));
            }
        }
        m_link->change([id, patch](config::ConfigServices &c) { return c.tenants.update(id, patch); }, this,
                       [this](const config::Problem &p) { report(p); });
    });
    connect(m_addTenant, &QPushButton::clicked, this, &TenantsPage::addTenant);
    connect(m_newTenant, &QLineEdit::returnPressed, this, &TenantsPage::addTenant);
    connect(m_addKey, &QPushButton::clicked, this, &TenantsPage::addKey);
    connect(m_toggleKey, &QPushButton::clicked, this, &TenantsPage::toggleKey);
    connect(m_deleteKey, &QPushButton::clicked, this, &TenantsPage::deleteKey);
    connect(m_copySecret, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_secret->text()); });
    m_toggleKey->setEnabled(false);
    m_deleteKey->setEnabled(false);
}

void TenantsPage::report(const config::Problem &problem)
{
    m_message->setText(problem.ok() ? QString() : problem.message);
    if (!problem.ok())
        reload(); // show the stored value again
}

QString TenantsPage::selectedTenantId() const
{
    const auto items = m_tenants->selectedItems();
    return items.isEmpty() ? QString() : m_tenants->item(items.first()->row(), Name)->data(kIdRole).toString();
}

QString TenantsPage::selectedKeyId() const
{
    const auto items = m_keys->selectedItems();
    return items.isEmpty() ? QString() : m_keys->item(items.first()->row(), KeyName)->data(kIdRole).toString();
}

void TenantsPage::reload()
{
    // Rebuilding the table would throw away a cell being edited: come back when the user is done.
    const auto editors = m_tenants->viewport()->findChildren<QLineEdit *>(QString(), Qt::FindDirectChildrenOnly);
    if (std::any_of(editors.cbegin(), editors.cend(), [](const QLineEdit *e) { return e->isVisible(); })) {
        QTimer::singleShot(250, this, &TenantsPage::reload);
        return;
    }
    const auto snap = m_link->snapshot();
    const QString selected = selectedTenantId();
    m_reloading = true;
    {
        const SortingPause pause(m_tenants);
        m_tenants->setRowCount(int(snap->tenants.size()));
        int row = 0;
        for (const model::Tenant &t : snap->tenants) {
            auto *name = cell(t.name);
            name->setData(kIdRole, t.id);
            m_tenants->setItem(row, Name, name);
            m_tenants->setItem(row, Group, cell(t.fairshareGroup, true));
            m_tenants->setItem(row, Weight, numberCell(double(t.weight), QString::number(t.weight), true));
            m_tenants->setItem(row, TokensPerMinute, limitCell(t.tokensPerMinute));
            m_tenants->setItem(row, MaxInFlight, limitCell(t.maxInFlight));
            ++row;
        }
    }
    fitColumns(m_tenants);
    int selectRow = rowWithId(m_tenants, Name, selected);
    if (selectRow < 0 && m_tenants->rowCount() > 0)
        selectRow = 0;
    m_reloading = false;
    if (selectRow >= 0)
        m_tenants->selectRow(selectRow);
    reloadKeys();
}

void TenantsPage::reloadKeys()
{
    const auto snap = m_link->snapshot();
    const QString tenantId = selectedTenantId();
    const QString selectedKey = selectedKeyId();
    QList<const model::ApiKey *> keys;
    for (const model::ApiKey &k : snap->keys) {
        if (k.tenantId == tenantId)
            keys.append(&k);
    }
    {
        const SortingPause pause(m_keys);
        m_keys->setRowCount(int(keys.size()));
        for (int row = 0; row < keys.size(); ++row) {
            const model::ApiKey &k = *keys.at(row);
            auto *name = cell(k.name);
            name->setData(kIdRole, k.id);
            m_keys->setItem(row, KeyName, name);
            m_keys->setItem(row, KeyPrefix, cell(k.keyPrefix + QStringLiteral("…")));
            m_keys->setItem(row, KeyState, cell(k.disabled ? tr("disabled") : tr("active")));
            m_keys->setItem(row, KeyCreated, timeCell(k.createdAt));
        }
    }
    fitColumns(m_keys);
    if (const int row = rowWithId(m_keys, KeyName, selectedKey); row >= 0)
        m_keys->selectRow(row);
    m_keysEmpty->setText(tenantId.isEmpty() ? tr("Select a tenant to see its keys.")
                                            : tr("This tenant has no key yet: name one below and press New key."));
    m_addKey->setEnabled(!tenantId.isEmpty());
}

void TenantsPage::addTenant()
{
    config::TenantPatch fields;
    fields.name = m_newTenant->text().trimmed();
    m_link->change([fields](config::ConfigServices &c) { return c.tenants.create(fields); }, this,
                   [this](const config::Problem &p) {
                       report(p);
                       if (p.ok())
                           m_newTenant->clear();
                   });
}

void TenantsPage::addKey()
{
    const QString tenantId = selectedTenantId();
    config::KeyPatch fields;
    if (!m_newKey->text().trimmed().isEmpty())
        fields.name = m_newKey->text().trimmed();
    auto secret = std::make_shared<QString>();
    m_link->change(
        [tenantId, fields, secret](config::ConfigServices &c) {
            return c.keys.create(tenantId, fields, nullptr, secret.get());
        },
        this,
        [this, secret](const config::Problem &p) {
            report(p);
            if (!p.ok())
                return;
            m_newKey->clear();
            m_secret->setText(*secret);
            m_message->setText(tr("Copy the secret now: obleth keeps only its hash and cannot show it again."));
        });
}

void TenantsPage::toggleKey()
{
    const QString id = selectedKeyId();
    const bool disable = m_toggleKey->text() == tr("&Disable");
    config::KeyPatch patch;
    patch.disabled = disable;
    m_link->change([id, patch](config::ConfigServices &c) { return c.keys.update(id, patch); }, this,
                   [this](const config::Problem &p) { report(p); });
}

void TenantsPage::deleteKey()
{
    const QString id = selectedKeyId();
    if (QMessageBox::question(this, tr("Delete key"),
                              tr("Delete this key? Clients using it get 401 from their next request on."))
        != QMessageBox::Yes)
        return;
    m_link->change([id](config::ConfigServices &c) { return c.keys.remove(id); }, this,
                   [this](const config::Problem &p) { report(p); });
}

} // namespace obleth::ui
