#pragma once

#include <QString>

namespace obleth::config {

/// What was wrong with a request to a configuration service, with the field it concerns. The Management API
/// turns it into 400/404/409/500/503; the GUI shows its message.
struct Problem
{
    enum class Kind { None, Invalid, NotFound, Conflict, Storage, StorageBusy };
    Kind kind = Kind::None;
    QString field;
    QString message;

    [[nodiscard]] bool ok() const noexcept { return kind == Kind::None; }
    static Problem invalid(const QString &field, const QString &message) { return {Kind::Invalid, field, message}; }
    static Problem notFound(const QString &message) { return {Kind::NotFound, {}, message}; }
    static Problem conflict(const QString &field, const QString &message) { return {Kind::Conflict, field, message}; }
    static Problem storage(const QString &message) { return {Kind::Storage, {}, message}; }
    /// The store is locked by another program for now; the same request may succeed later.
    static Problem busy(const QString &message) { return {Kind::StorageBusy, {}, message}; }
};

} // namespace obleth::config
