#pragma once

#include "headers.h"

#include <QByteArray>
#include <QHostAddress>

namespace obleth::http {

/// One complete HTTP request as received, with its body.
struct HttpRequest
{
    QByteArray method;
    QByteArray target; ///< As sent: path and query, percent-encoded.
    QByteArray path; ///< target before '?'.
    QByteArray query; ///< target after '?', without it.
    int versionMinor = 1;
    Headers headers;
    QByteArray body;
    QHostAddress peerAddress;

    /// Splits target into path and query.
    void setTarget(const QByteArray &t)
    {
        target = t;
        const qsizetype q = t.indexOf('?');
        path = q < 0 ? t : t.left(q);
        query = q < 0 ? QByteArray() : t.mid(q + 1);
    }
    /// The value of query parameter @p name, percent-decoded; null when absent.
    [[nodiscard]] QByteArray queryValue(QByteArrayView name) const;
    /// True when the client wants the connection kept open after this request.
    [[nodiscard]] bool wantsKeepAlive() const;
};

} // namespace obleth::http
