#include "deploymentseditor.h"

#include "tables.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace obleth::ui {

DeploymentsEditor::DeploymentsEditor(const QList<model::Deployment> &deployments, QWidget *parent)
    : QWidget(parent)
    , list(listTable({tr("API base"), tr("Upstream model"), tr("API key"), tr("Weight"), tr("Max concurrency"),
                      tr("Enabled"), tr("API format")},
                     this))
    , upstreamModel(new QLineEdit(this))
    , apiBase(new QLineEdit(this))
    , apiKey(new QLineEdit(this))
    , weight(new QDoubleSpinBox(this))
    , maxConcurrency(new QSpinBox(this))
    , enabled(new QCheckBox(tr("Requests may go to this deployment"), this))
    , apiFormat(new QComboBox(this))
    , addButton(new QPushButton(tr("Add &deployment"), this))
    , removeButton(new QPushButton(tr("&Remove deployment"), this))
    , m_heading(new QLabel(this))
    , m_form(new QFormLayout)
{
    for (const model::Deployment &d : deployments) {
        m_entries.append(Entry{d.id,
                               d.apiBase,
                               d.upstreamModel,
                               {},
                               !d.apiKey.isEmpty(),
                               d.weight,
                               int(d.maxConcurrency.value_or(0)),
                               d.enabled,
                               d.apiFormat ? model::apiFormatName(*d.apiFormat) : QString()});
    }
    if (m_entries.isEmpty())
        m_entries.append(Entry{});
    const Entry &first = m_entries.first();
    m_detailed = m_entries.size() > 1 || !first.enabled || first.maxConcurrency > 0 || !first.apiFormat.isEmpty();

    upstreamModel->setPlaceholderText(tr("the backend's name for it (default: the same)"));
    apiBase->setPlaceholderText(QStringLiteral("http://127.0.0.1:11434/v1"));
    apiKey->setEchoMode(QLineEdit::Password);
    weight->setRange(0.01, 1000);
    weight->setToolTip(tr("Its share of the model's requests, against the other deployments' weights."));
    maxConcurrency->setRange(0, 100'000);
    maxConcurrency->setSpecialValueText(tr("no limit"));
    apiFormat->addItem(tr("The model's"), QString());
    apiFormat->addItem(tr("OpenAI-compatible"), QStringLiteral("openai"));
    apiFormat->addItem(tr("Anthropic Messages"), QStringLiteral("anthropic"));
    apiFormat->setToolTip(tr("The API this deployment speaks, when it differs from the model's."));
    list->setAccessibleName(tr("Deployments"));
    // Not sortable: the order is the deployments' own (the first is the model's api_base), and rows are entries.
    list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    list->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    list->horizontalHeader()->setSectionResizeMode(ApiBase, QHeaderView::Stretch);
    list->horizontalHeader()->setStretchLastSection(false);
    list->setMinimumWidth(560);

    m_form->setContentsMargins(0, 0, 0, 0);
    m_form->addRow(tr("&Upstream model:"), upstreamModel);
    m_form->addRow(tr("API &base:"), apiBase);
    m_form->addRow(tr("API &key:"), apiKey);
    m_form->addRow(tr("Weight:"), weight);
    m_form->addRow(tr("Deployment's max concurrency:"), maxConcurrency);
    m_form->addRow(tr("Deployment enabled:"), enabled);
    m_form->addRow(tr("Deployment's API format:"), apiFormat);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(addButton);
    buttons->addWidget(removeButton);
    buttons->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(list);
    layout->addWidget(m_heading);
    layout->addLayout(m_form);
    layout->addLayout(buttons);

    for (QLineEdit *e : {upstreamModel, apiBase, apiKey})
        connect(e, &QLineEdit::textChanged, this, &DeploymentsEditor::store);
    connect(weight, &QDoubleSpinBox::valueChanged, this, &DeploymentsEditor::store);
    connect(maxConcurrency, &QSpinBox::valueChanged, this, &DeploymentsEditor::store);
    connect(enabled, &QCheckBox::toggled, this, &DeploymentsEditor::store);
    connect(apiFormat, &QComboBox::currentIndexChanged, this, &DeploymentsEditor::store);
    connect(list, &QTableWidget::currentCellChanged, this, [this](int row) {
        if (!m_loading && row >= 0)
            setCurrent(row);
    });
    connect(addButton, &QPushButton::clicked, this, &DeploymentsEditor::addDeployment);
    connect(removeButton, &QPushButton::clicked, this, &DeploymentsEditor::removeCurrent);

    list->setRowCount(count());
    for (int row = 0; row < count(); ++row)
        updateRow(row);
    updateLayout();
    setCurrent(0);
}

QList<config::DeploymentPatch> DeploymentsEditor::deployments() const
{
    QList<config::DeploymentPatch> all;
    for (const Entry &e : m_entries) {
        config::DeploymentPatch d;
        if (!e.id.isEmpty())
            d.id = e.id;
        d.apiBase = e.apiBase.trimmed();
        if (!e.upstreamModel.trimmed().isEmpty())
            d.upstreamModel = e.upstreamModel.trimmed();
        if (!e.newKey.isEmpty())
            d.apiKey = e.newKey;
        d.weight = e.weight;
        d.maxConcurrency = e.maxConcurrency > 0 ? std::optional<qint64>(e.maxConcurrency) : std::nullopt;
        d.enabled = e.enabled;
        d.apiFormat = e.apiFormat.isEmpty() ? std::optional<QString>() : std::optional<QString>(e.apiFormat);
        all.append(d);
    }
    return all;
}

void DeploymentsEditor::setCurrent(int index)
{
    if (index < 0 || index >= count())
        return;
    m_current = index;
    load();
}

void DeploymentsEditor::addDeployment()
{
    m_entries.append(Entry{});
    m_detailed = true;
    m_loading = true;
    list->setRowCount(count());
    m_loading = false;
    updateRow(count() - 1);
    updateLayout();
    setCurrent(count() - 1);
    apiBase->setFocus();
}

void DeploymentsEditor::removeCurrent()
{
    if (count() <= 1)
        return;
    const int removed = m_current;
    m_entries.removeAt(removed);
    m_loading = true; // the list's current row moves on its own; the form follows below
    list->removeRow(removed);
    m_loading = false;
    if (count() == 1) {
        const Entry &only = m_entries.first();
        m_detailed = !only.enabled || only.maxConcurrency > 0 || !only.apiFormat.isEmpty();
    }
    updateLayout();
    setCurrent(std::min(removed, count() - 1));
}

void DeploymentsEditor::load()
{
    const Entry &e = m_entries.at(m_current);
    m_loading = true;
    upstreamModel->setText(e.upstreamModel);
    apiBase->setText(e.apiBase);
    apiKey->setText(e.newKey);
    apiKey->setPlaceholderText(e.hasStoredKey ? tr("stored (leave empty to keep)") : tr("none"));
    weight->setValue(e.weight);
    maxConcurrency->setValue(e.maxConcurrency);
    enabled->setChecked(e.enabled);
    apiFormat->setCurrentIndex(std::max(0, apiFormat->findData(e.apiFormat)));
    list->setCurrentCell(m_current, 0);
    list->selectRow(m_current);
    m_heading->setText(tr("Deployment %1 of %2, as selected above:").arg(m_current + 1).arg(count()));
    m_loading = false;
}

void DeploymentsEditor::store()
{
    if (m_loading)
        return;
    Entry &e = m_entries[m_current];
    e.upstreamModel = upstreamModel->text();
    e.apiBase = apiBase->text();
    e.newKey = apiKey->text();
    e.weight = weight->value();
    e.maxConcurrency = maxConcurrency->value();
    e.enabled = enabled->isChecked();
    e.apiFormat = apiFormat->currentData().toString();
    updateRow(m_current);
}

void DeploymentsEditor::updateRow(int row)
{
    const Entry &e = m_entries.at(row);
    QTableWidgetItem *base = cell(e.apiBase.trimmed());
    base->setToolTip(base->text());
    list->setItem(row, ApiBase, base);
    list->setItem(row, Upstream, cell(e.upstreamModel.trimmed()));
    list->setItem(row, Key, cell(!e.newKey.isEmpty() ? tr("new") : e.hasStoredKey ? tr("stored") : tr("none")));
    list->setItem(row, Weight, numberCell(e.weight, QLocale().toString(e.weight)));
    list->setItem(row, MaxConcurrency,
                  numberCell(e.maxConcurrency, e.maxConcurrency > 0 ? countText(e.maxConcurrency) : tr("no limit")));
    list->setItem(row, Enabled, cell(e.enabled ? tr("yes") : tr("no")));
    list->setItem(row, Format, cell(apiFormat->itemText(std::max(0, apiFormat->findData(e.apiFormat)))));
}

void DeploymentsEditor::updateLayout()
{
    const bool several = count() > 1;
    list->setVisible(several);
    // As tall as its rows, up to five (then it scrolls).
    list->setFixedHeight(list->horizontalHeader()->sizeHint().height()
                         + std::min(count(), 5) * list->verticalHeader()->defaultSectionSize()
                         + 2 * list->frameWidth());
    m_heading->setVisible(several);
    removeButton->setVisible(several);
    for (QWidget *w : std::initializer_list<QWidget *>{weight, maxConcurrency, enabled, apiFormat})
        m_form->setRowVisible(w, m_detailed);
}

} // namespace obleth::ui
