#include "settingspage.h"

#include "autostart.h"
#include "currency.h"
#include "gatewaylink.h"
#include "palettes.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QUrl>
#include <QVBoxLayout>

namespace obleth::ui {

SettingsPage::SettingsPage(GatewayLink *link, Autostart *autostart, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_autostartEntry(autostart)
    , m_listeners(new QLabel(this))
    , m_dataDir(new QLabel(this))
    , m_openDataDir(new QPushButton(tr("Open &folder"), this))
    , m_token(new QLineEdit(this))
    , m_reveal(new QPushButton(tr("&Reveal"), this))
    , m_copy(new QPushButton(tr("&Copy"), this))
    , m_regenerate(new QPushButton(tr("Re&generate…"), this))
    , m_autostart(new QCheckBox(tr("Start obleth when I log in"), this))
    , m_theme(new QComboBox(this))
    , m_currency(new QComboBox(this))
    , m_message(new QLabel(this))
{
    m_listeners->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_listeners->setWordWrap(true);
    m_dataDir->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_token->setReadOnly(true);
    m_token->setEchoMode(QLineEdit::Password);
    m_reveal->setCheckable(true);
    m_message->setWordWrap(true);
    for (Theme t : {Theme::System, Theme::Light, Theme::Dark})
        m_theme->addItem(themeName(t), int(t));
    m_theme->setCurrentIndex(QSettings().value(QStringLiteral("ui/theme"), 0).toInt());
    for (const Currency &c : DisplayCurrency::known())
        m_currency->addItem(QStringLiteral("%1 (%2)").arg(c.code, c.symbol), c.code);
    m_currency->setCurrentIndex(std::max(0, m_currency->findData(DisplayCurrency::current().code)));
    m_currency->setToolTip(tr("What prices and costs are shown in. obleth does not convert: a model's prices are in "
                              "whatever currency they were typed in."));
    m_token->setAccessibleName(tr("Admin token"));
    m_listeners->setAccessibleName(tr("Where obleth listens"));
    m_dataDir->setAccessibleName(tr("Data folder"));
    m_message->setAccessibleName(tr("Outcome of the last action"));

    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_reveal);
    tokenRow->addWidget(m_copy);
    tokenRow->addWidget(m_regenerate);
    auto *dataRow = new QHBoxLayout;
    dataRow->addWidget(m_dataDir, 1);
    dataRow->addWidget(m_openDataDir);
    auto *form = new QFormLayout;
    form->addRow(tr("Listening:"), m_listeners);
    form->addRow(tr("Data folder:"), dataRow);
    form->addRow(tr("Admin token:"), tokenRow);
    form->addRow(QString(), m_autostart);
    form->addRow(tr("Colours:"), m_theme);
    form->addRow(tr("Display currency:"), m_currency);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addStretch();

    connect(link, &GatewayLink::ready, this, [this] {
        m_listeners->setText(tr("OpenAI base URL %1/v1 · Management API %2\nChange them with obleth --host, --port "
                                "and --admin-port.")
                                 .arg(m_link->dataUrl(), m_link->adminUrl()));
        m_dataDir->setText(m_link->dataDir());
        m_token->setText(m_link->adminToken());
        m_regenerate->setEnabled(!m_link->adminTokenFromEnvironment());
        if (m_link->adminTokenFromEnvironment())
            m_regenerate->setToolTip(tr("The token comes from OBLETH_ADMIN_TOKEN."));
    });
    connect(m_reveal, &QPushButton::toggled, this, [this](bool shown) {
        m_token->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_reveal->setText(shown ? tr("&Hide") : tr("&Reveal"));
    });
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_link->adminToken()); });
    connect(m_regenerate, &QPushButton::clicked, this, &SettingsPage::regenerate);
    connect(m_openDataDir, &QPushButton::clicked, this,
            [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_link->dataDir())); });
    m_autostart->setChecked(m_autostartEntry->isEnabled());
    connect(m_autostart, &QCheckBox::toggled, this, [this](bool on) {
        QString error;
        if (!m_autostartEntry->setEnabled(on, &error)) {
            m_message->setText(error);
            const QSignalBlocker block(m_autostart);
            m_autostart->setChecked(!on);
        } else {
            m_message->setText(on ? tr("obleth will start at login (%1).").arg(m_autostartEntry->location())
                                  : tr("obleth will not start at login."));
        }
    });
    connect(m_currency, &QComboBox::currentIndexChanged, this,
            [this](int index) { DisplayCurrency::set(m_currency->itemData(index).toString()); });
    connect(m_theme, &QComboBox::currentIndexChanged, this, [this](int index) {
        applyTheme(Theme(m_theme->itemData(index).toInt()));
        QSettings().setValue(QStringLiteral("ui/theme"), index);
    });
}

SettingsPage::~SettingsPage() = default;

void SettingsPage::regenerate()
{
    if (QMessageBox::question(this, tr("Regenerate admin token"),
                              tr("Make a new admin token? Scripts using the old one get 401 from now on."))
        != QMessageBox::Yes)
        return;
    m_link->regenerateAdminToken(this, [this](const QString &token, const QString &error) {
        if (token.isEmpty()) {
            m_message->setText(tr("The token was not changed: %1").arg(error));
            return;
        }
        m_token->setText(token);
        m_message->setText(tr("A new admin token is in effect (and in %1/admin-token).").arg(m_link->dataDir()));
    });
}

} // namespace obleth::ui
