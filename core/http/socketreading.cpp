#include "socketreading.h"

#include <QTcpSocket>

namespace obleth::http {

QByteArray readAvailable(QTcpSocket *socket, qint64 max, bool *atEnd)
{
    *atEnd = false;
    if (!socket->isOpen()) {
        *atEnd = true;
        return {};
    }
    constexpr qint64 kBlock = 16 * 1024;
    char block[kBlock];
    QByteArray bytes;
    while (bytes.size() < max) {
        const qint64 n = socket->read(block, std::min(kBlock, max - bytes.size()));
        if (n < 0) {
            *atEnd = true;
            break;
        }
        if (n == 0)
            break; // the kernel has nothing more just now
        bytes.append(block, n);
    }
    return bytes;
}

} // namespace obleth::http
