#pragma once

#include "chatstream.h"
#include "model/requestrecord.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <optional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QVBoxLayout;
QT_END_NAMESPACE

namespace obleth::ui {

class ChatBubble;
class GatewayLink;

/// Chat with any model through the gateway itself, as a client would: it goes through admission, the log and the cache.
/// The answers stream in as they arrive, each with its time to first token, speed, tokens and cost (the request log's).
/// It uses a key pasted in, or a playground key it makes for a tenant: kept in memory for this run only.
class PlaygroundPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlaygroundPage)

public:
    explicit PlaygroundPage(GatewayLink *link, QWidget *parent = nullptr);
    ~PlaygroundPage() override;

    /// The name of the keys the playground makes.
    static QString playgroundKeyName();

    /// An answer's figures as the page holds them.
    struct Answer
    {
        QByteArray requestId; ///< the gateway's x-obleth-request-id; empty until the head came
        QString model; ///< the model that answered (x-obleth-model), else the one asked for
        QString text;
        qint64 ttftMs = -1; ///< sending to the first piece of text; -1: none came
        double tokensPerSecond = -1; ///< -1: not known
        qint64 promptTokens = -1; ///< -1: not known yet
        qint64 completionTokens = -1;
        bool estimated = false; ///< the gateway estimated the tokens
        std::optional<double> cost; ///< none: not known yet
        bool logged = false; ///< tokens and cost are the request log's
        QString cache; ///< the log's cache outcome ("hit", "miss", "off"; empty where none applies)
        bool running = true;
        bool stopped = false;
        QString error; ///< why it failed, as shown
        QString finishReason;
    };
    [[nodiscard]] int answerCount() const { return int(m_turns.size()); }
    [[nodiscard]] const Answer &answer(int index) const { return m_turns.at(index).answer; }
    [[nodiscard]] ChatBubble *answerBubble(int index) const { return m_turns.at(index).answerView; }
    /// The body of the last request sent (the conversation as the model got it; no key in it).
    [[nodiscard]] const QByteArray &lastRequestBody() const noexcept { return m_lastBody; }
    /// Extra header fields sent with every request (the tests pace the mock with them).
    void setExtraHeaders(const QList<QPair<QByteArray, QByteArray>> &headers) { m_extraHeaders = headers; }

    [[nodiscard]] QLineEdit *keyEdit() const noexcept { return m_key; }
    [[nodiscard]] QComboBox *tenantPicker() const noexcept { return m_tenant; }
    [[nodiscard]] QPushButton *createKeyButton() const noexcept { return m_createKey; }
    [[nodiscard]] QLabel *keyStatus() const noexcept { return m_keyStatus; }
    [[nodiscard]] QComboBox *modelPicker() const noexcept { return m_model; }
    [[nodiscard]] QPlainTextEdit *systemPrompt() const noexcept { return m_system; }
    [[nodiscard]] QSpinBox *maxTokens() const noexcept { return m_maxTokens; }
    [[nodiscard]] QDoubleSpinBox *temperature() const noexcept { return m_temperature; }
    [[nodiscard]] QPlainTextEdit *input() const noexcept { return m_input; }
    [[nodiscard]] QPushButton *sendButton() const noexcept { return m_send; }
    [[nodiscard]] QPushButton *stopButton() const noexcept { return m_stop; }
    [[nodiscard]] QPushButton *clearButton() const noexcept { return m_clear; }
    [[nodiscard]] QLabel *emptyState() const noexcept { return m_empty; }
    [[nodiscard]] bool isStreaming() const noexcept { return !m_stream.isNull(); }

public Q_SLOTS:
    void send();
    void stop();
    void clear();
    void createKey();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Turn
    {
        QString question;
        QString requestedModel; ///< the model named in the request
        ChatBubble *questionView = nullptr;
        ChatBubble *answerView = nullptr;
        Answer answer;
    };

    void reloadChoices();
    void updateKeyStatus();
    void updateControls();
    void onAnswered(int status, const QByteArray &requestId, const QString &model);
    void onText(const QString &text);
    void onUsage(qint64 promptTokens, qint64 completionTokens);
    void onEnded(ChatStream::End end, const QString &error);
    void onRequestFinished(const model::RequestRecord &record);
    /// Takes the log's tokens and cost for the answer @p turn when its record came.
    void applyRecord(Turn &turn, const model::RequestRecord &record);
    /// Shows @p turn's figures (from the stream so far, then the log's).
    void showFigures(Turn &turn);
    [[nodiscard]] QUrl chatUrl() const;
    /// Shows the running answer's text and figures as they are now.
    void render();
    void scrollToEnd();

    GatewayLink *m_link;
    QNetworkAccessManager m_network;
    QLineEdit *m_key;
    QComboBox *m_tenant;
    QPushButton *m_createKey;
    QLabel *m_keyStatus;
    QComboBox *m_model;
    QSpinBox *m_maxTokens;
    QDoubleSpinBox *m_temperature;
    QPlainTextEdit *m_system;
    QScrollArea *m_scroll;
    QVBoxLayout *m_turnsLayout;
    QLabel *m_empty;
    QPlainTextEdit *m_input;
    QPushButton *m_send;
    QPushButton *m_stop;
    QPushButton *m_clear;

    QList<Turn> m_turns;
    QPointer<ChatStream> m_stream;
    QTimer m_render; ///< gathers pieces of text for a moment before they are shown
    QElapsedTimer m_clock; ///< since the running answer was sent
    qint64 m_firstTokenAt = -1;
    qint64 m_endedAt = -1;
    qint64 m_pieces = 0; ///< pieces of text of the running answer
    QByteArray m_lastBody;
    QList<QPair<QByteArray, QByteArray>> m_extraHeaders;
    QString m_madeKeyId; ///< the playground key made in this run, if any
    bool m_creatingKey = false;
    /// Records of the log not matched to an answer yet (an answer's head can come after its record), newest last.
    QList<model::RequestRecord> m_unmatched;
};

} // namespace obleth::ui
