#pragma once

#include <QByteArray>

QT_BEGIN_NAMESPACE
class QAbstractSocket;
QT_END_NAMESPACE

namespace obleth::http {

/// Reads what @p socket has, up to @p max bytes.
///
/// obleth's plain-TCP sockets are unbuffered: Qt then keeps no read buffer of its own per socket (a used
/// buffered socket holds on to a 16 KiB block and reads whatever arrives, however much), so a connection costs
/// less memory, the bytes go straight from the kernel into obleth's parser, and what obleth does not read stays
/// in the kernel, where TCP's window holds the peer back. Upstream sockets are opened so (connectToHost() with
/// QIODevice::Unbuffered), accepted ones are QAbstractSockets given their descriptor with that mode (a QTcpSocket
/// keeps its read buffer whatever the mode says). Sets @p atEnd when the peer has closed the connection: Qt
/// emits no disconnected() for that on an unbuffered socket.
///
/// A read that returns less than asked for has emptied the socket: the next one would only fail with EAGAIN, so
/// it is not made (the socket's notifier reports what comes next).
[[nodiscard]] QByteArray readAvailable(QAbstractSocket *socket, qint64 max, bool *atEnd);

} // namespace obleth::http
