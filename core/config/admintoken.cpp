#include "admintoken.h"

#include "secrets.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

namespace obleth::config {

QString AdminToken::filePath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("admin-token"));
}

QString AdminToken::resolve(const QString &given, const QString &dataDir, QString *error)
{
    if (!given.isEmpty()) {
        if (given.trimmed().size() < kMinLength) {
            *error = QStringLiteral("OBLETH_ADMIN_TOKEN must be at least %1 characters").arg(kMinLength);
            return {};
        }
        return given.trimmed();
    }
    const QString path = filePath(dataDir);
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
            return {};
        }
        const QString token = QString::fromUtf8(file.read(4096)).trimmed();
        if (token.size() < kMinLength) {
            *error
                = QStringLiteral("%1 does not hold a valid admin token (delete it to have a new one made)").arg(path);
            return {};
        }
        return token;
    }
    const QString token = generateAdminToken();
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(token.toLatin1() + '\n') < 0 || !file.flush()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return {};
    }
    return token;
}

QString AdminToken::regenerate(const QString &dataDir, QString *error)
{
    const QString path = filePath(dataDir);
    const QString token = generateAdminToken();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(token.toLatin1() + '\n') < 0
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return {};
    }
    return token;
}

} // namespace obleth::config
