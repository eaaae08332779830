#include "modeldialog.h"

#include "deploymentseditor.h"
#include "tables.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
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

/// A spin box that writes a price as people do: two decimals, more only when they say something ("0.15", "0.60",
/// "0.075"), not "0.150000".
class PriceSpinBox final : public QDoubleSpinBox
{
public:
    using QDoubleSpinBox::QDoubleSpinBox;
    QString textFromValue(double value) const override
    {
        QString text = locale().toString(value, 'f', decimals());
        const qsizetype point = text.indexOf(locale().decimalPoint());
        if (point >= 0) {
            qsizetype end = text.size();
            while (end > point + 3 && text.at(end - 1) == QLatin1Char('0'))
                --end;
            text.truncate(end);
        }
        if (!isGroupSeparatorShown())
            text.remove(locale().groupSeparator());
        return text;
    }
};

/// A price typed per million tokens in the display currency (the API keeps it per token).
QDoubleSpinBox *price(QWidget *parent)
{
    auto *s = new PriceSpinBox(parent);
    s->setDecimals(6);
    s->setRange(0, 1'000'000); // up to 1 per token
    s->setSingleStep(0.05);
    s->setPrefix(DisplayCurrency::current().wrap(QString()).trimmed() + QLatin1Char(' '));
    s->setSuffix(ModelDialog::tr(" per 1M tokens"));
    s->setToolTip(ModelDialog::tr("The price of a million tokens, as providers list it. Costs in the log and the "
                                  "usage are counted with it; 0 is free."));
    return s;
}

/// The per-token price to store for @p box: the one it was opened with while it shows that still (so that prices
/// finer than the box shows are kept), else what was typed.
double perTokenOf(const QDoubleSpinBox *box, double opened)
{
    const double shown = box->valueFromText(box->textFromValue(perMillion(opened)));
    return box->value() == shown ? opened : perToken(box->value());
}

/// Gives the labels of @p forms one width, so that forms stacked in one column read as one.
void alignLabels(const QList<QFormLayout *> &forms)
{
    QList<QWidget *> labels;
    int width = 0;
    for (QFormLayout *form : forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            if (QLayoutItem *item = form->itemAt(row, QFormLayout::LabelRole); item && item->widget()) {
                labels << item->widget();
                width = std::max(width, item->widget()->sizeHint().width());
            }
        }
    }
    for (QWidget *label : std::as_const(labels))
        label->setMinimumWidth(width);
}
} // namespace

ModelDialog::ModelDialog(const model::ModelConfig *current, const QStringList &otherModels, QWidget *parent)
    : QDialog(parent)
    , name(new QLineEdit(this))
    , apiFormat(new QComboBox(this))
    , deployments(new DeploymentsEditor(current ? current->deployments : QList<model::Deployment>(), this))
    , upstreamModel(deployments->upstreamModel)
    , apiBase(deployments->apiBase)
    , apiKey(deployments->apiKey)
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
    , autoRoute(new QCheckBox(tr("A candidate when a client asks for the model “auto”"), this))
    , fallbacks(new QListWidget(this))
    , fallbackChoice(new QComboBox(this))
    , addFallback(new QPushButton(tr("&Add"), this))
    , removeFallback(new QPushButton(tr("Remo&ve"), this))
    , fallbackUp(new QPushButton(tr("Move u&p"), this))
    , fallbackDown(new QPushButton(tr("Move d&own"), this))
    , unhealthyAfter(spin(1, 1000, 1, this))
    , cooldown(spin(0, 86'400, 0, this))
    , healthCheck(spin(0, 86'400, 0, this, tr("off")))
    , maxRetries(spin(0, 100, 0, this, tr("none")))
    , m_otherModels(otherModels)
    , m_problem(new QLabel(this))
{
    const model::ModelConfig m = current ? *current : model::ModelConfig();
    setWindowTitle(current ? tr("Edit model") : tr("Add model"));
    name->setText(m.modelName);
    name->setPlaceholderText(tr("the name clients send, e.g. llama3"));
    apiFormat->addItem(tr("OpenAI-compatible (Chat Completions)"), QStringLiteral("openai"));
    apiFormat->addItem(tr("Anthropic Messages"), QStringLiteral("anthropic"));
    apiFormat->setCurrentIndex(apiFormat->findData(model::apiFormatName(m.apiFormat)));
    apiFormat->setToolTip(tr("The API its backends speak. Requests to /v1/messages go as they are to an Anthropic "
                             "backend, and are translated for an OpenAI-compatible one."));
    m_openedInputCost = m.inputCostPerToken;
    m_openedOutputCost = m.outputCostPerToken;
    inputCost->setValue(perMillion(m.inputCostPerToken));
    outputCost->setValue(perMillion(m.outputCostPerToken));
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
    for (QSpinBox *s : {connectTimeout, firstByteTimeout, idleTimeout, cooldown, healthCheck})
        s->setSuffix(tr(" s"));
    cacheTtl->setSuffix(tr(" s"));
    m_problem->setWordWrap(true);
    QPalette warning = m_problem->palette();
    warning.setColor(QPalette::WindowText, QColor(0xcf, 0x22, 0x2e));
    m_problem->setPalette(warning);
    m_problem->hide();

    autoRoute->setChecked(m.autoRoute);
    fallbacks->addItems(m.fallbacks);
    fallbacks->setMaximumHeight(fallbacks->fontMetrics().height() * 7 + 2 * fallbacks->frameWidth());
    fallbacks->setToolTip(tr("Tried in this order when no deployment of this model can answer."));
    fallbackChoice->setAccessibleName(tr("Model to add as a fallback"));
    refillFallbackChoice();
    unhealthyAfter->setValue(int(m.unhealthyAfter));
    unhealthyAfter->setSuffix(tr(" failures in a row"));
    cooldown->setValue(int(m.cooldownSecs));
    healthCheck->setValue(int(m.healthCheckSecs));
    maxRetries->setValue(int(m.maxRetries));
    maxRetries->setToolTip(tr("Tries on other deployments when one fails before the answer starts."));

    auto *top = new QFormLayout;
    top->addRow(tr("&Name:"), name);
    top->addRow(tr("API &format:"), apiFormat);
    auto *form = new QFormLayout;
    form->addRow(tr("&Input price:"), inputCost);
    form->addRow(tr("Ou&tput price:"), outputCost);
    form->addRow(tr("Context window:"), contextWindow);
    form->addRow(tr("Enabled:"), enabled);
    form->addRow(tr("Admission &weight:"), admissionWeight);
    form->addRow(tr("Max &concurrency:"), maxConcurrency);
    form->addRow(tr("Cache:"), cacheEnabled);
    form->addRow(tr("Cache lifetime:"), cacheTtl);
    form->addRow(tr("Connect timeout:"), connectTimeout);
    form->addRow(tr("First byte timeout:"), firstByteTimeout);
    form->addRow(tr("Idle timeout (streams):"), idleTimeout);
    alignLabels({top, deployments->form(), form});
    auto *general = new QWidget(this);
    auto *generalLayout = new QVBoxLayout(general);
    generalLayout->addLayout(top);
    generalLayout->addWidget(deployments);
    generalLayout->addLayout(form);
    generalLayout->addStretch();

    auto *fallbackButtons = new QHBoxLayout;
    fallbackButtons->addWidget(fallbackChoice, 1);
    fallbackButtons->addWidget(addFallback);
    auto *fallbackOrder = new QHBoxLayout;
    fallbackOrder->addWidget(removeFallback);
    fallbackOrder->addWidget(fallbackUp);
    fallbackOrder->addWidget(fallbackDown);
    fallbackOrder->addStretch();
    auto *fallbackBox = new QVBoxLayout;
    fallbackBox->addWidget(fallbacks);
    fallbackBox->addLayout(fallbackOrder);
    fallbackBox->addLayout(fallbackButtons);
    auto *routingForm = new QFormLayout;
    routingForm->addRow(tr("Auto routing:"), autoRoute);
    auto *fallbacksLabel = new QLabel(tr("&Fallbacks:"), this);
    fallbacksLabel->setBuddy(fallbacks);
    routingForm->addRow(fallbacksLabel, fallbackBox);
    routingForm->addRow(tr("Unhealthy after:"), unhealthyAfter);
    routingForm->addRow(tr("Rest before a probe:"), cooldown);
    routingForm->addRow(tr("Health checks every:"), healthCheck);
    routingForm->addRow(tr("Max retries:"), maxRetries);
    auto *routing = new QWidget(this);
    auto *routingLayout = new QVBoxLayout(routing);
    routingLayout->addLayout(routingForm);
    routingLayout->addStretch();

    auto *tabs = new QTabWidget(this);
    tabs->addTab(general, tr("Model"));
    tabs->addTab(routing, tr("Fallbacks and &health"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    connect(addFallback, &QPushButton::clicked, this, [this] {
        const QString chosen = fallbackChoice->currentData().toString();
        if (chosen.isEmpty())
            return;
        fallbacks->addItem(chosen);
        fallbacks->setCurrentRow(fallbacks->count() - 1);
        refillFallbackChoice();
    });
    connect(removeFallback, &QPushButton::clicked, this, [this] {
        delete fallbacks->takeItem(fallbacks->currentRow());
        refillFallbackChoice();
    });
    connect(fallbackUp, &QPushButton::clicked, this, [this] { moveFallback(-1); });
    connect(fallbackDown, &QPushButton::clicked, this, [this] { moveFallback(+1); });
}

void ModelDialog::refillFallbackChoice()
{
    QStringList chosen;
    for (int i = 0; i < fallbacks->count(); ++i)
        chosen << fallbacks->item(i)->text();
    const QString before = fallbackChoice->currentData().toString();
    fallbackChoice->clear();
    for (const QString &other : std::as_const(m_otherModels)) {
        if (!chosen.contains(other))
            fallbackChoice->addItem(other, other);
    }
    // With a placeholder set, a combo box selects nothing on its own.
    fallbackChoice->setCurrentIndex(std::max(0, fallbackChoice->findData(before)));
    fallbackChoice->setEnabled(fallbackChoice->count() > 0);
    addFallback->setEnabled(fallbackChoice->count() > 0);
    if (fallbackChoice->count() == 0)
        fallbackChoice->setPlaceholderText(m_otherModels.isEmpty() ? tr("no other model registered")
                                                                   : tr("every other model is in the list"));
}

void ModelDialog::moveFallback(int by)
{
    const int from = fallbacks->currentRow();
    const int to = from + by;
    if (from < 0 || to < 0 || to >= fallbacks->count())
        return;
    fallbacks->insertItem(to, fallbacks->takeItem(from));
    fallbacks->setCurrentRow(to);
}

config::ModelPatch ModelDialog::model() const
{
    config::ModelPatch m;
    m.modelName = name->text().trimmed();
    m.apiFormat = apiFormat->currentData().toString();
    m.inputCostPerToken = perTokenOf(inputCost, m_openedInputCost);
    m.outputCostPerToken = perTokenOf(outputCost, m_openedOutputCost);
    m.enabled = enabled->isChecked();
    m.admissionWeight = admissionWeight->value();
    m.cacheEnabled = cacheEnabled->isChecked();
    m.cacheTtlSecs = cacheTtl->value();
    m.connectTimeoutSecs = connectTimeout->value();
    m.firstByteTimeoutSecs = firstByteTimeout->value();
    m.idleTimeoutSecs = idleTimeout->value();
    m.contextWindow = contextWindow->value() > 0 ? std::optional<qint64>(contextWindow->value()) : std::nullopt;
    m.maxConcurrency = maxConcurrency->value() > 0 ? std::optional<qint64>(maxConcurrency->value()) : std::nullopt;
    // The whole list; the model's own api_base, upstream_model and api_key follow its first entry.
    m.deployments = deployments->deployments();
    QStringList order;
    for (int i = 0; i < fallbacks->count(); ++i)
        order << fallbacks->item(i)->text();
    m.fallbacks = order;
    m.autoRoute = autoRoute->isChecked();
    m.unhealthyAfter = unhealthyAfter->value();
    m.cooldownSecs = cooldown->value();
    m.healthCheckSecs = healthCheck->value();
    m.maxRetries = maxRetries->value();
    return m;
}

void ModelDialog::showProblem(const QString &message)
{
    m_problem->setText(message);
    m_problem->show();
}

} // namespace obleth::ui
