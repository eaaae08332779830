#pragma once

#include <QByteArray>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

namespace obleth::http {

/// Reads what @p socket has, up to @p max bytes, into a buffer of exactly that size.
///
/// obleth's plain-TCP sockets are opened unbuffered (QIODevice::Unbuffered): Qt then keeps no read
/// buffer of its own per socket (a used buffered socket holds on to a 16 KiB block), so a connection
/// costs less memory and the bytes go straight from the kernel into obleth's parser. Sets @p atEnd when
/// the peer has closed the connection: Qt emits no disconnected() for that on an unbuffered socket.
[[nodiscard]] QByteArray readAvailable(QTcpSocket *socket, qint64 max, bool *atEnd);

} // namespace obleth::http
