#pragma once

#include "config/fieldcheck.h"
#include "config/problem.h"

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace obleth::admin {

/// Reads the fields of a request's JSON object into typed values and remembers the first problem: a field of
/// the wrong type, a required one missing, or one it does not know (so that a typo never passes silently). A
/// field that is absent leaves its value unset. The values' own rules (lengths, ranges, URLs) are the
/// configuration services' (config::FieldCheck); a number's range is given here only to word a refusal alike.
class JsonFields final
{
public:
    JsonFields(const QJsonObject &object, const QStringList &known);

    [[nodiscard]] bool has(const QString &name) const { return m_object.contains(name); }
    [[nodiscard]] bool isNull(const QString &name) const;

    /// Flags a field that must be present (null counts as absent).
    void require(const QString &name);
    void readString(const QString &name, std::optional<QString> *out);
    /// As readString(), where null means "none" (for example: a deployment's api_format that follows its model's).
    void readOptionalString(const QString &name, std::optional<std::optional<QString>> *out);
    /// A write-only secret: a string, or null for none (read as an empty string).
    void readSecret(const QString &name, std::optional<QString> *out);
    void readBool(const QString &name, std::optional<bool> *out);
    /// A whole number; refused as not in @p range.
    void readWholeNumber(const QString &name, std::optional<qint64> *out, config::IntRange range);
    /// As readWholeNumber(), where null means "none" (for example: no limit).
    void readOptionalWholeNumber(const QString &name, std::optional<std::optional<qint64>> *out,
                                 config::IntRange range);
    /// A number; refused as not in @p range.
    void readNumber(const QString &name, std::optional<double> *out, config::NumberRange range);
    /// An ISO 8601 time, or null for none.
    void readOptionalTime(const QString &name, std::optional<std::optional<QDateTime>> *out);
    /// An array of strings; null reads as an empty list.
    void readStringList(const QString &name, std::optional<QStringList> *out);
    /// An array of strings, where null means "no list" (for example: no restriction).
    void readOptionalStringList(const QString &name, std::optional<std::optional<QStringList>> *out);
    /// An array of JSON objects (each read by the caller).
    void readObjectList(const QString &name, std::optional<QList<QJsonObject>> *out);
    /// A whole number from @p min to @p max, range included: for settings that no configuration service checks.
    void readInt(const QString &name, qint64 *out, qint64 min, qint64 max);

    [[nodiscard]] const config::Problem &problem() const noexcept { return m_problem; }
    [[nodiscard]] bool ok() const noexcept { return m_problem.ok(); }

private:
    void fail(const QString &name, const QString &message);
    /// The value of @p name as a whole number, or std::nullopt (not a number, not whole, or beyond 64 bits).
    [[nodiscard]] std::optional<qint64> wholeNumber(const QString &name) const;

    const QJsonObject &m_object;
    config::Problem m_problem;
};

} // namespace obleth::admin
