#include "jsonfields.h"

#include <QDateTime>
#include <QJsonArray>
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

bool JsonFields::checkText(const QString &name, const QString &text, qsizetype maxLength)
{
    if (text.size() > maxLength)
        fail(name, QStringLiteral("%1 must be at most %2 characters").arg(name).arg(maxLength));
    else if (hasControlChars(text))
        fail(name, QStringLiteral("%1 must not contain control characters").arg(name));
    else
        return true;
    return false;
}

void JsonFields::readName(const QString &name, QString *out, qsizetype maxLength)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (!v.isString())
        return fail(name, QStringLiteral("%1 must be a string").arg(name));
    const QString s = v.toString();
    if (s.trimmed().isEmpty())
        return fail(name, QStringLiteral("%1 must not be empty").arg(name));
    if (checkText(name, s, maxLength))
        *out = s;
}

void JsonFields::readUrl(const QString &name, QString *out)
{
    if (!m_object.contains(name))
        return;
    QString s;
    readName(name, &s, 2048);
    if (!ok())
        return;
    const QUrl url(s, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || url.host().isEmpty()
        || url.hasFragment() || !url.userInfo().isEmpty()) {
        return fail(name, QStringLiteral("%1 must be an http:// or https:// URL with a host").arg(name));
    }
    *out = s;
}

void JsonFields::readSecret(const QString &name, QString *out, qsizetype maxLength)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (v.isNull()) {
        out->clear();
        return;
    }
    if (!v.isString())
        return fail(name, QStringLiteral("%1 must be a string or null").arg(name));
    const QString s = v.toString();
    if (checkText(name, s, maxLength))
        *out = s;
}

void JsonFields::readBool(const QString &name, bool *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (!v.isBool())
        return fail(name, QStringLiteral("%1 must be true or false").arg(name));
    *out = v.toBool();
}

void JsonFields::readInt(const QString &name, qint64 *out, qint64 min, qint64 max)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    const double d = v.toDouble();
    if (!v.isDouble() || !std::isfinite(d) || std::floor(d) != d || d < double(min) || d > double(max)) {
        return fail(name, QStringLiteral("%1 must be a whole number from %2 to %3").arg(name).arg(min).arg(max));
    }
    *out = qint64(d);
}

void JsonFields::readOptionalInt(const QString &name, std::optional<qint64> *out, qint64 min, qint64 max)
{
    if (!m_object.contains(name))
        return;
    if (m_object.value(name).isNull()) {
        out->reset();
        return;
    }
    qint64 v = 0;
    const bool before = ok();
    readInt(name, &v, min, max);
    if (before && ok())
        *out = v;
}

void JsonFields::readDouble(const QString &name, double *out, double min, double max, bool exclusiveMin)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    const double d = v.toDouble();
    const bool belowMin = exclusiveMin ? d <= min : d < min;
    if (!v.isDouble() || !std::isfinite(d) || belowMin || d > max) {
        return fail(name,
                    QStringLiteral("%1 must be a number %2 %3 and at most %4")
                        .arg(name, exclusiveMin ? QStringLiteral(">") : QStringLiteral(">="))
                        .arg(min)
                        .arg(max));
    }
    *out = d;
}

void JsonFields::readOptionalTime(const QString &name, std::optional<QDateTime> *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (v.isNull()) {
        out->reset();
        return;
    }
    const QDateTime t = v.isString() ? QDateTime::fromString(v.toString(), Qt::ISODateWithMs) : QDateTime();
    if (!t.isValid())
        return fail(name,
                    QStringLiteral("%1 must be an ISO 8601 time such as 2030-01-31T12:00:00Z, or null").arg(name));
    // To the second, as the API shows times: what is read back is what was stored (a fraction of a second
    // before 1970 would otherwise show as the second before).
    QDateTime utc = t.toUTC();
    utc.setTime(QTime(utc.time().hour(), utc.time().minute(), utc.time().second()));
    *out = utc;
}

void JsonFields::readStringList(const QString &name, QStringList *out)
{
    if (!m_object.contains(name))
        return;
    const QJsonValue v = m_object.value(name);
    if (v.isNull()) {
        out->clear();
        return;
    }
    if (!v.isArray())
        return fail(name, QStringLiteral("%1 must be an array of strings").arg(name));
    QStringList list;
    const QJsonArray array = v.toArray();
    for (const QJsonValue &item : array) {
        if (!item.isString() || item.toString().isEmpty() || item.toString().size() > 256)
            return fail(name, QStringLiteral("%1 must be an array of strings").arg(name));
        list.append(item.toString());
    }
    *out = list;
}

void JsonFields::readOptionalStringList(const QString &name, std::optional<QStringList> *out)
{
    if (!m_object.contains(name))
        return;
    if (isNull(name)) {
        out->reset();
        return;
    }
    QStringList list;
    readStringList(name, &list);
    if (ok())
        *out = list;
}

} // namespace obleth::config
