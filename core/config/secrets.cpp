#include "secrets.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace obleth::config {

namespace {
QByteArray randomHex(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    auto *words = reinterpret_cast<quint32 *>(raw.data());
    QRandomGenerator::system()->fillRange(words, bytes / 4);
    return raw.toHex();
}
} // namespace

QString generateApiKey()
{
    return QStringLiteral("sk_") + QString::fromLatin1(randomHex(24));
}

QString generateAdminToken()
{
    return QString::fromLatin1(randomHex(32));
}

bool isWellFormedApiKey(QByteArrayView key)
{
    if (key.size() != 51 || !key.startsWith("sk_"))
        return false;
    for (char c : key.sliced(3)) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

QByteArray hashSecret(QByteArrayView secret)
{
    return QCryptographicHash::hash(secret, QCryptographicHash::Sha256).toHex();
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // Compare fixed-size digests so that neither the length nor the first differing byte leaks.
    const QByteArray da = QCryptographicHash::hash(a, QCryptographicHash::Sha256);
    const QByteArray db = QCryptographicHash::hash(b, QCryptographicHash::Sha256);
    unsigned char diff = 0;
    for (qsizetype i = 0; i < da.size(); ++i)
        diff |= static_cast<unsigned char>(da.at(i) ^ db.at(i));
    return diff == 0;
}

QString keyPrefix(const QString &key)
{
    return key.left(18);
}

} // namespace obleth::config
