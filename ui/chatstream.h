#pragma once

#include "chatstreamparser.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QUrl>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkReply;
QT_END_NAMESPACE

namespace obleth::ui {

/// One streamed chat completion sent over HTTP as any client sends it, read as it arrives without blocking: the
/// answer's head (status, request id), each piece of text, the usage, and how it ended — completed, stopped, or
/// failed with a readable reason (an error body with its status, an error inside the stream, a dropped
/// connection). The key goes only into the Authorization header.
class ChatStream final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatStream)

public:
    enum class End { Completed, Stopped, Failed };
    Q_ENUM(End)

    /// Sends through @p network (which outlives this).
    explicit ChatStream(QNetworkAccessManager *network, QObject *parent = nullptr);
    ~ChatStream() override;

    /// POSTs @p body to @p url with @p key as the bearer token and @p extraHeaders besides.
    void start(const QUrl &url, const QByteArray &key, const QByteArray &body,
               const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
    /// Stops reading and closes the connection; ended(Stopped) follows at once.
    void stop();
    [[nodiscard]] bool isRunning() const noexcept { return !m_reply.isNull(); }

Q_SIGNALS:
    /// The answer's head came: its HTTP status, the gateway's x-obleth-request-id and the model that answers
    /// (x-obleth-model; empty when the gateway names none).
    void answered(int status, const QByteArray &requestId, const QString &model);
    void textArrived(const QString &text);
    void usageArrived(qint64 promptTokens, qint64 completionTokens);
    void finishReason(const QString &reason);
    /// The end; @p error says what went wrong (for Failed) in words a person reads: the status, then the message.
    void ended(obleth::ui::ChatStream::End end, const QString &error);

private:
    void onHead();
    void onReadyRead();
    void onFinished();
    void handle(const QList<ChatStreamEvent> &events);
    void end(End end, const QString &error);
    [[nodiscard]] QString errorText() const;

    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    ChatStreamParser m_parser;
    int m_status = 0;
    QString m_reason; ///< the status's reason phrase
    bool m_streaming = false; ///< a 2xx answer that is an event stream (else its body is read whole)
    QByteArray m_body; ///< a body read whole (an error, a non-streamed answer), up to a bound
    QString m_streamError; ///< an error that came inside the stream
    bool m_finishedSeen = false; ///< a finish_reason came
    bool m_ended = false;
};

} // namespace obleth::ui
