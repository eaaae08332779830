#pragma once

#include <QList>
#include <QStringList>

namespace obleth::store {

/// The schema, as the statements that take it from version N-1 to N (index N-1).
/// Never edit a step that has shipped: add a new one.
[[nodiscard]] const QList<QStringList> &migrations();

} // namespace obleth::store
