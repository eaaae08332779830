#pragma once

#include <QString>

namespace obleth::test {

/// Makes a self-signed certificate for 127.0.0.1 (and its unencrypted RSA key) with the openssl command, as
/// @p dir/@p name-cert.pem and @p dir/@p name-key.pem. False when openssl is missing or fails.
bool makeSelfSignedCertificate(const QString &dir, const QString &name, QString *cert, QString *key);

/// Why TLS tests cannot run here (no TLS backend in Qt, no openssl command), or empty when they can.
QString tlsUnavailableReason();

} // namespace obleth::test
