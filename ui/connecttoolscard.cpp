#include "connecttoolscard.h"

#include "config/configservices.h"
#include "connectsnippets.h"
#include "gatewaylink.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include <memory>

namespace obleth::ui {

namespace {
const QString kMockModel = QStringLiteral("mock-model");
constexpr char kTitle[] = "snippetTitle"; ///< the property naming a tab's tool
} // namespace

ConnectToolsCard::ConnectToolsCard(GatewayLink *link, QWidget *parent)
    : QGroupBox(tr("Connect your tools"), parent)
    , m_link(link)
    , m_tabs(new QTabWidget(this))
    , m_copy(new QPushButton(tr("Cop&y"), this))
    , m_model(new QComboBox(this))
    , m_tenant(new QComboBox(this))
    , m_createKey(new QPushButton(tr("Create a &key"), this))
    , m_newKey(new QLineEdit(this))
    , m_keyNote(new QLabel(this))
    , m_copied(new QLabel(this))
{
    setAccessibleName(tr("Connect your tools"));
    m_tabs->setAccessibleName(tr("Snippets per tool"));
    m_tabs->setDocumentMode(true);
    m_copy->setAccessibleName(tr("Copy the snippet to the clipboard"));
    m_model->setAccessibleName(tr("Model in the snippets"));
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_tenant->setAccessibleName(tr("Tenant of a new key"));
    m_createKey->setAccessibleName(tr("Create a key for the tenant"));
    m_createKey->setToolTip(tr("Makes a new API key for the chosen tenant and puts it in the snippets; obleth "
                               "keeps only its hash, so it is shown this once"));
    m_newKey->setReadOnly(true);
    m_newKey->setAccessibleName(tr("New API key, shown once"));
    m_newKey->hide();
    m_keyNote->setWordWrap(true);
    m_keyNote->setAccessibleName(tr("Key in the snippets"));
    m_copied->setAccessibleName(tr("Copy status"));

    // One row of choices: the model the snippets name, and the tenant a new key is made for.
    auto *modelLabel = new QLabel(tr("Mo&del:"), this);
    modelLabel->setBuddy(m_model);
    auto *tenantLabel = new QLabel(tr("Te&nant:"), this);
    tenantLabel->setBuddy(m_tenant);
    auto *choices = new QHBoxLayout;
    choices->addWidget(modelLabel);
    choices->addWidget(m_model);
    choices->addSpacing(12);
    choices->addWidget(tenantLabel);
    choices->addWidget(m_tenant);
    choices->addWidget(m_createKey);
    choices->addStretch(1);

    auto *copyRow = new QHBoxLayout;
    copyRow->addWidget(m_copy);
    copyRow->addWidget(m_copied, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(choices);
    layout->addWidget(m_keyNote);
    layout->addWidget(m_newKey);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(copyRow);

    connect(m_copy, &QPushButton::clicked, this, [this] {
        if (auto *text = qobject_cast<QPlainTextEdit *>(m_tabs->currentWidget())) {
            QApplication::clipboard()->setText(text->toPlainText());
            m_copied->setText(tr("Copied the %1 snippet.").arg(text->property(kTitle).toString()));
        }
    });
    connect(m_tabs, &QTabWidget::currentChanged, m_copied, &QLabel::clear);
    connect(m_model, &QComboBox::currentTextChanged, this, &ConnectToolsCard::fill);
    connect(m_createKey, &QPushButton::clicked, this, &ConnectToolsCard::createKey);
    connect(link, &GatewayLink::configChanged, this, &ConnectToolsCard::reload);
    reload();
}

void ConnectToolsCard::setKey(const QString &key)
{
    m_key = key;
    m_keyNote->setText(tr("The snippets use the key made at this first start. Copy it now: obleth keeps only "
                          "its hash and shows it this once."));
    fill();
}

QString ConnectToolsCard::snippet(const QString &title) const
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (m_tabs->widget(i)->property(kTitle).toString() == title) { // tab texts may gain an '&' from the desktop
            if (auto *text = qobject_cast<QPlainTextEdit *>(m_tabs->widget(i)))
                return text->toPlainText();
        }
    }
    return {};
}

void ConnectToolsCard::reload()
{
    const auto snap = m_link->snapshot();
    // Registered models first (enabled ones), then the built-in test model; the choice stays when it still exists.
    QStringList models;
    for (const model::ModelConfig &m : snap->models) {
        if (m.enabled)
            models.append(m.modelName);
    }
    const bool wasMockOnly = !m_anyRegistered;
    m_anyRegistered = !models.isEmpty();
    if (!models.contains(kMockModel))
        models.append(kMockModel);
    const QString model = m_model->currentText();
    {
        const QSignalBlocker quiet(m_model);
        m_model->clear();
        m_model->addItems(models);
        // The first model registered (the first run's "Use this") replaces mock-model as the suggestion.
        const int keep = m_model->findText(model);
        m_model->setCurrentIndex(keep >= 0 && !(wasMockOnly && m_anyRegistered) ? keep : 0);
    }
    const QString tenantId = m_tenant->currentData().toString();
    m_tenant->clear();
    for (const model::Tenant &t : snap->tenants)
        m_tenant->addItem(t.name, t.id);
    const int byId = m_tenant->findData(tenantId);
    const int byName = m_tenant->findText(QStringLiteral("default"));
    m_tenant->setCurrentIndex(byId >= 0 ? byId : (byName >= 0 ? byName : 0));
    m_createKey->setEnabled(m_tenant->count() > 0 && m_link->isReady());
    if (m_key.isEmpty())
        m_keyNote->setText(tr("The snippets read the key from $%1: set it to one of your keys, or create a key "
                              "here.")
                               .arg(QString::fromLatin1(kApiKeyVariable)));
    fill();
}

void ConnectToolsCard::fill()
{
    const QList<ConnectSnippet> snippets = connectSnippets(m_link->reachableDataUrl(), m_key, m_model->currentText());
    for (int i = 0; i < snippets.size(); ++i) {
        const ConnectSnippet &s = snippets.at(i);
        auto *text = i < m_tabs->count() ? qobject_cast<QPlainTextEdit *>(m_tabs->widget(i)) : nullptr;
        if (!text) {
            text = new QPlainTextEdit(m_tabs);
            text->setReadOnly(true);
            text->setLineWrapMode(QPlainTextEdit::NoWrap);
            text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
            // The longest snippet's lines (the Python ones) without scrolling down.
            text->setMinimumHeight(text->fontMetrics().lineSpacing() * 8 + 2 * text->frameWidth() + 8);
            text->setAccessibleName(tr("%1 snippet").arg(s.title));
            text->setProperty(kTitle, s.title);
            m_tabs->insertTab(i, text, s.title);
        }
        if (text->toPlainText() != s.text)
            text->setPlainText(s.text);
    }
}

void ConnectToolsCard::createKey()
{
    const QString tenantId = m_tenant->currentData().toString();
    const QString tenantName = m_tenant->currentText();
    m_createKey->setEnabled(false);
    auto secret = std::make_shared<QString>();
    config::KeyPatch fields;
    fields.name = tr("tools");
    m_link->change(
        [tenantId, fields, secret](config::ConfigServices &c) {
            return c.keys.create(tenantId, fields, nullptr, secret.get());
        },
        this,
        [this, secret, tenantName](const config::Problem &p) {
            m_createKey->setEnabled(true);
            if (!p.ok()) {
                m_keyNote->setText(tr("No key made: %1").arg(p.message));
                return;
            }
            m_key = *secret;
            m_newKey->setText(m_key);
            m_newKey->show();
            m_keyNote->setText(tr("A new key for tenant %1, in the snippets below. Copy it now: obleth keeps only "
                                  "its hash and cannot show it again.")
                                   .arg(tenantName));
            fill();
        });
}

} // namespace obleth::ui
