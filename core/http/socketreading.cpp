#include "socketreading.h"

#include <QAbstractSocket>

namespace obleth::http {

QByteArray readAvailable(QAbstractSocket *socket, qint64 max, bool *atEnd)
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
        const qint64 want = std::min(kBlock, max - bytes.size());
        const qint64 n = socket->read(block, want);
        if (n < 0) {
            *atEnd = true;
            break;
        }
        bytes.append(block, n);
        if (n < want)
            break; // the socket is empty just now (n == 0: the kernel had nothing)
    }
    return bytes;
}

} // namespace obleth::http
