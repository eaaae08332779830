#include "fieldcheck.h"

#include <QTime>
#include <QUrl>

#include <cmath>

namespace obleth::config {

namespace {
bool hasControlChars(const QString &s)
{
    for (QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}
} // namespace

QString wholeNumberMessage(const QString &field, IntRange range)
{
    return QStringLiteral("%1 must be a whole number from %2 to %3").arg(field).arg(range.min).arg(range.max);
}

QString numberMessage(const QString &field, NumberRange range)
{
    return QStringLiteral("%1 must be a number %2 %3 and at most %4")
        .arg(field, range.exclusiveMin ? QStringLiteral(">") : QStringLiteral(">="))
        .arg(range.min)
        .arg(range.max);
}

QString stringListMessage(const QString &field)
{
    return QStringLiteral("%1 must be an array of strings").arg(field);
}

QDateTime toWholeSecondUtc(const QDateTime &time)
{
    QDateTime utc = time.toUTC();
    utc.setTime(QTime(utc.time().hour(), utc.time().minute(), utc.time().second()));
    return utc;
}

void FieldCheck::fail(const QString &field, const QString &message)
{
    if (m_problem.ok())
        m_problem = Problem::invalid(field, message);
}

void FieldCheck::require(const QString &field, bool isSet)
{
    if (!isSet)
        fail(field, QStringLiteral("%1 is required").arg(field));
}

bool FieldCheck::text(const QString &field, const QString &value, qsizetype maxLength)
{
    if (value.size() > maxLength)
        fail(field, QStringLiteral("%1 must be at most %2 characters").arg(field).arg(maxLength));
    else if (hasControlChars(value))
        fail(field, QStringLiteral("%1 must not contain control characters").arg(field));
    else
        return true;
    return false;
}

void FieldCheck::name(const QString &field, const std::optional<QString> &value, qsizetype maxLength)
{
    if (!value)
        return;
    if (value->trimmed().isEmpty())
        return fail(field, QStringLiteral("%1 must not be empty").arg(field));
    text(field, *value, maxLength);
}

void FieldCheck::url(const QString &field, const std::optional<QString> &value)
{
    if (!value)
        return;
    FieldCheck text;
    text.name(field, value, limits::kUrlLength);
    if (!text.ok())
        return fail(field, text.problem().message);
    const QUrl url(*value, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || url.host().isEmpty()
        || url.hasFragment() || !url.userInfo().isEmpty()) {
        fail(field, QStringLiteral("%1 must be an http:// or https:// URL with a host").arg(field));
    }
}

void FieldCheck::secret(const QString &field, const std::optional<QString> &value)
{
    if (value)
        text(field, *value, limits::kSecretLength);
}

void FieldCheck::integer(const QString &field, const std::optional<qint64> &value, IntRange range)
{
    if (value && (*value < range.min || *value > range.max))
        fail(field, wholeNumberMessage(field, range));
}

void FieldCheck::optionalInteger(const QString &field, const std::optional<std::optional<qint64>> &value,
                                 IntRange range)
{
    if (value)
        integer(field, *value, range);
}

void FieldCheck::number(const QString &field, const std::optional<double> &value, NumberRange range)
{
    if (!value)
        return;
    const double d = *value;
    const bool belowMin = range.exclusiveMin ? d <= range.min : d < range.min;
    if (!std::isfinite(d) || belowMin || d > range.max)
        fail(field, numberMessage(field, range));
}

void FieldCheck::stringList(const QString &field, const std::optional<QStringList> &value)
{
    if (!value)
        return;
    for (const QString &item : *value) {
        if (item.isEmpty() || item.size() > limits::kListItemLength)
            return fail(field, stringListMessage(field));
    }
}

void FieldCheck::optionalStringList(const QString &field, const std::optional<std::optional<QStringList>> &value)
{
    if (value)
        stringList(field, *value);
}

} // namespace obleth::config
