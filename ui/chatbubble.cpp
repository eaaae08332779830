#include "chatbubble.h"

#include "tables.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

namespace obleth::ui {

namespace {
QLabel *figure(const QString &name, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setAccessibleName(name);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    label->setFont(font);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}
} // namespace

ChatBubble::ChatBubble(Role role, const QString &title, QWidget *parent)
    : QFrame(parent)
    , m_role(role)
    , m_title(new QLabel(this))
    , m_text(new QLabel(this))
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(role == Role::User ? QPalette::AlternateBase : QPalette::Base);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    setTitle(title);
    m_text->setTextFormat(Qt::PlainText);
    m_title->setTextFormat(Qt::PlainText); // a model's name and the server's words, never markup
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_text->setAccessibleName(role == Role::User ? tr("Your message") : tr("Answer"));
    m_text->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_text);
    if (role == Role::Assistant) {
        m_ttft = figure(tr("Time to first token"), this);
        m_speed = figure(tr("Tokens per second"), this);
        m_tokens = figure(tr("Tokens"), this);
        m_cost = figure(tr("Cost"), this);
        m_outcome = new QLabel(this);
        m_outcome->setAccessibleName(tr("How the answer ended"));
        m_outcome->setWordWrap(true);
        m_outcome->setTextFormat(Qt::PlainText); // the server's words, never markup
        m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_outcome->hide();
        auto *figures = new QHBoxLayout;
        figures->setSpacing(m_title->fontMetrics().averageCharWidth() * 3);
        for (QLabel *l : {m_ttft, m_speed, m_tokens, m_cost})
            figures->addWidget(l);
        figures->addStretch(1);
        layout->addLayout(figures);
        layout->addWidget(m_outcome);
    }
}

void ChatBubble::setTitle(const QString &title)
{
    m_title->setText(title);
}

void ChatBubble::setText(const QString &text)
{
    m_content = text;
    m_text->setText(m_content);
}

void ChatBubble::setTimeToFirstToken(qint64 ms)
{
    if (m_ttft)
        m_ttft->setText(tr("first token %1 ms").arg(countText(ms)));
}

void ChatBubble::setSpeed(double tokensPerSecond)
{
    if (!m_speed)
        return;
    m_speed->setText(tokensPerSecond < 0 ? QString()
                                         : tr("%1 tokens/s").arg(QLocale().toString(tokensPerSecond, 'f', 1)));
}

void ChatBubble::setTokens(qint64 prompt, qint64 completion, bool estimated)
{
    if (!m_tokens)
        return;
    m_tokens->setText(
        (estimated ? tr("%1 prompt + %2 completion tokens (estimated)") : tr("%1 prompt + %2 completion tokens"))
            .arg(countText(prompt), countText(completion)));
}

void ChatBubble::setCost(double cost, bool cached)
{
    if (m_cost)
        m_cost->setText(cached ? tr("cost %1 (from the cache)").arg(moneyText(cost))
                               : tr("cost %1").arg(moneyText(cost)));
}

void ChatBubble::setOutcome(const QString &text, bool problem)
{
    if (!m_outcome)
        return;
    QFont font = m_outcome->font();
    font.setBold(problem);
    m_outcome->setFont(font);
    m_outcome->setText(text);
    m_outcome->setVisible(!text.isEmpty());
}

} // namespace obleth::ui
