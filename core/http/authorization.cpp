#include "authorization.h"

namespace obleth::http {

QByteArray bearerToken(const Headers &headers)
{
    const QByteArray auth = headers.value("authorization");
    if (auth.isNull())
        return {};
    if (auth.size() > 7 && Headers::nameEquals(auth.first(7), "bearer "))
        return auth.mid(7).trimmed();
    return QByteArray(""); // present but not a bearer token
}

} // namespace obleth::http
