#include "responsedirectory.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace obleth::dataplane {

void ResponseDirectory::remember(const QByteArray &id, Origin origin)
{
    if (id.isEmpty() || id.size() > kMaxIdBytes)
        return;
    const auto it = m_origins.find(id);
    if (it != m_origins.end()) {
        *it = std::move(origin);
        return;
    }
    m_origins.insert(id, std::move(origin));
    m_order.push_back(id);
    while (qsizetype(m_order.size()) > kCapacity) {
        m_origins.remove(m_order.front());
        m_order.pop_front();
    }
}

const ResponseDirectory::Origin *ResponseDirectory::find(const QByteArray &id) const
{
    const auto it = m_origins.constFind(id);
    return it == m_origins.cend() ? nullptr : &it.value();
}

void ResponseIdTap::responseHead(int status, http::Headers &headers)
{
    if (status < 200 || status >= 300)
        return;
    const QByteArray type = headers.value("content-type").toLower();
    if (type.startsWith("text/event-stream"))
        m_mode = Mode::Stream;
    else if (type.contains("json"))
        m_mode = Mode::Json;
}

void ResponseIdTap::responseBody(const QByteArray &data)
{
    switch (m_mode) {
    case Mode::Off: return;
    case Mode::Json:
        if (m_buffer.size() + data.size() > kMaxJsonBytes) {
            m_mode = Mode::Off;
            m_buffer.clear();
            return;
        }
        m_buffer += data;
        return;
    case Mode::Stream:
        m_buffer += data;
        scanLines();
        return;
    }
}

void ResponseIdTap::scanLines()
{
    // Every complete line; the first event that names the response (response.created, else any with a response
    // object) gives its id.
    qsizetype from = 0;
    for (qsizetype nl = m_buffer.indexOf('\n'); nl >= 0 && m_mode == Mode::Stream;
         from = nl + 1, nl = m_buffer.indexOf('\n', from)) {
        QByteArrayView line = QByteArrayView(m_buffer).sliced(from, nl - from).trimmed();
        if (!line.startsWith("data:"))
            continue;
        const QJsonObject event = QJsonDocument::fromJson(line.sliced(5).trimmed().toByteArray()).object();
        const QJsonObject response = event.value(QStringLiteral("response")).toObject();
        const QString id = response.value(QStringLiteral("id")).toString();
        if (!id.isEmpty())
            report(id.toUtf8());
    }
    m_buffer.remove(0, from);
    if (m_buffer.size() > kMaxJsonBytes) { // a line without end: not an answer to read
        m_mode = Mode::Off;
        m_buffer.clear();
    }
}

void ResponseIdTap::responseEnd(bool complete)
{
    if (m_mode == Mode::Json && complete) {
        const QString id = QJsonDocument::fromJson(m_buffer).object().value(QStringLiteral("id")).toString();
        if (!id.isEmpty())
            report(id.toUtf8());
    }
    m_mode = Mode::Off;
    m_buffer.clear();
}

void ResponseIdTap::report(const QByteArray &id)
{
    m_mode = Mode::Off;
    m_buffer.clear();
    if (m_found)
        m_found(id);
}

} // namespace obleth::dataplane
