#pragma once

#include <QSqlDatabase>
#include <QtGlobal>

namespace obleth::store {

/// A bound on how long the statements on a PostgreSQL connection may wait for the server (contract section 15): a
/// server that hangs (its connection open, nothing answering; a frozen host, a stalled disk) would otherwise hold
/// the waiting thread for ever, since libpq has no timeout of its own for a statement in flight. While a
/// StatementDeadline lives, a watchdog thread cuts the connection's socket (shutdown(), not close(): the descriptor
/// stays libpq's) once @p ms have passed; the statement then fails as on a lost connection, and the caller's own
/// handling follows (a 503 for a configuration change, the connection opened again later).
///
/// Only the socket the connection had when the deadline was armed is cut, and only while it is still that socket (its
/// inode): a descriptor number reused meanwhile is left alone. Only a descriptor that is a socket to the connection's
/// port is armed (a PGconn read through another copy of libpq than the driver's is not trusted). On SQLite, or where
/// obleth was built without libpq's headers (isAvailable() false), it does nothing.
class StatementDeadline final
{
public:
    StatementDeadline(const QSqlDatabase &db, int ms);
    ~StatementDeadline();
    Q_DISABLE_COPY_MOVE(StatementDeadline)

    /// Whether deadlines work in this build (libpq's header was found; a Unix).
    [[nodiscard]] static bool isAvailable();
    /// Connections cut since the process started.
    [[nodiscard]] static int connectionsCut();

private:
    quint64 m_id = 0; ///< 0: not armed
};

} // namespace obleth::store
