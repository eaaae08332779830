#include "jsonfields.h"

#include <QJsonArray>

#include <cmath>

namespace obleth::admin {

using config::Problem;

JsonFields::JsonFields(const QJsonObject &object, const QStringList &known)
    : m_object(object)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            const QString shown = it.key().size() > 64 ? it.key().left(64) + QStringLiteral("...") : it.key();
            fail(shown, QStringLiteral("unknown field '%1'").arg(shown));
            return;
        }
    }
}

void JsonFields::fail(const QString &name, const QString &message)
{
    if (m_problem.ok())
        m_problem = Problem::invalid(name, message);
}

bool JsonFields::isNull(const QString &name) const
{
    return m_object.value(name).isNull();
}

void JsonFields::require(const QString &name)
{
    if (!m_object.contains(name) || m_object.value(name).isNull())
        fail(name, QStringLiteral("%1 is required").arg(name));
}

void JsonFields::readString(const QString &name, std::optional<QString> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (!v.isString())
        return fail(name, QStringLiteral("%1 must be a string").arg(name));
    *out = v.toString();
}

void JsonFields::readOptionalString(const QString &name, std::optional<std::optional<QString>> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (v.isNull()) {
        *out = std::optional<QString>();
        return;
    }
    if (!v.isString())
        return fail(name, QStringLiteral("%1 must be a string or null").arg(name));
    *out = v.toString();
}

void JsonFields::readSecret(const QString &name, std::optional<QString> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (!v.isNull() && !v.isString())
        return fail(name, QStringLiteral("%1 must be a string or null").arg(name));
    *out = v.toString();
}

void JsonFields::readBool(const QString &name, std::optional<bool> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (!v.isBool())
        return fail(name, QStringLiteral("%1 must be true or false").arg(name));
    *out = v.toBool();
}

std::optional<qint64> JsonFields::wholeNumber(const QString &name) const
{
    const QJsonValue v = m_object.value(name);
    const double d = v.toDouble();
    // 2^63 itself is one past the largest qint64: below it every whole double converts exactly.
    constexpr double kLimit = 9223372036854775808.0;
    if (!v.isDouble() || !std::isfinite(d) || std::floor(d) != d || d < -kLimit || d >= kLimit)
        return std::nullopt;
    return qint64(d);
}

void JsonFields::readWholeNumber(const QString &name, std::optional<qint64> *out, config::IntRange range)
{
    if (!m_object.contains(name))
        return;
    const std::optional<qint64> n = wholeNumber(name);
    if (!n)
        return fail(name, config::wholeNumberMessage(name, range));
    *out = n;
}

void JsonFields::readOptionalWholeNumber(const QString &name, std::optional<std::optional<qint64>> *out,
                                         config::IntRange range)
{
    if (!m_object.contains(name))
        return;
    if (isNull(name)) {
        *out = std::optional<qint64>();
        return;
    }
    std::optional<qint64> n;
    readWholeNumber(name, &n, range);
    if (n)
        *out = n;
}

void JsonFields::readNumber(const QString &name, std::optional<double> *out, config::NumberRange range)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return fail(name, config::numberMessage(name, range));
    *out = v.toDouble();
}

void JsonFields::readOptionalTime(const QString &name, std::optional<std::optional<QDateTime>> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (v.isNull()) {
        *out = std::optional<QDateTime>();
        return;
    }
    const QDateTime t = v.isString() ? QDateTime::fromString(v.toString(), Qt::ISODateWithMs) : QDateTime();
    if (!t.isValid())
        return fail(name,
                    QStringLiteral("%1 must be an ISO 8601 time such as 2030-01-31T12:00:00Z, or null").arg(name));
    *out = std::optional<QDateTime>(t);
}

void JsonFields::readStringList(const QString &name, std::optional<QStringList> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (v.isNull()) {
        *out = QStringList();
        return;
    }
    if (!v.isArray())
        return fail(name, config::stringListMessage(name));
    QStringList list;
    const QJsonArray array = v.toArray();
    for (const QJsonValue &item : array) {
        if (!item.isString())
            return fail(name, config::stringListMessage(name));
        list.append(item.toString());
    }
    *out = list;
}

void JsonFields::readOptionalStringList(const QString &name, std::optional<std::optional<QStringList>> *out)
{
    if (!m_object.contains(name))
        return;
    if (isNull(name)) {
        *out = std::optional<QStringList>();
        return;
    }
    std::optional<QStringList> list;
    readStringList(name, &list);
    if (list)
        *out = list;
}

void JsonFields::readObjectList(const QString &name, std::optional<QList<QJsonObject>> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    const QString message = QStringLiteral("%1 must be an array of objects").arg(name);
    if (!v.isArray())
        return fail(name, message);
    QList<QJsonObject> list;
    const QJsonArray array = v.toArray();
    for (const QJsonValue &item : array) {
        if (!item.isObject())
            return fail(name, message);
        list.append(item.toObject());
    }
    *out = list;
}

void JsonFields::readInt(const QString &name, qint64 *out, qint64 min, qint64 max)
{
    if (!m_object.contains(name))
        return;
    const std::optional<qint64> n = wholeNumber(name);
    if (!n || *n < min || *n > max)
        return fail(name, config::wholeNumberMessage(name, {min, max}));
    *out = *n;
}

} // namespace obleth::admin
