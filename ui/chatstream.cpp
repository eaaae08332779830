#include "chatstream.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace obleth::ui {

namespace {
/// An error body or a non-streamed answer is read whole up to this; the rest is not needed to show it.
constexpr qsizetype kMaxBody = 1024 * 1024;

/// Plain text a person can read in a line: printable, short; anything else (a page, binary) is left out.
QString readableText(const QByteArray &body)
{
    const QString text = QString::fromUtf8(body).simplified();
    if (text.isEmpty() || text.size() > 300 || text.startsWith(QLatin1Char('<')))
        return {};
    for (const QChar c : text) {
        if (!c.isPrint())
            return {};
    }
    return text;
}
} // namespace

ChatStream::ChatStream(QNetworkAccessManager *network, QObject *parent)
    : QObject(parent)
    , m_network(network)
{ }

ChatStream::~ChatStream()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void ChatStream::start(const QUrl &url, const QByteArray &key, const QByteArray &body,
                       const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Authorization", "Bearer " + key);
    for (const auto &[name, value] : extraHeaders)
        request.setRawHeader(name, value);
    // A stream can be slow; it is as long as the model takes. No redirects: the gateway sends none.
    request.setTransferTimeout(0);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    m_reply = m_network->post(request, body);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &ChatStream::onHead);
    connect(m_reply, &QNetworkReply::readyRead, this, &ChatStream::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ChatStream::onFinished);
}

void ChatStream::stop()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply.clear();
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
    end(End::Stopped, {});
}

void ChatStream::onHead()
{
    if (!m_reply || m_status != 0)
        return;
    m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (m_status == 0)
        return; // no head yet
    m_reason = m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    const QByteArray type = m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    m_streaming = m_status >= 200 && m_status < 300 && type.startsWith("text/event-stream");
    Q_EMIT answered(m_status, m_reply->rawHeader("x-obleth-request-id"),
                    QString::fromUtf8(m_reply->rawHeader("x-obleth-model")));
}

void ChatStream::onReadyRead()
{
    if (!m_reply)
        return;
    onHead();
    const QByteArray bytes = m_reply->readAll();
    if (m_streaming) {
        handle(m_parser.feed(bytes));
    } else if (m_body.size() < kMaxBody) {
        m_body.append(bytes.left(kMaxBody - m_body.size()));
    }
}

void ChatStream::handle(const QList<ChatStreamEvent> &events)
{
    for (const ChatStreamEvent &e : events) {
        if (m_ended)
            return;
        switch (e.kind) {
        case ChatStreamEvent::Kind::Text: Q_EMIT textArrived(e.text); break;
        case ChatStreamEvent::Kind::Usage: Q_EMIT usageArrived(e.promptTokens, e.completionTokens); break;
        case ChatStreamEvent::Kind::FinishReason:
            m_finishedSeen = true;
            Q_EMIT finishReason(e.text);
            break;
        case ChatStreamEvent::Kind::Error:
            m_streamError = e.code.isEmpty() ? e.text : tr("%1 (%2)").arg(e.text, e.code);
            break;
        case ChatStreamEvent::Kind::Done: break;
        }
    }
}

void ChatStream::onFinished()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    onReadyRead();
    m_reply.clear();
    reply->deleteLater();
    const QNetworkReply::NetworkError error = reply->error();
    const QString networkError = reply->errorString();

    if (m_status == 0) {
        end(End::Failed, tr("Could not reach the gateway: %1").arg(networkError));
        return;
    }
    if (!m_streaming) {
        if (m_status >= 200 && m_status < 300 && error == QNetworkReply::NoError) {
            // A whole answer where a stream was asked for: show it all at once.
            handle(ChatStreamParser::eventsOf(m_body));
            if (m_streamError.isEmpty())
                return end(End::Completed, {});
            return end(End::Failed, m_streamError);
        }
        return end(End::Failed, errorText());
    }
    handle(m_parser.finish());
    if (!m_streamError.isEmpty())
        return end(End::Failed, tr("%1 %2 — %3").arg(m_status).arg(m_reason, m_streamError));
    if (m_parser.sawDone() || (error == QNetworkReply::NoError && m_finishedSeen))
        return end(End::Completed, {});
    if (error != QNetworkReply::NoError)
        return end(End::Failed, tr("The connection closed before the answer ended: %1").arg(networkError));
    end(End::Failed, tr("The answer ended before it was complete (no finish reason, no [DONE])."));
}

QString ChatStream::errorText() const
{
    const QString head = m_reason.isEmpty() ? QString::number(m_status) : tr("%1 %2").arg(m_status).arg(m_reason);
    QString message;
    for (const ChatStreamEvent &e : ChatStreamParser::eventsOf(m_body)) {
        if (e.kind == ChatStreamEvent::Kind::Error)
            message = e.code.isEmpty() ? e.text : tr("%1 (%2)").arg(e.text, e.code);
    }
    if (message.isEmpty())
        message = readableText(m_body);
    return message.isEmpty() ? head : tr("%1 — %2").arg(head, message);
}

void ChatStream::end(End how, const QString &error)
{
    if (m_ended)
        return;
    m_ended = true;
    Q_EMIT ended(how, error);
}

} // namespace obleth::ui
