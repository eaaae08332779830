#pragma once

#include <QDateTime>
#include <QStringList>

#include <optional>

namespace obleth::config {

/// What a change did to an entity's fields, for the obleth.config log: "weight 100 -> 200, enabled true -> false".
/// Only fields that changed are noted; write-only secrets only as set, changed or cleared, never their value.
class ChangeNote final
{
public:
    void field(const QString &name, const QString &before, const QString &after);
    void field(const QString &name, qint64 before, qint64 after);
    void field(const QString &name, double before, double after);
    void field(const QString &name, bool before, bool after);
    void field(const QString &name, const std::optional<qint64> &before, const std::optional<qint64> &after);
    void field(const QString &name, const std::optional<QDateTime> &before, const std::optional<QDateTime> &after);
    void field(const QString &name, const QStringList &before, const QStringList &after);
    void field(const QString &name, const std::optional<QStringList> &before, const std::optional<QStringList> &after);
    /// A URL as loggableUrl() shows it (platform/logging.h): scheme, host and port.
    void url(const QString &name, const QString &before, const QString &after);
    void secret(const QString &name, const QString &before, const QString &after);
    /// A change said in words of the caller's own ("deployment 1a2b3c4d added"); never with a secret in it.
    void note(const QString &part) { m_parts.append(part); }

    [[nodiscard]] bool isEmpty() const noexcept { return m_parts.isEmpty(); }
    /// "weight 100 -> 200, ..." or "nothing changed".
    [[nodiscard]] QString text() const;

private:
    void add(const QString &name, const QString &before, const QString &after);

    QStringList m_parts;
};

} // namespace obleth::config
