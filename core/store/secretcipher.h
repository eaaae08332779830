#pragma once

#include <QByteArray>
#include <QString>

namespace obleth::store {

/// Encrypts the upstream secrets that obleth must keep (models' api_key, MCP servers' auth_header) before they
/// are written to SQLite, with a key kept apart from the database in DATA_DIR/secret.key (32 random bytes, mode
/// 0600, made on first start). A stored value reads "enc1:" + base64(nonce || ciphertext): XChaCha20-Poly1305
/// with a random nonce per value and the value's place (table, column and row id) as associated data, so a
/// value copied to another row does not decrypt.
///
/// What it protects: a copy of obleth.db (and its WAL) without the key file — a backup, a database shared
/// for debugging, a disk image of the database alone — reveals no upstream secret. What it does not: anyone who
/// can read the key file too (the same user, root, a backup of the whole data folder) can decrypt them.
class SecretCipher final
{
    Q_DISABLE_COPY_MOVE(SecretCipher)

public:
    static constexpr qsizetype kKeyBytes = 32;

    SecretCipher() = default;
    ~SecretCipher();

    [[nodiscard]] static QString keyFilePath(const QString &dataDir);
    /// A short public name of the open key (hex of a keyed hash of it, 16 bytes): two instances sharing a database
    /// compare it to find out whether they hold the same key file, without revealing the key.
    [[nodiscard]] QString fingerprint() const;
    /// True when @p stored is a value this class wrote (as opposed to plain text from an older obleth).
    [[nodiscard]] static bool isEncrypted(const QString &stored);

    /// Reads the key file at @p path. When it does not exist and @p mayCreate, makes one (mode 0600); when it
    /// does not exist and the database holds encrypted values (@p mayCreate false), fails: a new key could
    /// never decrypt them. On failure @p error is one line that names the file.
    bool open(const QString &path, bool mayCreate, QString *error);
    [[nodiscard]] bool isOpen() const noexcept { return !m_key.isEmpty(); }

    /// The stored form of @p plain for the value at @p place (e.g. "models.api_key:<id>").
    [[nodiscard]] QString encrypt(const QString &plain, const QString &place) const;
    /// The plain text of @p stored (which isEncrypted()); false with @p error set when the key does not fit or the
    /// value was altered.
    bool decrypt(const QString &stored, const QString &place, QString *plain, QString *error) const;

private:
    QByteArray m_key;
    QString m_path; ///< of the key file, for error messages
};

} // namespace obleth::store
