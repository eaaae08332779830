#pragma once

#include <QString>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QTableWidget;
class QTableWidgetItem;
class QWidget;
QT_END_NAMESPACE

namespace obleth::ui {

/// The item data role where pages keep a row's id (a tenant's, a model's, …).
constexpr int kIdRole = 0x0100; // Qt::UserRole

/// A table of whole-row, single selection with @p headers, as every page lists things.
[[nodiscard]] QTableWidget *listTable(const QStringList &headers, QWidget *parent);
/// A cell showing @p text; editable in place only when asked.
[[nodiscard]] QTableWidgetItem *cell(const QString &text, bool editable = false);

} // namespace obleth::ui
