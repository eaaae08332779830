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

ModelDialog::ModelDialog(const QJsonObject &m, QWidget *parent)
    : QDialog(parent)
    , name(new QLineEdit(m.value(QStringLiteral("model_name")).toString(), this))
    , upstreamModel(new QLineEdit(m.value(QStringLiteral("upstream_model")).toString(), this))
    , apiBase(new QLineEdit(m.value(QStringLiteral("api_base")).toString(), this))
    , apiKey(new QLineEdit(this))
    , inputCost(price(this))
    , outputCost(price(this))
    , contextWindow(spin(0, 100'000'000, m.value(QStringLiteral("context_window")).toInt(), this, tr("not set")))
    , enabled(new QCheckBox(tr("Clients may use it"), this))
    , admissionWeight(new QDoubleSpinBox(this))
    , maxConcurrency(spin(0, 100'000, m.value(QStringLiteral("max_concurrency")).toInt(), this, tr("no limit")))
    , cacheEnabled(new QCheckBox(tr("Answer repeated requests from the cache"), this))
    , cacheTtl(
          spin(0, 365 * 24 * 3600, m.value(QStringLiteral("cache_ttl_secs")).toInt(300), this, tr("until evicted")))
    , connectTimeout(spin(1, 3600, m.value(QStringLiteral("connect_timeout_secs")).toInt(10), this))
    , firstByteTimeout(spin(1, 86'400, m.value(QStringLiteral("first_byte_timeout_secs")).toInt(600), this))
    , idleTimeout(spin(1, 86'400, m.value(QStringLiteral("idle_timeout_secs")).toInt(120), this))
    , m_problem(new QLabel(this))
{
    const bool editing = m.contains(QStringLiteral("id"));
    setWindowTitle(editing ? tr("Edit model") : tr("Add model"));
    name->setPlaceholderText(tr("the name clients send, e.g. llama3"));
    upstreamModel->setPlaceholderText(tr("the backend's name for it (default: the same)"));
    apiBase->setPlaceholderText(QStringLiteral("http://127.0.0.1:11434/v1"));
    apiKey->setEchoMode(QLineEdit::Password);
    apiKey->setPlaceholderText(m.value(QStringLiteral("has_api_key")).toBool() ? tr("stored (leave empty to keep)")
                                                                               : tr("none"));
    inputCost->setValue(m.value(QStringLiteral("input_cost_per_token")).toDouble());
    outputCost->setValue(m.value(QStringLiteral("output_cost_per_token")).toDouble());
    enabled->setChecked(m.value(QStringLiteral("enabled")).toBool(true));
    admissionWeight->setRange(0.01, 1000);
    admissionWeight->setValue(m.value(QStringLiteral("admission_weight")).toDouble(1));
    cacheEnabled->setChecked(m.value(QStringLiteral("cache_enabled")).toBool());
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

QJsonObject ModelDialog::model() const
{
    QJsonObject m{
        {QStringLiteral("model_name"), name->text().trimmed()},
        {QStringLiteral("api_base"), apiBase->text().trimmed()},
        {QStringLiteral("input_cost_per_token"), inputCost->value()},
        {QStringLiteral("output_cost_per_token"), outputCost->value()},
        {QStringLiteral("enabled"), enabled->isChecked()},
        {QStringLiteral("admission_weight"), admissionWeight->value()},
        {QStringLiteral("cache_enabled"), cacheEnabled->isChecked()},
        {QStringLiteral("cache_ttl_secs"), cacheTtl->value()},
        {QStringLiteral("connect_timeout_secs"), connectTimeout->value()},
        {QStringLiteral("first_byte_timeout_secs"), firstByteTimeout->value()},
        {QStringLiteral("idle_timeout_secs"), idleTimeout->value()},
    };
    if (!upstreamModel->text().trimmed().isEmpty())
        m.insert(QStringLiteral("upstream_model"), upstreamModel->text().trimmed());
    if (!apiKey->text().isEmpty())
        m.insert(QStringLiteral("api_key"), apiKey->text());
    if (contextWindow->value() > 0)
        m.insert(QStringLiteral("context_window"), contextWindow->value());
    if (maxConcurrency->value() > 0)
        m.insert(QStringLiteral("max_concurrency"), maxConcurrency->value());
    return m;
}

void ModelDialog::showProblem(const QString &message)
{
    m_problem->setText(message);
    m_problem->show();
}

} // namespace obleth::ui
