#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace obleth::ui {

/// One thing a streamed chat completion said: a piece of the answer's text, the token usage, why it ended, an
/// error in the stream, or the end (`data: [DONE]`).
struct ChatStreamEvent
{
    enum class Kind { Text, Usage, FinishReason, Error, Done };
    Kind kind = Kind::Text;
    QString text; ///< Text: the piece; FinishReason: the reason; Error: the message
    QString code; ///< Error: its code or type, when it has one
    qint64 promptTokens = 0; ///< Usage
    qint64 completionTokens = 0; ///< Usage
};

/// Reads an OpenAI chat completion stream (server-sent events) as its bytes arrive, in pieces of any size: a line
/// or a character split across two reads is held until the rest comes. Lines end with LF, CRLF or CR; an event's
/// `data:` lines are joined; comments and other fields are ignored; a `data:` that is not JSON is skipped.
class ChatStreamParser final
{
public:
    /// The events completed by @p bytes (the next piece of the stream), in order.
    [[nodiscard]] QList<ChatStreamEvent> feed(QByteArrayView bytes);
    /// The stream ended: the events of a last event that no blank line closed.
    [[nodiscard]] QList<ChatStreamEvent> finish();
    /// True once `data: [DONE]` came.
    [[nodiscard]] bool sawDone() const noexcept { return m_done; }

    /// The events of one complete `data:` payload (a chunk of the stream, or a whole non-streamed answer).
    [[nodiscard]] static QList<ChatStreamEvent> eventsOf(const QByteArray &data);

private:
    void line(QByteArrayView line, QList<ChatStreamEvent> *out);
    void dispatch(QList<ChatStreamEvent> *out);

    QByteArray m_line; ///< the current line, not yet ended
    QByteArray m_data; ///< the current event's data lines, joined
    bool m_hasData = false;
    bool m_afterCr = false; ///< the last byte was a CR: a LF right after it ends no second line
    bool m_done = false;
};

} // namespace obleth::ui
