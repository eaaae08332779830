#include "httprequest.h"

namespace obleth::http {

QByteArray HttpRequest::queryValue(QByteArrayView name) const
{
    const QList<QByteArray> pairs = query.split('&');
    for (const QByteArray &pair : pairs) {
        const qsizetype eq = pair.indexOf('=');
        const QByteArray key = QByteArray::fromPercentEncoding(eq < 0 ? pair : pair.left(eq));
        if (key == name) {
            QByteArray value = eq < 0 ? QByteArray("") : pair.mid(eq + 1);
            value.replace('+', ' ');
            return QByteArray::fromPercentEncoding(value);
        }
    }
    return {};
}

bool HttpRequest::wantsKeepAlive() const
{
    if (headers.hasToken("connection", "close"))
        return false;
    if (versionMinor == 0)
        return headers.hasToken("connection", "keep-alive");
    return true;
}

} // namespace obleth::http
