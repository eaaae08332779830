#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace obleth::mock {

/// The deterministic content of a mock answer: which words, how many tokens.
class MockReply final
{
public:
    enum class Kind { Chat, Completion };
    MockReply(Kind kind, const QJsonObject &request, const QByteArray &body);

    [[nodiscard]] int promptTokens() const noexcept { return m_promptTokens; }
    [[nodiscard]] const QList<QByteArray> &tokens() const noexcept { return m_tokens; }
    [[nodiscard]] QByteArray id() const;

    /// The whole answer as one JSON document.
    [[nodiscard]] QByteArray completeJson() const;
    /// The answer as SSE events: one per token, a finishing one, usage when asked, then [DONE].
    [[nodiscard]] QList<QByteArray> sseEvents() const;

    /// A stable 64-bit hash (FNV-1a), the same on every platform and run.
    static quint64 stableHash(QByteArrayView bytes);
    static constexpr qint64 kCreated = 1735689600; // fixed, so equal requests give equal bytes

private:
    [[nodiscard]] QJsonObject usage() const;
    [[nodiscard]] QByteArray chunk(const QJsonObject &choiceOrDelta, bool finish) const;

    Kind m_kind;
    QString m_model;
    quint64 m_seed;
    int m_promptTokens = 0;
    bool m_includeUsage = false;
    QList<QByteArray> m_tokens;
};

/// Deterministic embeddings for each input of an embeddings request.
[[nodiscard]] QByteArray mockEmbeddingsJson(const QJsonObject &request, QString *error);

} // namespace obleth::mock
