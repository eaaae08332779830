#pragma once

#include <QHostAddress>
#include <QString>

namespace obleth::http {

/// An address and port as a URL or a log line writes them: "127.0.0.1:8088", "[::1]:8088".
[[nodiscard]] inline QString endpoint(const QHostAddress &address, quint16 port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
        : address.toString();
    return host + QLatin1Char(':') + QString::number(port);
}

} // namespace obleth::http
