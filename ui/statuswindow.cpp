#include "statuswindow.h"

#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace obleth::ui {

namespace {
QLineEdit *readOnlyField(QWidget *parent)
{
    auto *field = new QLineEdit(parent);
    field->setReadOnly(true);
    field->setMinimumWidth(360);
    return field;
}
} // namespace

StatusWindow::StatusWindow(QWidget *parent)
    : QWidget(parent)
    , m_state(new QLabel(tr("Starting the gateway…"), this))
    , m_dataUrl(readOnlyField(this))
    , m_adminUrl(readOnlyField(this))
    , m_keyLabel(new QLabel(tr("First API key (shown once):"), this))
    , m_key(readOnlyField(this))
{
    setWindowTitle(tr("obleth"));
    auto *form = new QFormLayout;
    form->addRow(tr("OpenAI base URL:"), m_dataUrl);
    form->addRow(tr("Management API:"), m_adminUrl);
    form->addRow(m_keyLabel, m_key);
    m_dataUrl->setAccessibleName(tr("OpenAI base URL"));
    m_adminUrl->setAccessibleName(tr("Management API URL"));
    m_key->setAccessibleName(tr("First API key, shown once"));
    m_state->setAccessibleName(tr("Gateway state"));
    m_keyLabel->hide();
    m_key->hide();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_state);
    layout->addLayout(form);
}

void StatusWindow::showListening(const QString &dataUrl, const QString &adminUrl)
{
    m_state->setText(tr("The gateway is running."));
    m_dataUrl->setText(dataUrl + QStringLiteral("/v1"));
    m_adminUrl->setText(adminUrl);
}

void StatusWindow::showFirstKey(const QString &key)
{
    m_key->setText(key);
    m_keyLabel->show();
    m_key->show();
    Q_EMIT firstKeyShown(key);
}

QString StatusWindow::whatToDo(const QString &error)
{
    if (error.contains(QLatin1String("cannot listen")))
        return tr("Another program (or another obleth) uses that port. Quit it, or start obleth on other ports: "
                  "obleth --port 18088 --admin-port 19090.");
    if (error.contains(QLatin1String("cannot use database")))
        return tr("obleth left the file untouched. Move it away (or restore a backup) and start obleth again to "
                  "begin with a fresh database; tenants, keys and models will need setting up again.");
    if (error.contains(QLatin1String("admin-token")) || error.contains(QLatin1String("OBLETH_ADMIN_TOKEN")))
        return tr("Fix or delete the admin token file named above; obleth makes a new one when it is missing.");
    if (error.contains(QLatin1String("data directory")))
        return tr("Check that the folder can be created and written, or start obleth with --data-dir.");
    return {};
}

void StatusWindow::showError(const QString &error)
{
    const QString hint = whatToDo(error);
    m_state->setText(tr("The gateway could not start: %1").arg(error)
                     + (hint.isEmpty() ? QString() : QStringLiteral("\n\n") + hint));
    m_state->setWordWrap(true);
}

QString StatusWindow::stateText() const
{
    return m_state->text();
}

} // namespace obleth::ui
