#pragma once

#include <QByteArray>
#include <QList>

#include <utility>

namespace obleth::redis {

/// One RESP reply.
struct Reply
{
    enum class Type { Nil, Status, Error, Integer, Bulk, Array };
    Type type = Type::Nil;
    QByteArray text; ///< Status, Error and Bulk
    qint64 integer = 0; ///< Integer
    QList<Reply> elements; ///< Array

    [[nodiscard]] bool isError() const noexcept { return type == Type::Error; }
    [[nodiscard]] static Reply error(QByteArray message)
    {
        Reply r;
        r.type = Type::Error;
        r.text = std::move(message);
        return r;
    }
};

} // namespace obleth::redis
