#include "testcertificate.h"

#include <QDir>
#include <QProcess>
#include <QSslSocket>
#include <QStandardPaths>

namespace obleth::test {

bool makeSelfSignedCertificate(const QString &dir, const QString &name, QString *cert, QString *key)
{
    *cert = QDir(dir).filePath(name + QStringLiteral("-cert.pem"));
    *key = QDir(dir).filePath(name + QStringLiteral("-key.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1"), QStringLiteral("-days"), QStringLiteral("1"),
                   QStringLiteral("-keyout"), *key, QStringLiteral("-out"), *cert});
    return openssl.waitForFinished(60'000) && openssl.exitStatus() == QProcess::NormalExit && openssl.exitCode() == 0;
}

QString tlsUnavailableReason()
{
    if (!QSslSocket::supportsSsl())
        return QStringLiteral("Qt has no TLS backend here");
    if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty())
        return QStringLiteral("openssl is not installed (scripts/install-deps.sh --tests installs it)");
    return {};
}

} // namespace obleth::test
