#pragma once

#include <QList>
#include <QStringList>

namespace obleth::store {

/// The schema, as the statements that take it from version N-1 to N (index N-1).
/// Never edit a step that has shipped: add a new one.
/// The statements are written for SQLite; forPostgres() gives a statement's PostgreSQL form.
[[nodiscard]] const QList<QStringList> &migrations();

/// The PostgreSQL form of one migration statement, side by side with SQLite's: INTEGER is BIGINT (SQLite's integers
/// have 64 bits), REAL is DOUBLE PRECISION, TEXT compares byte by byte as SQLite's does (COLLATE "C"), the request
/// log's AUTOINCREMENT key is an identity column, and WITHOUT ROWID (a SQLite storage choice) goes.
[[nodiscard]] QString forPostgres(const QString &sqliteStatement);

/// PostgreSQL keeps the schema version in this table (SQLite in PRAGMA user_version): one row (application_id,
/// version).
[[nodiscard]] QString postgresSchemaTable();

} // namespace obleth::store
