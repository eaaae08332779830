#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace obleth::mock {

/// The deterministic content of a mock answer: which words, how many tokens, and its JSON and SSE
/// forms. Tokens are generated as they are needed, so a very long stream costs no memory.
class MockReply final
{
public:
    enum class Kind { Chat, Completion };
    MockReply(Kind kind, const QJsonObject &request, const QByteArray &body);

    [[nodiscard]] int promptTokens() const noexcept { return m_promptTokens; }
    [[nodiscard]] int completionTokens() const noexcept { return m_maxTokens; }
    [[nodiscard]] QByteArray id() const;

    /// The whole answer as one JSON document.
    [[nodiscard]] QByteArray completeJson() const;

    /// The answer as SSE events, one at a time: one per token, a finishing one, a usage one when asked,
    /// then "data: [DONE]". Empty when there are no more.
    class EventStream
    {
    public:
        explicit EventStream(const MockReply &reply);
        [[nodiscard]] QByteArray next();

    private:
        const MockReply &m_reply;
        QByteArray m_prefix;
        QByteArray m_suffix;
        quint64 m_state;
        int m_index = 0;
        int m_stage = 0;
    };

    /// A stable 64-bit hash (FNV-1a), the same on every platform and run.
    static quint64 stableHash(QByteArrayView bytes);
    static constexpr qint64 kCreated = 1735689600; // fixed, so equal requests give equal bytes
    static constexpr int kDefaultMaxTokens = 16;
    static constexpr int kMaxTokens = 1'000'000;

private:
    [[nodiscard]] QJsonObject usage() const;
    [[nodiscard]] QByteArray chunkJson(const QJsonObject &choice, bool withUsage) const;
    /// The next word from the generator state @p state; the last word of the reply has no trailing space.
    static QByteArray word(quint64 *state, bool last);

    Kind m_kind;
    QString m_model;
    quint64 m_seed;
    int m_maxTokens = kDefaultMaxTokens;
    int m_promptTokens = 0;
    bool m_includeUsage = false;
};

/// Deterministic embeddings for each input of an embeddings request.
[[nodiscard]] QByteArray mockEmbeddingsJson(const QJsonObject &request, QString *error);

} // namespace obleth::mock
