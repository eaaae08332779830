#include "firstrunpanel.h"

#include "config/configservices.h"
#include "discovery/backendprobe.h"
#include "gatewaylink.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

#include <memory>

namespace obleth::ui {

namespace {
constexpr int kModelsListed = 12; ///< a server's models named in its row; the rest are counted
}

FirstRunPanel::FirstRunPanel(GatewayLink *link, QWidget *parent)
    : QGroupBox(tr("Get started: connect a model"), parent)
    , m_link(link)
    , m_probe(new discovery::BackendProbe(this))
    , m_servers(new QVBoxLayout)
    , m_empty(new QLabel(this))
    , m_message(new QLabel(this))
    , m_lookAgain(new QPushButton(tr("&Look again"), this))
    , m_addByHand(new QPushButton(tr("Add a model by &hand…"), this))
{
    for (const discovery::BackendProbe::Candidate &c : discovery::BackendProbe::usualLocalServers())
        m_ports.append({c.name, c.port});
    setAccessibleName(tr("Get started"));
    auto *intro = new QLabel(tr("No model is registered yet. obleth passes requests on to model servers: pick a "
                                "local server it found below, or add one by hand."),
                             this);
    intro->setWordWrap(true);
    m_empty->setWordWrap(true);
    m_empty->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_empty->setAccessibleName(tr("No local server found"));
    m_empty->hide();
    m_message->setWordWrap(true);
    m_message->setAccessibleName(tr("Discovery status"));
    m_lookAgain->setAccessibleName(tr("Look again for local model servers"));
    m_lookAgain->setToolTip(tr("Asks the usual local ports (Ollama, LM Studio, llama.cpp, vLLM, …) for their models"));
    m_addByHand->setAccessibleName(tr("Add a model by hand on the Models page"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_lookAgain);
    buttons->addWidget(m_addByHand);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(m_servers);
    layout->addWidget(m_empty);
    layout->addWidget(m_message);
    layout->addStretch(1);
    layout->addLayout(buttons);

    connect(m_lookAgain, &QPushButton::clicked, this, &FirstRunPanel::lookAgain);
    connect(m_addByHand, &QPushButton::clicked, this, &FirstRunPanel::addByHandRequested);
}

void FirstRunPanel::lookAgain()
{
    const int generation = ++m_generation;
    m_looking = true;
    m_lookAgain->setEnabled(false);
    m_message->setText(tr("Looking for local model servers…"));
    QList<discovery::BackendProbe::Candidate> candidates;
    for (const auto &[name, port] : std::as_const(m_ports))
        candidates.append({name, port});
    m_probe->discover(candidates, [this, generation](const QList<discovery::BackendProbe::Server> &servers) {
        if (generation != m_generation)
            return; // a later look is under way
        m_looking = false;
        m_lookAgain->setEnabled(true);
        QList<Found> found;
        for (const discovery::BackendProbe::Server &s : servers)
            found.append({s.name, s.apiBase.toString(), s.models});
        showServers(found);
    });
}

QStringList FirstRunPanel::serversShown() const
{
    QStringList lines;
    for (QWidget *row : m_serverRows)
        lines.append(row->accessibleDescription());
    return lines;
}

void FirstRunPanel::showServers(const QList<Found> &servers)
{
    for (QWidget *row : std::as_const(m_serverRows))
        row->deleteLater();
    m_serverRows.clear();
    m_useButtons.clear();
    const auto snap = m_link->snapshot();
    for (const Found &server : servers) {
        auto *row = new QFrame(this);
        row->setFrameShape(QFrame::StyledPanel);
        auto *name = new QLabel(tr("%1 at %2").arg(server.name, server.apiBase), row);
        name->setTextFormat(Qt::PlainText);
        QFont bold = name->font();
        bold.setBold(true);
        name->setFont(bold);
        QStringList listed;
        int registered = 0;
        for (const QString &model : server.models) {
            const bool known = snap->findModel(model) != nullptr;
            registered += known ? 1 : 0;
            if (listed.size() < kModelsListed)
                listed.append(known ? tr("%1 (registered)").arg(model) : model);
        }
        QString modelsText = server.models.isEmpty() ? tr("no model loaded") : listed.join(QStringLiteral(", "));
        if (server.models.size() > kModelsListed)
            modelsText += tr(" and %n more", nullptr, int(server.models.size() - kModelsListed));
        auto *models = new QLabel(modelsText, row);
        models->setTextFormat(Qt::PlainText);
        models->setWordWrap(true);
        models->setTextInteractionFlags(Qt::TextSelectableByMouse);
        const bool allKnown = registered == server.models.size();
        auto *use = new QPushButton(allKnown ? tr("Already registered") : tr("Use this"), row);
        use->setEnabled(!allKnown);
        use->setAccessibleName(
            tr("Use %1: register its %n model(s)", nullptr, int(server.models.size())).arg(server.name));
        use->setToolTip(
            tr("Registers every model %1 serves (those not registered yet) under its own name").arg(server.name));
        auto *text = new QVBoxLayout;
        text->addWidget(name);
        text->addWidget(models);
        auto *rowLayout = new QHBoxLayout(row);
        rowLayout->addLayout(text, 1);
        rowLayout->addWidget(use, 0, Qt::AlignVCenter);
        row->setAccessibleName(server.name);
        row->setAccessibleDescription(
            tr("%1 at %2: %3").arg(server.name, server.apiBase, server.models.join(QStringLiteral(", "))));
        connect(use, &QPushButton::clicked, this, [this, server, use] { this->use(server, use); });
        m_servers->addWidget(row);
        m_serverRows.append(row);
        m_useButtons.append(use);
    }
    if (servers.isEmpty()) {
        QStringList ports;
        for (const auto &[name, port] : std::as_const(m_ports))
            ports.append(tr("%1 %2").arg(name).arg(port));
        m_empty->setText(
            tr("No local model server answered (looked at %1). To get going:\n"
               "• start Ollama (ollama serve) or LM Studio's local server, then click Look again;\n"
               "• or add a model by hand on the Models page: any OpenAI-compatible API, with its base URL and key;\n"
               "• or try obleth right now with mock-model, its built-in test model: the snippets under "
               "Connect your tools work as they are.")
                .arg(ports.join(QStringLiteral(", "))));
        m_message->clear();
    } else {
        m_message->setText(
            tr("Found %n local server(s). “Use this” registers its models.", nullptr, int(servers.size())));
    }
    m_empty->setVisible(servers.isEmpty());
}

void FirstRunPanel::use(const Found &server, QPushButton *button)
{
    button->setEnabled(false);
    m_message->setText(tr("Registering the models of %1…").arg(server.name));
    struct Outcome
    {
        int created = 0;
        int skipped = 0;
    };
    auto outcome = std::make_shared<Outcome>();
    m_link->change(
        [server, outcome](config::ConfigServices &c) {
            config::Problem first;
            for (const QString &name : server.models) {
                if (c.live.snapshot()->findModel(name)) {
                    ++outcome->skipped;
                    continue;
                }
                config::ModelPatch fields;
                fields.modelName = name;
                fields.apiBase = server.apiBase;
                if (config::Problem p = c.models.create(fields); p.ok())
                    ++outcome->created;
                else if (first.ok())
                    first = p;
            }
            return first;
        },
        this,
        [this, outcome, name = server.name, button = QPointer<QPushButton>(button)](const config::Problem &p) {
            QString text = tr("Registered %n model(s) of %1.", nullptr, outcome->created).arg(name);
            if (outcome->skipped > 0)
                text += QLatin1Char(' ') + tr("Skipped %n already registered.", nullptr, outcome->skipped);
            if (!p.ok())
                text += QLatin1Char(' ') + tr("One was refused: %1").arg(p.message);
            m_message->setText(text);
            if (button) {
                button->setEnabled(!p.ok());
                if (p.ok())
                    button->setText(tr("Registered"));
            }
        });
}

} // namespace obleth::ui
