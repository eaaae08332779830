#include "modeldialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace obleth::ui {

namespace {
QSpinBox *spin(int min, int max, int value, QWidget *parent, const QString &special = {})
{
    auto *s = new QSpinBox(parent);
    s->setRange(min, max);
    s->setValue(value);
    if (!special.isEmpty())
        s->setSpecialValueText(special);
    return s;
}

QDoubleSpinBox *price(QWidget *parent)
{
    auto *s = new QDoubleSpinBox(parent);
    s->setDecimals(9);
    s->setRange(0, 1);
    s->setSingleStep(0.000001);
    return s;
}
} // namespace

ModelDialog::ModelDialog(const model::ModelConfig *current, QWidget *parent)
    : QDialog(parent)
    , name(new QLineEdit(this))
    , upstreamModel(new QLineEdit(this))
    , apiBase(new QLineEdit(this))
    , apiKey(new QLineEdit(this))
    , inputCost(price(this))
    , outputCost(price(this))
    , contextWindow(spin(0, 100'000'000, 0, this, tr("not set")))
    , enabled(new QCheckBox(tr("Clients may use it"), this))
    , admissionWeight(new QDoubleSpinBox(this))
    , maxConcurrency(spin(0, 100'000, 0, this, tr("no limit")))
    , cacheEnabled(new QCheckBox(tr("Answer repeated requests from the cache"), this))
    , cacheTtl(spin(0, 365 * 24 * 3600, 0, this, tr("until evicted")))
    , connectTimeout(spin(1, 3600, 1, this))
    , firstByteTimeout(spin(1, 86'400, 1, this))
    , idleTimeout(spin(1, 86'400, 1, this))
    , m_problem(new QLabel(this))
{
    const model::ModelConfig m = current ? *current : model::ModelConfig();
    setWindowTitle(current ? tr("Edit model") : tr("Add model"));
    name->setText(m.modelName);
    upstreamModel->setText(m.upstreamModel);
    apiBase->setText(m.apiBase);
    name->setPlaceholderText(tr("the name clients send, e.g. llama3"));
    upstreamModel->setPlaceholderText(tr("the backend's name for it (default: the same)"));
    apiBase->setPlaceholderText(QStringLiteral("http://127.0.0.1:11434/v1"));
    apiKey->setEchoMode(QLineEdit::Password);
    apiKey->setPlaceholderText(!m.apiKey.isEmpty() ? tr("stored (leave empty to keep)") : tr("none"));
    inputCost->setValue(m.inputCostPerToken);
    outputCost->setValue(m.outputCostPerToken);
    contextWindow->setValue(int(m.contextWindow.value_or(0)));
    enabled->setChecked(m.enabled);
    admissionWeight->setRange(0.01, 1000);
    admissionWeight->setValue(m.admissionWeight);
    maxConcurrency->setValue(int(m.maxConcurrency.value_or(0)));
    cacheEnabled->setChecked(m.cacheEnabled);
    cacheTtl->setValue(int(m.cacheTtlSecs));
    connectTimeout->setValue(int(m.connectTimeoutSecs));
    firstByteTimeout->setValue(int(m.firstByteTimeoutSecs));
    idleTimeout->setValue(int(m.idleTimeoutSecs));
    for (QSpinBox *s : {connectTimeout, firstByteTimeout, idleTimeout})
        s->setSuffix(tr(" s"));
    cacheTtl->setSuffix(tr(" s"));
    m_problem->setWordWrap(true);
    QPalette warning = m_problem->palette();
    warning.setColor(QPalette::WindowText, QColor(0xcf, 0x22, 0x2e));
    m_problem->setPalette(warning);
    m_problem->hide();

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), name);
    form->addRow(tr("&Upstream model:"), upstreamModel);
    form->addRow(tr("API &base:"), apiBase);
    form->addRow(tr("API &key:"), apiKey);
    form->addRow(tr("Input cost per token:"), inputCost);
    form->addRow(tr("Output cost per token:"), outputCost);
    form->addRow(tr("Context window:"), contextWindow);
    form->addRow(tr("Enabled:"), enabled);
    form->addRow(tr("Admission &weight:"), admissionWeight);
    form->addRow(tr("Max &concurrency:"), maxConcurrency);
    form->addRow(tr("Cache:"), cacheEnabled);
    form->addRow(tr("Cache lifetime:"), cacheTtl);
    form->addRow(tr("Connect timeout:"), connectTimeout);
    form->addRow(tr("First byte timeout:"), firstByteTimeout);
    form->addRow(tr("Idle timeout (streams):"), idleTimeout);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

config::ModelPatch ModelDialog::model() const
{
    config::ModelPatch m;
    m.modelName = name->text().trimmed();
    m.apiBase = apiBase->text().trimmed();
    m.inputCostPerToken = inputCost->value();
    m.outputCostPerToken = outputCost->value();
    m.enabled = enabled->isChecked();
    m.admissionWeight = admissionWeight->value();
    m.cacheEnabled = cacheEnabled->isChecked();
    m.cacheTtlSecs = cacheTtl->value();
    m.connectTimeoutSecs = connectTimeout->value();
    m.firstByteTimeoutSecs = firstByteTimeout->value();
    m.idleTimeoutSecs = idleTimeout->value();
    if (!upstreamModel->text().trimmed().isEmpty())
        m.upstreamModel = upstreamModel->text().trimmed();
    if (!apiKey->text().isEmpty())
        m.apiKey = apiKey->text();
    m.contextWindow = contextWindow->value() > 0 ? std::optional<qint64>(contextWindow->value()) : std::nullopt;
    m.maxConcurrency = maxConcurrency->value() > 0 ? std::optional<qint64>(maxConcurrency->value()) : std::nullopt;
    return m;
}

void ModelDialog::showProblem(const QString &message)
{
    m_problem->setText(message);
    m_problem->show();
}

} // namespace obleth::ui
