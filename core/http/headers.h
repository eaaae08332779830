#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace obleth::http {

/// An ordered list of HTTP header fields with case-insensitive lookup.
/// Order and duplicates are kept, so a proxy can relay headers as they came.
class Headers final
{
public:
    using Field = QPair<QByteArray, QByteArray>;

    /// Makes room for @p count fields at once (a parser does, at the first of a message's).
    void reserve(qsizetype count) { m_fields.reserve(count); }
    void add(QByteArray name, QByteArray value) { m_fields.append(Field(std::move(name), std::move(value))); }
    /// Replaces every field called @p name by one field with @p value.
    void set(const QByteArray &name, const QByteArray &value);
    /// Removes every field called @p name; returns how many were removed.
    qsizetype remove(QByteArrayView name);

    [[nodiscard]] bool contains(QByteArrayView name) const;
    /// The first value of @p name, or a null QByteArray.
    [[nodiscard]] QByteArray value(QByteArrayView name) const;
    /// How many fields are called @p name.
    [[nodiscard]] qsizetype count(QByteArrayView name) const;
    /// True when the comma-separated list in any @p name field holds @p token (case-insensitive).
    [[nodiscard]] bool hasToken(QByteArrayView name, QByteArrayView token) const;

    [[nodiscard]] const QList<Field> &fields() const noexcept { return m_fields; }
    [[nodiscard]] qsizetype size() const noexcept { return m_fields.size(); }
    [[nodiscard]] bool isEmpty() const noexcept { return m_fields.isEmpty(); }

    [[nodiscard]] static bool nameEquals(QByteArrayView a, QByteArrayView b) noexcept;

private:
    QList<Field> m_fields;
};

} // namespace obleth::http
