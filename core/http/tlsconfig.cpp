#include "tlsconfig.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

namespace obleth::http {

namespace {

bool readFile(const QString &path, const char *what, QByteArray *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS %1 file %2: %3").arg(QLatin1String(what), path, f.errorString());
        return false;
    }
    *out = f.readAll();
    return true;
}

/// True when @p key is the private half of @p certificate's public key, as far as can be told
/// without the TLS library: for RSA the end of the modulus (the last bytes of the public key before
/// its exponent) must appear in the private key. Other algorithms are left to the handshake.
bool keyMatches(const QSslKey &key, const QSslCertificate &certificate)
{
    const QSslKey publicKey = certificate.publicKey();
    if (key.algorithm() != QSsl::Rsa || publicKey.algorithm() != QSsl::Rsa)
        return true;
    const QByteArray publicDer = publicKey.toDer();
    if (publicDer.size() < 64)
        return true;
    // The DER ends with the modulus then the (short) public exponent; 32 bytes from before the end.
    const QByteArray modulusTail = publicDer.mid(publicDer.size() - 40, 32);
    return key.toDer().contains(modulusTail);
}

} // namespace

bool loadTlsConfiguration(const QString &certFile, const QString &keyFile, QSslConfiguration *out, QString *error)
{
    QString scratch;
    if (!error)
        error = &scratch;
    QByteArray certPem;
    QByteArray keyPem;
    if (!readFile(certFile, "certificate", &certPem, error) || !readFile(keyFile, "key", &keyPem, error))
        return false;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = QStringLiteral("the TLS certificate file %1 holds no PEM certificate").arg(certFile);
        return false;
    }
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa, QSsl::Dh}) {
        key = QSslKey(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error = QStringLiteral("the TLS key file %1 holds no unencrypted PEM private key").arg(keyFile);
        return false;
    }
    if (!keyMatches(key, chain.first())) {
        *error = QStringLiteral("the TLS key file %1 does not match the certificate in %2").arg(keyFile, certFile);
        return false;
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(key);
    config.setPeerVerifyMode(QSslSocket::VerifyNone); // clients authenticate with API keys, not certificates
    *out = config;
    return true;
}

} // namespace obleth::http
