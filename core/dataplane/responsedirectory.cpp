#include "responsedirectory.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace obleth::dataplane {

namespace {
bool isRememberable(const QByteArray &id)
{
    if (id.isEmpty() || id.size() > ResponseDirectory::kMaxIdBytes)
        return false;
    return std::all_of(id.cbegin(), id.cend(), [](char c) { return c > 0x20 && c < 0x7f; });
}
} // namespace

bool ResponseDirectory::remember(const QByteArray &id, Origin origin)
{
    if (!isRememberable(id))
        return false;
    const auto it = m_origins.find(id);
    if (it != m_origins.end()) {
        if (it->tenantId != origin.tenantId)
            return false; // another tenant's: an upstream that reuses ids hands it to no one else
        *it = std::move(origin);
        return true;
    }
    if (m_origins.size() >= kCapacity) {
        // The oldest id of the tenant that holds the most (the newcomer's own when that is it).
        auto largest = m_byTenant.end();
        for (auto t = m_byTenant.begin(); t != m_byTenant.end(); ++t) {
            if (largest == m_byTenant.end() || t->size() > largest->size())
                largest = t;
        }
        if (largest != m_byTenant.end() && !largest->empty()) {
            m_origins.remove(largest->front());
            largest->pop_front();
            if (largest->empty())
                m_byTenant.erase(largest);
        }
    }
    m_byTenant[origin.tenantId].push_back(id);
    m_origins.insert(id, std::move(origin));
    return true;
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

namespace {
enum class Scan { Found, NotHere, NeedMore };

/// The id at the start of a JSON object @p json: its first member when that is "id" with a plain string value
/// (the Responses API writes it so), into @p id. NeedMore while the prefix cannot tell.
Scan leadingId(QByteArrayView json, QByteArray *id)
{
    qsizetype i = 0;
    const auto skipSpace = [&] {
        while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r'))
            ++i;
        return i < json.size();
    };
    const auto expect = [&](QByteArrayView token) {
        for (char c : token) {
            if (i >= json.size())
                return Scan::NeedMore;
            if (json[i++] != c)
                return Scan::NotHere;
        }
        return Scan::Found;
    };
    for (QByteArrayView token :
         {QByteArrayView("{"), QByteArrayView("\"id\""), QByteArrayView(":"), QByteArrayView("\"")}) {
        if (!skipSpace())
            return Scan::NeedMore;
        if (const Scan s = expect(token); s != Scan::Found)
            return s;
    }
    const qsizetype from = i;
    for (; i < json.size() && i - from <= ResponseDirectory::kMaxIdBytes; ++i) {
        if (json[i] == '\\')
            return Scan::NotHere;
        if (json[i] == '"') {
            *id = json.sliced(from, i - from).toByteArray();
            return Scan::Found;
        }
    }
    return i - from > ResponseDirectory::kMaxIdBytes ? Scan::NotHere : Scan::NeedMore;
}

/// The response id of a stream's data line that is too long to be parsed whole: `"response":` near its start, then
/// an object whose first member is the id.
QByteArray idAtLineStart(QByteArrayView line)
{
    constexpr qsizetype kNear = 1024;
    const qsizetype at = line.first(std::min(line.size(), kNear)).indexOf("\"response\"");
    if (at < 0)
        return {};
    qsizetype i = at + 10;
    while (i < line.size() && (line[i] == ' ' || line[i] == ':'))
        ++i;
    QByteArray id;
    return leadingId(line.sliced(std::min(i, line.size())), &id) == Scan::Found ? id : QByteArray();
}
} // namespace

void ResponseIdTap::responseBody(const QByteArray &data)
{
    switch (m_mode) {
    case Mode::Off: return;
    case Mode::Json: {
        const bool fits = m_buffer.size() + data.size() <= kMaxHeldBytes;
        if (fits)
            m_buffer += data;
        else
            m_buffer += QByteArrayView(data).first(kMaxHeldBytes - m_buffer.size());
        QByteArray id;
        const Scan scan = leadingId(m_buffer, &id);
        if (scan == Scan::Found)
            return report(id);
        if (!fits) { // too large to be read whole: only its first member would have told
            m_mode = Mode::Off;
            m_buffer = QByteArray();
        }
        return;
    }
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
        if (std::exchange(m_skippingLine, false))
            continue; // the end of a line too long to hold, whose start was read
        QByteArrayView line = QByteArrayView(m_buffer).sliced(from, nl - from).trimmed();
        if (!line.startsWith("data:"))
            continue;
        const QJsonObject event = QJsonDocument::fromJson(line.sliced(5).trimmed().toByteArray()).object();
        const QJsonObject response = event.value(QStringLiteral("response")).toObject();
        const QString id = response.value(QStringLiteral("id")).toString();
        if (!id.isEmpty())
            return report(id.toUtf8());
    }
    if (m_mode != Mode::Stream)
        return;
    m_buffer.remove(0, from);
    if (m_buffer.size() > kMaxHeldBytes) { // a line too long to hold: its id, if any, is at its start
        if (!m_skippingLine) {
            const QByteArrayView line = QByteArrayView(m_buffer).trimmed();
            if (line.startsWith("data:")) {
                if (const QByteArray id = idAtLineStart(line.sliced(5)); !id.isEmpty())
                    return report(id);
            }
        }
        m_skippingLine = true;
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
