#pragma once

#include <QSslConfiguration>
#include <QString>

namespace obleth::http {

/// Reads a PEM certificate (with its chain, if the file holds one) and a PEM private key into a server
/// TLS configuration for ServerOptions::tls.
///
/// On failure returns false and sets @p error to one line that names the file at fault: unreadable,
/// no PEM certificate or key in it (an encrypted key counts as none), or, for RSA keys, a key that
/// does not belong to the certificate. Key material never appears in the message.
[[nodiscard]] bool loadTlsConfiguration(const QString &certFile, const QString &keyFile, QSslConfiguration *out,
                                        QString *error);

} // namespace obleth::http
