#pragma once

#include <QFrame>

QT_BEGIN_NAMESPACE
class QLabel;
QT_END_NAMESPACE

namespace obleth::ui {

/// One turn of the playground's conversation: what the user said, or an answer with its figures — time to first
/// token, tokens per second, prompt and completion tokens, cost — and how it ended (stopped, an error).
class ChatBubble final : public QFrame
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatBubble)

public:
    enum class Role { User, Assistant };
    ChatBubble(Role role, const QString &title, QWidget *parent = nullptr);

    [[nodiscard]] Role role() const noexcept { return m_role; }
    [[nodiscard]] QString text() const { return m_content; }
    void setText(const QString &text);
    void setTitle(const QString &title);

    /// Milliseconds from sending to the first piece of text.
    void setTimeToFirstToken(qint64 ms);
    /// Completion tokens per second of generation (first token to the end); < 0: not known.
    void setSpeed(double tokensPerSecond);
    /// @p estimated: the gateway counted them, the upstream sent none.
    void setTokens(qint64 prompt, qint64 completion, bool estimated);
    /// @p cached: the gateway's cache answered.
    void setCost(double cost, bool cached = false);
    /// How the answer ended when it is not a plain success; @p problem: an error, shown as one.
    void setOutcome(const QString &text, bool problem);

    [[nodiscard]] QLabel *textLabel() const noexcept { return m_text; }
    [[nodiscard]] QLabel *ttftLabel() const noexcept { return m_ttft; }
    [[nodiscard]] QLabel *speedLabel() const noexcept { return m_speed; }
    [[nodiscard]] QLabel *tokensLabel() const noexcept { return m_tokens; }
    [[nodiscard]] QLabel *costLabel() const noexcept { return m_cost; }
    [[nodiscard]] QLabel *outcomeLabel() const noexcept { return m_outcome; }

private:
    Role m_role;
    QString m_content;
    QLabel *m_title;
    QLabel *m_text;
    QLabel *m_ttft = nullptr;
    QLabel *m_speed = nullptr;
    QLabel *m_tokens = nullptr;
    QLabel *m_cost = nullptr;
    QLabel *m_outcome = nullptr;
};

} // namespace obleth::ui
