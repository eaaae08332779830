#include "secretcipher.h"

#include "platform/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <sodium.h>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace obleth::store {

namespace {
const QString kPrefix = QStringLiteral("enc1:");
constexpr qsizetype kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr qsizetype kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(SecretCipher::kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

bool sodiumReady()
{
    static const bool ready = sodium_init() >= 0; // thread-safe, and idempotent in libsodium anyway
    return ready;
}
} // namespace

SecretCipher::~SecretCipher()
{
    if (!m_key.isEmpty())
        sodium_memzero(m_key.data(), size_t(m_key.size()));
}

QString SecretCipher::keyFilePath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("secret.key"));
}

QString SecretCipher::fingerprint() const
{
    if (m_key.isEmpty())
        return {};
    static const QByteArray context("obleth secret.key fingerprint");
    unsigned char out[16];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char *>(context.constData()),
                       size_t(context.size()), reinterpret_cast<const unsigned char *>(m_key.constData()),
                       size_t(m_key.size()));
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(out), sizeof out).toHex());
}

bool SecretCipher::isEncrypted(const QString &stored)
{
    return stored.startsWith(kPrefix);
}

bool SecretCipher::open(const QString &path, bool mayCreate, QString *error)
{
    if (!sodiumReady()) {
        *error = QStringLiteral("cannot initialise libsodium to use the key file %1").arg(path);
        return false;
    }
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read the key file %1 (%2); it decrypts the upstream secrets in the "
                                    "database")
                         .arg(path, file.errorString());
            return false;
        }
        QByteArray key = file.read(kKeyBytes + 1);
        if (key.size() != kKeyBytes) {
            sodium_memzero(key.data(), size_t(key.size()));
            *error = QStringLiteral("the key file %1 is damaged (it must hold exactly %2 bytes); restore it from a "
                                    "backup")
                         .arg(path)
                         .arg(kKeyBytes);
            return false;
        }
        m_key = std::move(key);
        m_path = path;
        if (QFile::permissions(path) != (QFileDevice::ReadOwner | QFileDevice::WriteOwner))
            QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        return true;
    }
    if (!mayCreate) {
        *error = QStringLiteral("the key file %1 is missing, so the upstream secrets stored in the database cannot "
                                "be decrypted; restore it from a backup (obleth will not make a new one and drop "
                                "the secrets; docs/security.md says how to start over without them)")
                     .arg(path);
        return false;
    }
    QByteArray key(kKeyBytes, Qt::Uninitialized);
    randombytes_buf(key.data(), size_t(key.size()));
    // NewOnly: never replace a key file that appeared meanwhile; mode 0600 from the start.
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        sodium_memzero(key.data(), size_t(key.size()));
        *error = QStringLiteral("cannot write the key file %1: %2").arg(path, file.errorString());
        return false;
    }
    if (file.write(key) != key.size() || !file.flush()) {
        sodium_memzero(key.data(), size_t(key.size()));
        *error = QStringLiteral("cannot write the key file %1: %2").arg(path, file.errorString());
        file.remove(); // ours, half written: a later start makes a new one
        return false;
    }
#ifdef Q_OS_UNIX
    // On disk before any value encrypted with it is: a database that outlives its key after a power cut would
    // hold secrets nobody can read.
    ::fsync(file.handle());
#endif
    file.close();
    m_key = std::move(key);
    m_path = path;
    qCInfo(lcStore).noquote() << "made the key file" << path << "- keep it with the database's backups";
    return true;
}

QString SecretCipher::encrypt(const QString &plain, const QString &place) const
{
    Q_ASSERT(isOpen());
    const QByteArray message = plain.toUtf8();
    const QByteArray ad = place.toUtf8();
    QByteArray out(kNonceBytes + message.size() + kTagBytes, Qt::Uninitialized);
    auto *nonce = reinterpret_cast<unsigned char *>(out.data());
    randombytes_buf(nonce, kNonceBytes);
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        nonce + kNonceBytes, &written, reinterpret_cast<const unsigned char *>(message.constData()),
        quint64(message.size()), reinterpret_cast<const unsigned char *>(ad.constData()), quint64(ad.size()), nullptr,
        nonce, reinterpret_cast<const unsigned char *>(m_key.constData()));
    out.truncate(kNonceBytes + qsizetype(written));
    return kPrefix + QString::fromLatin1(out.toBase64());
}

bool SecretCipher::decrypt(const QString &stored, const QString &place, QString *plain, QString *error) const
{
    Q_ASSERT(isOpen());
    const QByteArray raw = QByteArray::fromBase64(stored.mid(kPrefix.size()).toLatin1());
    if (raw.size() < kNonceBytes + kTagBytes) {
        *error = QStringLiteral("the stored secret of %1 is damaged").arg(place);
        return false;
    }
    const QByteArray ad = place.toUtf8();
    QByteArray message(raw.size() - kNonceBytes - kTagBytes, Qt::Uninitialized);
    const auto *nonce = reinterpret_cast<const unsigned char *>(raw.constData());
    unsigned long long length = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char *>(message.data()), &length, nullptr, nonce + kNonceBytes,
            quint64(raw.size() - kNonceBytes), reinterpret_cast<const unsigned char *>(ad.constData()),
            quint64(ad.size()), nonce, reinterpret_cast<const unsigned char *>(m_key.constData()))
        != 0) {
        *error = QStringLiteral("the stored secret of %1 does not decrypt with the key file %2 (is it the key file "
                                "that belongs to this database?)")
                     .arg(place, m_path);
        return false;
    }
    *plain = QString::fromUtf8(message.constData(), qsizetype(length));
    sodium_memzero(message.data(), size_t(message.size()));
    return true;
}

} // namespace obleth::store
