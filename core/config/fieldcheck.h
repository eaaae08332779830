#pragma once

#include "problem.h"

#include <QDateTime>
#include <QStringList>

#include <optional>

namespace obleth::config {

/// The range of a whole-number field.
struct IntRange
{
    qint64 min;
    qint64 max;
};

/// The range of a number field; with exclusiveMin, the minimum itself is outside.
struct NumberRange
{
    double min;
    double max;
    bool exclusiveMin = false;
};

/// The limits of the configuration's fields: the services check them, and the Management API words its
/// refusal of a value of the wrong type with them.
namespace limits {
inline constexpr IntRange kWeight{1, 1'000'000}; ///< a tenant's or a fair-share group's weight
inline constexpr IntRange kConcurrency{1, 1'000'000}; ///< max_in_flight, max_concurrency, the capacity
inline constexpr IntRange kCount{1, 1'000'000'000}; ///< tokens_per_minute, context_window
inline constexpr IntRange kTimeoutSecs{1, 7 * 24 * 3600};
inline constexpr IntRange kCacheTtlSecs{0, 365 * 24 * 3600};
inline constexpr NumberRange kCostPerToken{0, 1e6};
inline constexpr NumberRange kAdmissionWeight{0, 1e6, true};
inline constexpr qsizetype kNameLength = 256;
inline constexpr qsizetype kMcpServerNameLength = 128;
inline constexpr qsizetype kUrlLength = 2048;
inline constexpr qsizetype kSecretLength = 8192;
inline constexpr qsizetype kListItemLength = 256;
inline constexpr NumberRange kDeploymentWeight{0, 1e6, true}; ///< a deployment's share of its model's requests
inline constexpr qsizetype kDeployments = 64; ///< deployments of one model
inline constexpr qsizetype kFallbacks = 16; ///< fallbacks of one model
inline constexpr IntRange kUnhealthyAfter{1, 1000}; ///< consecutive failures that mark a deployment unhealthy
inline constexpr IntRange kCooldownSecs{1, 24 * 3600};
inline constexpr IntRange kHealthCheckSecs{0, 24 * 3600}; ///< 0: no active health checks
inline constexpr IntRange kMaxRetries{0, 10};
inline constexpr IntRange kBrownoutWaitMs{0, 600'000}; ///< 0: no brownout
inline constexpr IntRange kBrownoutMaxTokens{1, 1'000'000};
inline constexpr IntRange kMaxQueueWaitSecs{1, 3600};
inline constexpr IntRange kMaxQueueLength{1, 1'000'000};
} // namespace limits

/// "weight must be a whole number from 1 to 1000000"
[[nodiscard]] QString wholeNumberMessage(const QString &field, IntRange range);
/// "input_cost_per_token must be a number >= 0 and at most 1e+06"
[[nodiscard]] QString numberMessage(const QString &field, NumberRange range);
/// "allowed_tenants must be an array of strings"
[[nodiscard]] QString stringListMessage(const QString &field);

/// Checks the values of a change against the configuration's rules, field by field, and remembers the first
/// problem. A field that is not set (std::nullopt) is not checked. The services run it on every change, from the
/// Management API and from the GUI alike.
class FieldCheck final
{
public:
    /// Flags a required field that is not set.
    void require(const QString &field, bool isSet);
    /// 1..maxLength characters, not only blanks, without control characters.
    void name(const QString &field, const std::optional<QString> &value, qsizetype maxLength = limits::kNameLength);
    /// An http:// or https:// URL with a host, without a fragment or user info.
    void url(const QString &field, const std::optional<QString> &value);
    /// A write-only secret: up to kSecretLength characters without control characters (empty: none).
    void secret(const QString &field, const std::optional<QString> &value);
    void integer(const QString &field, const std::optional<qint64> &value, IntRange range);
    /// As integer(); the inner std::nullopt ("no limit") always passes.
    void optionalInteger(const QString &field, const std::optional<std::optional<qint64>> &value, IntRange range);
    void number(const QString &field, const std::optional<double> &value, NumberRange range);
    /// Every item 1..kListItemLength characters.
    void stringList(const QString &field, const std::optional<QStringList> &value);
    void optionalStringList(const QString &field, const std::optional<std::optional<QStringList>> &value);
    /// Notes a problem of the caller's own rules (the first one stays).
    void fail(const QString &field, const QString &message);

    [[nodiscard]] const Problem &problem() const noexcept { return m_problem; }
    [[nodiscard]] bool ok() const noexcept { return m_problem.ok(); }

private:
    bool text(const QString &field, const QString &value, qsizetype maxLength);

    Problem m_problem;
};

/// Times are kept to the second, in UTC, as the API shows them: what is read back is what was stored (a fraction
/// of a second before 1970 would otherwise show as the second before).
[[nodiscard]] QDateTime toWholeSecondUtc(const QDateTime &time);

/// Sets @p *target to the value of @p field when it is set (applying a patch).
template<typename T> void assignIfSet(const std::optional<T> &field, T *target)
{
    if (field)
        *target = *field;
}

} // namespace obleth::config
