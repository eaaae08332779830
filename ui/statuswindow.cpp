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
}

void StatusWindow::showError(const QString &error)
{
    m_state->setText(tr("The gateway could not start: %1").arg(error));
}

} // namespace obleth::ui
