#include "playgroundpage.h"

#include "chatbubble.h"
#include "chatrequest.h"
#include "config/configservices.h"
#include "config/secrets.h"
#include "gatewaylink.h"
#include "tables.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QSslError>
#include <QTimer>
#include <QVBoxLayout>

namespace obleth::ui {

namespace {
/// How many log records not (yet) matched to an answer are kept.
constexpr qsizetype kUnmatchedKept = 64;

QLabel *buddyLabel(const QString &text, QWidget *buddy, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setBuddy(buddy);
    return label;
}
} // namespace

QString PlaygroundPage::playgroundKeyName()
{
    return QStringLiteral("playground (GUI)");
}

PlaygroundPage::PlaygroundPage(GatewayLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_key(new QLineEdit(this))
    , m_tenant(new QComboBox(this))
    , m_createKey(new QPushButton(tr("Create a playground &key"), this))
    , m_keyStatus(new QLabel(this))
    , m_model(new QComboBox(this))
    , m_maxTokens(new QSpinBox(this))
    , m_temperature(new QDoubleSpinBox(this))
    , m_system(new QPlainTextEdit(this))
    , m_scroll(new QScrollArea(this))
    , m_turnsLayout(nullptr)
    , m_empty(new QLabel(this))
    , m_input(new QPlainTextEdit(this))
    , m_send(new QPushButton(tr("&Send"), this))
    , m_stop(new QPushButton(tr("S&top"), this))
    , m_clear(new QPushButton(tr("C&lear"), this))
{
    m_render.setSingleShot(true);
    m_render.setInterval(33);
    connect(&m_render, &QTimer::timeout, this, &PlaygroundPage::render);
    // The gateway is this process's own, on this machine: no proxy between.
    m_network.setProxy(QNetworkProxy::NoProxy);
#if QT_CONFIG(ssl)
    connect(&m_network, &QNetworkAccessManager::sslErrors, this, [](QNetworkReply *reply, const QList<QSslError> &) {
        // The gateway's own certificate (often self-signed), reached on the loopback only.
        if (QHostAddress(reply->url().host()).isLoopback())
            reply->ignoreSslErrors();
    });
#endif

    m_key->setEchoMode(QLineEdit::Password);
    m_key->setPlaceholderText(tr("Paste an API key (sk_…)"));
    m_key->setAccessibleName(tr("API key"));
    m_key->setToolTip(tr("The key the playground sends with; it stays in memory for this run only."));
    m_tenant->setAccessibleName(tr("Tenant for a playground key"));
    m_createKey->setAccessibleName(tr("Create a playground key"));
    m_createKey->setToolTip(tr("Makes a key named \"%1\" for the chosen tenant, kept in memory for this run only; "
                               "an older one of that name in the tenant is removed.")
                                .arg(playgroundKeyName()));
    m_keyStatus->setWordWrap(true);
    m_keyStatus->setAccessibleName(tr("Key in use"));

    m_model->setEditable(true);
    m_model->setInsertPolicy(QComboBox::NoInsert);
    m_model->setAccessibleName(tr("Model"));
    m_model->setToolTip(tr("A registered model, mock-model, auto, or any name you type"));
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_maxTokens->setRange(0, 1'000'000);
    m_maxTokens->setSpecialValueText(tr("model's default"));
    m_maxTokens->setAccessibleName(tr("Max tokens"));
    m_temperature->setRange(-0.1, 2.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setDecimals(1);
    m_temperature->setValue(-0.1);
    m_temperature->setSpecialValueText(tr("model's default"));
    m_temperature->setAccessibleName(tr("Temperature"));
    m_system->setPlaceholderText(tr("Optional system prompt: how the model should answer"));
    m_system->setAccessibleName(tr("System prompt"));
    m_system->setTabChangesFocus(true);
    m_system->setMaximumHeight(m_system->fontMetrics().lineSpacing() * 3 + 12);

    auto *conversation = new QWidget;
    m_turnsLayout = new QVBoxLayout(conversation);
    m_empty->setParent(conversation);
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setAccessibleName(tr("What to do"));
    m_empty->setMargin(24);
    m_turnsLayout->addWidget(m_empty);
    m_turnsLayout->addStretch(1);
    m_scroll->setWidget(conversation);
    m_scroll->setWidgetResizable(true);
    m_scroll->setAccessibleName(tr("Conversation"));

    m_input->setPlaceholderText(tr("Type a message; Ctrl+Enter sends"));
    m_input->setAccessibleName(tr("Message"));
    m_input->setTabChangesFocus(true);
    m_input->setMaximumHeight(m_input->fontMetrics().lineSpacing() * 5 + 12);
    m_input->installEventFilter(this);
    m_send->setAccessibleName(tr("Send"));
    m_send->setToolTip(tr("Send the message (Ctrl+Enter)"));
    m_stop->setAccessibleName(tr("Stop"));
    m_stop->setToolTip(tr("Stop the answer; what came so far stays"));
    m_clear->setAccessibleName(tr("Clear the conversation"));

    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_key, 2);
    keyRow->addWidget(new QLabel(tr("or"), this));
    keyRow->addWidget(m_tenant, 1);
    keyRow->addWidget(m_createKey);
    auto *modelRow = new QHBoxLayout;
    modelRow->addWidget(m_model, 2);
    modelRow->addWidget(buddyLabel(tr("Max &tokens:"), m_maxTokens, this));
    modelRow->addWidget(m_maxTokens);
    modelRow->addWidget(buddyLabel(tr("T&emperature:"), m_temperature, this));
    modelRow->addWidget(m_temperature);
    auto *form = new QFormLayout;
    form->addRow(buddyLabel(tr("&API key:"), m_key, this), keyRow);
    form->addRow(QString(), m_keyStatus);
    form->addRow(buddyLabel(tr("&Model:"), m_model, this), modelRow);
    form->addRow(buddyLabel(tr("S&ystem:"), m_system, this), m_system);

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_send);
    buttons->addWidget(m_stop);
    buttons->addWidget(m_clear);
    buttons->addStretch(1);
    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_input, 1);
    inputRow->addLayout(buttons);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_scroll, 1);
    layout->addLayout(inputRow);

    connect(m_send, &QPushButton::clicked, this, &PlaygroundPage::send);
    connect(m_stop, &QPushButton::clicked, this, &PlaygroundPage::stop);
    connect(m_clear, &QPushButton::clicked, this, &PlaygroundPage::clear);
    connect(m_createKey, &QPushButton::clicked, this, &PlaygroundPage::createKey);
    connect(m_key, &QLineEdit::textChanged, this, &PlaygroundPage::updateKeyStatus);
    connect(m_input, &QPlainTextEdit::textChanged, this, &PlaygroundPage::updateControls);
    connect(link, &GatewayLink::configChanged, this, [this] {
        reloadChoices();
        updateKeyStatus();
    });
    connect(link, &GatewayLink::ready, this, &PlaygroundPage::updateKeyStatus);
    connect(link, &GatewayLink::requestFinished, this, &PlaygroundPage::onRequestFinished);
    reloadChoices();
    updateKeyStatus();
}

PlaygroundPage::~PlaygroundPage()
{
    delete m_stream; // before the network it reads from
}

void PlaygroundPage::reloadChoices()
{
    const auto snap = m_link->snapshot();

    const QString model = m_model->currentText();
    QStringList names;
    bool autoRouted = false;
    for (const model::ModelConfig &m : snap->models) {
        if (!m.enabled)
            continue;
        names.append(m.modelName);
        autoRouted = autoRouted || m.autoRoute;
    }
    if (autoRouted && !names.contains(QStringLiteral("auto")))
        names.append(QStringLiteral("auto"));
    if (!names.contains(model::kMockModelName))
        names.append(model::kMockModelName);
    QStringList current;
    for (int i = 0; i < m_model->count(); ++i)
        current.append(m_model->itemText(i));
    if (current != names) {
        m_model->clear();
        m_model->addItems(names);
        m_model->setCurrentText(model.isEmpty() ? names.first() : model);
    }

    const QString tenant = m_tenant->currentData().toString();
    m_tenant->clear();
    for (const model::Tenant &t : snap->tenants)
        m_tenant->addItem(t.name, t.id);
    const int index = m_tenant->findData(tenant);
    if (index >= 0)
        m_tenant->setCurrentIndex(index);
}

void PlaygroundPage::updateKeyStatus()
{
    const QString key = m_key->text().trimmed();
    if (!m_link->isReady()) {
        m_keyStatus->setText(tr("The gateway is not running yet."));
    } else if (key.isEmpty()) {
        m_keyStatus->setText(tr("No key yet: paste one, or pick a tenant and create a playground key."));
    } else {
        const auto snap = m_link->snapshot();
        const model::ApiKey *found = snap->findKeyByHash(config::hashSecret(key.toUtf8()));
        const model::Tenant *tenant = found ? snap->findTenant(found->tenantId) : nullptr;
        if (!found || !tenant) {
            m_keyStatus->setText(tr("The gateway knows no such key: it will answer 401."));
        } else {
            QString text = found->id == m_madeKeyId
                ? tr("The playground key of tenant %1 (%2…), made for this run and kept only in memory.")
                      .arg(tenant->name, found->keyPrefix)
                : tr("Key \"%1\" of tenant %2 (%3…).").arg(found->name, tenant->name, found->keyPrefix);
            if (!found->isUsableAt(QDateTime::currentDateTimeUtc()))
                text += QLatin1Char(' ') + tr("It is disabled or expired: the gateway will refuse it.");
            m_keyStatus->setText(text);
        }
    }
    updateControls();
}

void PlaygroundPage::updateControls()
{
    const bool ready = m_link->isReady();
    const bool keyed = !m_key->text().trimmed().isEmpty();
    const bool streaming = isStreaming();
    m_send->setEnabled(ready && keyed && !streaming);
    m_stop->setEnabled(streaming);
    m_clear->setEnabled(!m_turns.isEmpty());
    m_createKey->setEnabled(ready && m_tenant->count() > 0 && !m_creatingKey);
    m_tenant->setEnabled(ready && !m_creatingKey);

    if (!m_turns.isEmpty()) {
        m_empty->hide();
        return;
    }
    if (!ready) {
        m_empty->setText(tr("The gateway is starting. Once it runs, chat with any model here: through the gateway, "
                            "as your applications do."));
    } else if (!keyed) {
        m_empty->setText(tr("To chat, the playground needs a key. Paste one of your API keys above, or pick a tenant "
                            "and press \"Create a playground key\" (it is kept in memory for this run only).\n\nThen "
                            "pick a model, type a message below and press Ctrl+Enter."));
    } else {
        m_empty->setText(tr("Pick a model, type a message below and press Ctrl+Enter (or Send).\n\nThe answer streams "
                            "in as it comes, through admission, the request log and the cache like any client's; each "
                            "answer shows its time to first token, speed, tokens and cost."));
    }
    m_empty->show();
}

void PlaygroundPage::createKey()
{
    const QString tenantId = m_tenant->currentData().toString();
    if (tenantId.isEmpty() || m_creatingKey)
        return;
    m_creatingKey = true;
    updateControls();
    m_keyStatus->setText(tr("Creating a playground key…"));
    // The secret is handed over once and kept only in the key field (in memory, never shown or written).
    auto secret = std::make_shared<QString>();
    auto made = std::make_shared<model::ApiKey>();
    const QString previous = m_madeKeyId;
    m_link->change(
        [tenantId, previous, secret, made](config::ConfigServices &c) {
            config::KeyPatch fields;
            fields.name = playgroundKeyName();
            const config::Problem created = c.keys.create(tenantId, fields, made.get(), secret.get());
            if (!created.ok())
                return created;
            // Older playground keys of this tenant, and the one made before in this run, go: they do not pile up.
            const auto snap = c.live.snapshot();
            for (const model::ApiKey &k : snap->keys) {
                if (k.id != made->id
                    && ((k.tenantId == tenantId && k.name == playgroundKeyName()) || k.id == previous)) {
                    c.keys.remove(k.id);
                }
            }
            return created;
        },
        this,
        [this, secret, made](const config::Problem &p) {
            m_creatingKey = false;
            if (!p.ok()) {
                m_keyStatus->setText(tr("Could not create a playground key: %1").arg(p.message));
                updateControls();
                return;
            }
            m_madeKeyId = made->id;
            m_key->setText(*secret);
            secret->clear();
            updateKeyStatus();
        });
}

QUrl PlaygroundPage::chatUrl() const
{
    QUrl url(m_link->reachableDataUrl());
    url.setPath(url.path() + QStringLiteral("/v1/chat/completions"));
    return url;
}

bool PlaygroundPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) && (key->modifiers() & Qt::ControlModifier)) {
            send();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PlaygroundPage::send()
{
    const QString question = m_input->toPlainText().trimmed();
    const QString key = m_key->text().trimmed();
    const QString modelName = m_model->currentText().trimmed();
    if (question.isEmpty() || key.isEmpty() || modelName.isEmpty() || !m_link->isReady() || isStreaming())
        return;

    ChatRequest request;
    request.model = modelName;
    request.systemPrompt = m_system->toPlainText();
    if (m_maxTokens->value() > 0)
        request.maxTokens = m_maxTokens->value();
    if (m_temperature->value() >= 0)
        request.temperature = m_temperature->value();
    // The conversation so far: every exchange with an answer (a stopped one with what came); a failed one is left
    // out, question and all, so roles keep alternating.
    for (const Turn &t : std::as_const(m_turns)) {
        if (t.answer.text.isEmpty())
            continue;
        request.messages.append({QStringLiteral("user"), t.question});
        request.messages.append({QStringLiteral("assistant"), t.answer.text});
    }
    request.messages.append({QStringLiteral("user"), question});
    m_lastBody = request.body();

    Turn turn;
    turn.question = question;
    turn.requestedModel = modelName;
    turn.answer.model = modelName;
    turn.questionView = new ChatBubble(ChatBubble::Role::User, tr("You"));
    turn.questionView->setText(question);
    turn.answerView = new ChatBubble(ChatBubble::Role::Assistant, modelName);
    turn.answerView->setOutcome(tr("Waiting for the answer…"), false);
    const int at = m_turnsLayout->count() - 1; // before the stretch
    m_turnsLayout->insertWidget(at, turn.questionView);
    m_turnsLayout->insertWidget(at + 1, turn.answerView);
    m_turns.append(turn);
    m_input->clear();

    m_firstTokenAt = -1;
    m_endedAt = -1;
    m_pieces = 0;
    m_stream = new ChatStream(&m_network, this);
    connect(m_stream, &ChatStream::answered, this, &PlaygroundPage::onAnswered);
    connect(m_stream, &ChatStream::textArrived, this, &PlaygroundPage::onText);
    connect(m_stream, &ChatStream::usageArrived, this, &PlaygroundPage::onUsage);
    connect(m_stream, &ChatStream::finishReason, this,
            [this](const QString &reason) { m_turns.last().answer.finishReason = reason; });
    connect(m_stream, &ChatStream::ended, this, &PlaygroundPage::onEnded);
    m_clock.start();
    m_stream->start(chatUrl(), key.toUtf8(), m_lastBody, m_extraHeaders);
    updateControls();
    scrollToEnd();
}

void PlaygroundPage::stop()
{
    if (m_stream)
        m_stream->stop();
}

void PlaygroundPage::clear()
{
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->stop();
        m_stream->deleteLater();
        m_stream.clear();
    }
    m_render.stop();
    for (const Turn &t : std::as_const(m_turns)) {
        delete t.questionView;
        delete t.answerView;
    }
    m_turns.clear();
    updateControls();
}

void PlaygroundPage::onAnswered(int status, const QByteArray &requestId, const QString &model)
{
    Q_UNUSED(status)
    Turn &turn = m_turns.last();
    turn.answer.requestId = requestId;
    if (!model.isEmpty() && model != turn.answer.model) {
        // Another model answered (the auto router, a fallback).
        turn.answer.model = model;
        turn.answerView->setTitle(tr("%1 (asked for %2)").arg(model, turn.requestedModel));
    }
    for (qsizetype i = 0; i < m_unmatched.size(); ++i) {
        if (!requestId.isEmpty() && m_unmatched.at(i).id == requestId) {
            applyRecord(turn, m_unmatched.takeAt(i));
            break;
        }
    }
}

void PlaygroundPage::onText(const QString &text)
{
    Turn &turn = m_turns.last();
    if (m_firstTokenAt < 0) {
        m_firstTokenAt = m_clock.elapsed();
        turn.answer.ttftMs = m_firstTokenAt;
        turn.answerView->setOutcome({}, false);
    }
    ++m_pieces;
    turn.answer.text += text;
    // The first piece shows at once; the next are gathered for a moment (a long answer is not laid out again for
    // each token).
    if (m_pieces == 1)
        render();
    else if (!m_render.isActive())
        m_render.start();
}

void PlaygroundPage::render()
{
    if (m_turns.isEmpty())
        return;
    // Follow the text only when the reader is at the end (not when scrolled up to read).
    const QScrollBar *bar = m_scroll->verticalScrollBar();
    const bool atEnd = bar->value() >= bar->maximum() - 4;
    Turn &turn = m_turns.last();
    turn.answerView->setText(turn.answer.text);
    showFigures(turn);
    if (atEnd)
        scrollToEnd();
}

void PlaygroundPage::onUsage(qint64 promptTokens, qint64 completionTokens)
{
    Turn &turn = m_turns.last();
    if (!turn.answer.logged) {
        turn.answer.promptTokens = promptTokens;
        turn.answer.completionTokens = completionTokens;
    }
    showFigures(turn);
}

void PlaygroundPage::onEnded(ChatStream::End end, const QString &error)
{
    m_endedAt = m_clock.elapsed();
    if (m_stream)
        m_stream->deleteLater();
    m_stream.clear();
    m_render.stop();
    Turn &turn = m_turns.last();
    Answer &answer = turn.answer;
    answer.running = false;
    turn.answerView->setText(answer.text);
    switch (end) {
    case ChatStream::End::Completed:
        turn.answerView->setOutcome(answer.finishReason == QLatin1String("length")
                                        ? tr("Cut short at the token limit (max_tokens).")
                                        : QString(),
                                    false);
        break;
    case ChatStream::End::Stopped:
        answer.stopped = true;
        turn.answerView->setOutcome(tr("Stopped: the answer so far stays."), false);
        break;
    case ChatStream::End::Failed:
        answer.error = error;
        turn.answerView->setOutcome(tr("Error: %1").arg(error), true);
        break;
    }
    showFigures(turn);
    updateControls();
    scrollToEnd();
}

void PlaygroundPage::onRequestFinished(const model::RequestRecord &record)
{
    for (Turn &turn : m_turns) {
        if (!turn.answer.requestId.isEmpty() && turn.answer.requestId == record.id) {
            applyRecord(turn, record);
            return;
        }
    }
    // Its answer's head may not be read yet: keep it a while, without the live views' headers.
    if (!isStreaming())
        return;
    model::RequestRecord kept = record;
    kept.requestHeaders.clear();
    kept.responseHeaders.clear();
    kept.query.clear();
    kept.requestBody.clear();
    kept.responseBody.clear();
    m_unmatched.append(kept);
    if (m_unmatched.size() > kUnmatchedKept)
        m_unmatched.removeFirst();
}

void PlaygroundPage::applyRecord(Turn &turn, const model::RequestRecord &record)
{
    Answer &answer = turn.answer;
    answer.promptTokens = record.promptTokens;
    answer.completionTokens = record.completionTokens;
    answer.estimated = record.estimated;
    answer.cost = record.cost;
    answer.cache = record.cache;
    answer.logged = true;
    showFigures(turn);
}

void PlaygroundPage::showFigures(Turn &turn)
{
    Answer &answer = turn.answer;
    ChatBubble *view = turn.answerView;
    const bool last = &turn == &m_turns.last();
    if (answer.ttftMs >= 0)
        view->setTimeToFirstToken(answer.ttftMs);
    if (last && m_firstTokenAt >= 0) {
        // While it streams, the pieces so far; at the end, the completion tokens over the time since the first.
        const qint64 until = m_endedAt >= 0 ? m_endedAt : m_clock.elapsed();
        const qint64 tokens = !answer.running && answer.completionTokens >= 0 ? answer.completionTokens : m_pieces;
        const qint64 ms = until - m_firstTokenAt;
        if (ms > 0 && tokens > 1)
            answer.tokensPerSecond = double(tokens) * 1000.0 / double(ms);
        view->setSpeed(answer.tokensPerSecond);
    }
    if (answer.promptTokens >= 0)
        view->setTokens(answer.promptTokens, answer.completionTokens, answer.estimated);
    if (!answer.logged && answer.promptTokens >= 0) {
        // Until the log's row comes, the registry's prices (the log's is the truth and replaces it).
        const auto snap = m_link->snapshot();
        if (const model::ModelConfig *m = snap->findModel(answer.model))
            answer.cost = double(answer.promptTokens) * m->inputCostPerToken
                + double(answer.completionTokens) * m->outputCostPerToken;
        else if (answer.model == model::kMockModelName)
            answer.cost = 0;
    }
    if (answer.cost)
        view->setCost(*answer.cost, answer.cache == QLatin1String("hit"));
    view->costLabel()->setToolTip(
        answer.logged ? tr("As the request log has it (request %1)").arg(QString::fromLatin1(answer.requestId))
                      : QString());
}

void PlaygroundPage::scrollToEnd()
{
    // After the layout has placed the new text.
    QTimer::singleShot(0, this,
                       [this] { m_scroll->verticalScrollBar()->setValue(m_scroll->verticalScrollBar()->maximum()); });
}

} // namespace obleth::ui
