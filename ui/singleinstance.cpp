#include "singleinstance.h"

#include <QCryptographicHash>
#include <QDir>
#include <QLocalSocket>

namespace obleth::ui {

namespace {
constexpr int kWaitMs = 1000;
const QByteArray kShow = "show\n";
} // namespace

SingleInstance::SingleInstance(const QString &dataDir, QObject *parent)
    : QObject(parent)
{
    const QByteArray who = qgetenv("USER") + qgetenv("USERNAME") + '|' + QDir(dataDir).absolutePath().toUtf8();
    m_name = QStringLiteral("obleth-")
        + QString::fromLatin1(QCryptographicHash::hash(who, QCryptographicHash::Sha256).toHex().left(20));
    connect(&m_server, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *peer = m_server.nextPendingConnection()) {
            connect(peer, &QLocalSocket::readyRead, this, [this, peer] {
                if (peer->readAll().startsWith(kShow.trimmed()))
                    Q_EMIT activationRequested();
                peer->disconnectFromServer();
            });
            connect(peer, &QLocalSocket::disconnected, peer, &QObject::deleteLater);
        }
    });
}

bool SingleInstance::claim()
{
    // Runs once at start, before any window: short blocking waits are fine here.
    QLocalSocket other;
    other.connectToServer(m_name);
    if (other.waitForConnected(kWaitMs)) {
        other.write(kShow);
        other.waitForBytesWritten(kWaitMs);
        other.disconnectFromServer();
        return false;
    }
    QLocalServer::removeServer(m_name); // a socket file left by a crashed instance
    m_server.setSocketOptions(QLocalServer::UserAccessOption);
    return m_server.listen(m_name);
}

} // namespace obleth::ui
