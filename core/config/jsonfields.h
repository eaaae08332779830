#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace obleth::config {

/// What was wrong with a request to a service, with the field it concerns.
struct Problem
{
    enum class Kind { None, Invalid, NotFound, Conflict, Storage, StorageBusy };
    Kind kind = Kind::None;
    QString field;
    QString message;

    [[nodiscard]] bool ok() const noexcept { return kind == Kind::None; }
    static Problem invalid(const QString &field, const QString &message) { return {Kind::Invalid, field, message}; }
    static Problem notFound(const QString &message) { return {Kind::NotFound, {}, message}; }
    static Problem conflict(const QString &field, const QString &message) { return {Kind::Conflict, field, message}; }
    static Problem storage(const QString &message) { return {Kind::Storage, {}, message}; }
    /// The store is locked by another program for now; the same request may succeed later.
    static Problem busy(const QString &message) { return {Kind::StorageBusy, {}, message}; }
};

/// Reads typed, validated fields from a JSON object and remembers the first problem.
/// Unknown fields are a problem too, so that a typo never passes silently.
class JsonFields final
{
public:
    JsonFields(const QJsonObject &object, const QStringList &known);

    [[nodiscard]] bool has(const QString &name) const { return m_object.contains(name); }
    [[nodiscard]] bool isNull(const QString &name) const;

    /// A string of 1..maxLength characters without control characters.
    void readName(const QString &name, QString *out, qsizetype maxLength = 256);
    /// An http:// or https:// URL with a host.
    void readUrl(const QString &name, QString *out);
    /// Any string up to maxLength (secrets: may not contain line breaks).
    void readSecret(const QString &name, QString *out, qsizetype maxLength = 8192);
    void readBool(const QString &name, bool *out);
    void readInt(const QString &name, qint64 *out, qint64 min, qint64 max);
    void readOptionalInt(const QString &name, std::optional<qint64> *out, qint64 min, qint64 max);
    void readDouble(const QString &name, double *out, double min, double max, bool exclusiveMin = false);
    void readOptionalTime(const QString &name, std::optional<QDateTime> *out);
    void readStringList(const QString &name, QStringList *out);
    /// A list as readStringList(), where null means "no list" (for example: no restriction).
    void readOptionalStringList(const QString &name, std::optional<QStringList> *out);
    /// Flags a field that must be present.
    void require(const QString &name);

    [[nodiscard]] const Problem &problem() const noexcept { return m_problem; }
    [[nodiscard]] bool ok() const noexcept { return m_problem.ok(); }

private:
    void fail(const QString &name, const QString &message);
    /// Length and control characters; false (and the problem noted) when @p text fails.
    bool checkText(const QString &name, const QString &text, qsizetype maxLength);

    const QJsonObject &m_object;
    Problem m_problem;
};

} // namespace obleth::config
