#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <initializer_list>

namespace obleth::proxy {

/// A client's JSON request body: parsed once to read "model" and "stream", and kept as the bytes the
/// client sent so that forwarding changes nothing but the model's value.
class RequestBody final
{
public:
    /// Parses @p bytes; false (with @p error) when they are not a JSON object, or when its top level has
    /// "model" more than once.
    bool parse(const QByteArray &bytes, QString *error);

    [[nodiscard]] const QJsonObject &json() const noexcept { return m_json; }
    /// The bytes as parsed, or as capMaxTokens() left them.
    [[nodiscard]] const QByteArray &bytes() const noexcept { return m_bytes; }
    [[nodiscard]] bool hasModel() const noexcept { return m_modelStart >= 0; }
    [[nodiscard]] QString model() const { return m_json.value(QStringLiteral("model")).toString(); }
    [[nodiscard]] bool isStream() const { return m_json.value(QStringLiteral("stream")).toBool(); }

    /// The original bytes with the top-level "model" value replaced by @p model (JSON-encoded);
    /// every other byte is kept.
    [[nodiscard]] QByteArray withModel(const QString &model) const;

    /// The brownout's rewrite (contract section 11): every top-level "max_tokens" and "max_completion_tokens"
    /// (escaped spellings and repeats included) whose value is not a number at most @p cap becomes @p cap (a
    /// larger number, and also null, a string or anything else that is not a number: the cap holds whatever the
    /// client sent); when neither key is there, "max_tokens": @p cap is added after the last member. Every other
    /// byte is kept, and json() and withModel() then work on the capped body. Returns true when the body changed;
    /// false leaves it as it was (also for a body that was never parsed).
    bool capMaxTokens(qint64 cap)
    {
        return capMaxTokens(cap, {QLatin1String("max_tokens"), QLatin1String("max_completion_tokens")});
    }
    /// The same for the top-level members named @p keys (the first of them is the one added when none is there):
    /// {"max_output_tokens"} for the Responses API (contract section 13), whose max_tokens means nothing.
    bool capMaxTokens(qint64 cap, std::initializer_list<QLatin1String> keys);

    /// How many times @p key is a key of the top-level object in @p bytes (escaped spellings included); sets
    /// @p keyHoldsNul when any top-level key holds U+0000.
    static int countTopLevelKey(const QByteArray &bytes, QByteArrayView key, bool *keyHoldsNul = nullptr);

    /// Where the top-level "model" string value sits in @p bytes ([start, end), quotes included);
    /// false when there is none or it is not a string. The last occurrence wins, as in the parser.
    static bool findTopLevelString(const QByteArray &bytes, QByteArrayView key, qsizetype *start, qsizetype *end);

private:
    QByteArray m_bytes;
    QJsonObject m_json;
    qsizetype m_modelStart = -1;
    qsizetype m_modelEnd = -1;
};

} // namespace obleth::proxy
