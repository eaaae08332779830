#include "headers.h"

#include <QtCore/qbytearrayalgorithms.h>

namespace obleth::http {

bool Headers::nameEquals(QByteArrayView a, QByteArrayView b) noexcept
{
    return a.size() == b.size() && qstrnicmp(a.data(), a.size(), b.data(), b.size()) == 0;
}

void Headers::set(const QByteArray &name, const QByteArray &value)
{
    remove(name);
    add(name, value);
}

qsizetype Headers::remove(QByteArrayView name)
{
    return m_fields.removeIf([name](const Field &f) { return nameEquals(f.first, name); });
}

bool Headers::contains(QByteArrayView name) const
{
    return count(name) > 0;
}

QByteArray Headers::value(QByteArrayView name) const
{
    for (const Field &f : m_fields) {
        if (nameEquals(f.first, name))
            return f.second;
    }
    return {};
}

qsizetype Headers::count(QByteArrayView name) const
{
    qsizetype n = 0;
    for (const Field &f : m_fields) {
        if (nameEquals(f.first, name))
            ++n;
    }
    return n;
}

bool Headers::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const Field &f : m_fields) {
        if (!nameEquals(f.first, name))
            continue;
        // The comma-separated parts, each trimmed, without splitting the value into copies.
        QByteArrayView rest(f.second);
        for (;;) {
            const qsizetype comma = rest.indexOf(',');
            if (nameEquals((comma < 0 ? rest : rest.first(comma)).trimmed(), token))
                return true;
            if (comma < 0)
                break;
            rest = rest.sliced(comma + 1);
        }
    }
    return false;
}

} // namespace obleth::http
