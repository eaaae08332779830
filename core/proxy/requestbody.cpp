#include "requestbody.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>

namespace obleth::proxy {

namespace {

/// A minimal scanner over JSON text already validated by QJsonDocument.
class Scanner
{
public:
    explicit Scanner(const QByteArray &b)
        : m_b(b)
    { }
    void skipSpace()
    {
        while (m_i < m_b.size() && (m_b[m_i] == ' ' || m_b[m_i] == '\t' || m_b[m_i] == '\n' || m_b[m_i] == '\r'))
            ++m_i;
    }
    bool eat(char c)
    {
        skipSpace();
        if (m_i < m_b.size() && m_b[m_i] == c) {
            ++m_i;
            return true;
        }
        return false;
    }
    char peek()
    {
        skipSpace();
        return m_i < m_b.size() ? m_b[m_i] : '\0';
    }
    /// Skips a string starting at the current quote; returns its raw span.
    bool string(qsizetype *start, qsizetype *end)
    {
        skipSpace();
        if (m_i >= m_b.size() || m_b[m_i] != '"')
            return false;
        *start = m_i++;
        while (m_i < m_b.size()) {
            const char c = m_b[m_i++];
            if (c == '\\')
                ++m_i;
            else if (c == '"') {
                *end = m_i;
                return true;
            }
        }
        return false;
    }
    bool value()
    {
        const char c = peek();
        qsizetype s = 0;
        qsizetype e = 0;
        if (c == '"')
            return string(&s, &e);
        if (c == '{' || c == '[') {
            int depth = 0;
            while (m_i < m_b.size()) {
                const char d = m_b[m_i];
                if (d == '"') {
                    if (!string(&s, &e))
                        return false;
                    continue;
                }
                ++m_i;
                if (d == '{' || d == '[')
                    ++depth;
                else if ((d == '}' || d == ']') && --depth == 0)
                    return true;
            }
            return false;
        }
        // number, true, false, null
        while (m_i < m_b.size() && m_b[m_i] != ',' && m_b[m_i] != '}' && m_b[m_i] != ']' && m_b[m_i] != ' '
               && m_b[m_i] != '\n' && m_b[m_i] != '\r' && m_b[m_i] != '\t')
            ++m_i;
        return true;
    }
    [[nodiscard]] qsizetype pos() const { return m_i; }

private:
    const QByteArray &m_b;
    qsizetype m_i = 0;
};

/// RFC 8259 allows no control character below U+0020 unescaped, in strings or between tokens (tab, line feed and
/// carriage return only as white space). Qt's parser accepts some of them, and Qt versions differ in how they
/// read a key that holds a raw NUL: the scan below and the parser could then disagree about "model".
qsizetype firstRawControlCharacter(const QByteArray &bytes)
{
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return i;
    }
    return -1;
}

QString decodeJsonString(const QByteArray &raw)
{
    if (!raw.contains('\\'))
        return QString::fromUtf8(raw.mid(1, raw.size() - 2));
    const QJsonDocument doc = QJsonDocument::fromJson('[' + raw + ']');
    return doc.array().at(0).toString();
}

/// True when the raw JSON value @p raw is a number no larger than @p cap.
bool isNumberAtMost(const QByteArray &raw, qint64 cap)
{
    if (raw.isEmpty() || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')))
        return false;
    const QJsonValue v = QJsonDocument::fromJson('[' + raw + ']').array().at(0);
    return v.isDouble() && v.toDouble() <= double(cap);
}

} // namespace

bool RequestBody::findTopLevelString(const QByteArray &bytes, QByteArrayView key, qsizetype *start, qsizetype *end)
{
    Scanner s(bytes);
    if (!s.eat('{'))
        return false;
    bool found = false;
    if (s.peek() == '}')
        return false;
    for (;;) {
        qsizetype ks = 0;
        qsizetype ke = 0;
        if (!s.string(&ks, &ke) || !s.eat(':'))
            return found;
        const bool isKey = decodeJsonString(bytes.mid(ks, ke - ks)) == QString::fromUtf8(key);
        if (isKey && s.peek() == '"') {
            qsizetype vs = 0;
            qsizetype ve = 0;
            if (!s.string(&vs, &ve))
                return found;
            *start = vs;
            *end = ve;
            found = true;
        } else {
            if (isKey)
                found = false; // a later non-string value replaces an earlier string
            if (!s.value())
                return found;
        }
        if (!s.eat(','))
            return found;
    }
}

int RequestBody::countTopLevelKey(const QByteArray &bytes, QByteArrayView key, bool *keyHoldsNul)
{
    Scanner s(bytes);
    if (!s.eat('{') || s.peek() == '}')
        return 0;
    const QString wanted = QString::fromUtf8(key);
    int count = 0;
    for (;;) {
        qsizetype ks = 0;
        qsizetype ke = 0;
        if (!s.string(&ks, &ke) || !s.eat(':'))
            return count;
        const QString name = decodeJsonString(bytes.mid(ks, ke - ks));
        if (name == wanted)
            ++count;
        if (keyHoldsNul && name.contains(QChar(0)))
            *keyHoldsNul = true;
        if (!s.value() || !s.eat(','))
            return count;
    }
}

bool RequestBody::parse(const QByteArray &bytes, QString *error)
{
    m_bytes = bytes;
    if (const qsizetype at = firstRawControlCharacter(bytes); at >= 0) {
        *error = QStringLiteral("the request body is not valid JSON (control character at offset %1)").arg(at);
        return false;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError) {
        *error = QStringLiteral("the request body is not valid JSON (%1 at offset %2)")
                     .arg(pe.errorString())
                     .arg(pe.offset);
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("the request body must be a JSON object");
        return false;
    }
    bool keyHoldsNul = false;
    const int models = countTopLevelKey(bytes, "model", &keyHoldsNul);
    if (keyHoldsNul) {
        // Qt 6.8 finds "model\u0000" when asked for "model", Qt 6.4 does not: no key may hold U+0000.
        *error = QStringLiteral("a key of the request body holds the character U+0000");
        return false;
    }
    if (models > 1) {
        // The JSON parser keeps the last "model", other parsers keep the first: obleth would route and
        // account for one model while the upstream runs another.
        *error = QStringLiteral("the request body has the key \"model\" more than once");
        return false;
    }
    m_json = doc.object();
    m_modelStart = m_modelEnd = -1;
    const QJsonValue model = m_json.value(QStringLiteral("model"));
    const bool scanned = findTopLevelString(m_bytes, "model", &m_modelStart, &m_modelEnd);
    if (scanned != model.isString()
        || (scanned && decodeJsonString(m_bytes.mid(m_modelStart, m_modelEnd - m_modelStart)) != model.toString())) {
        // The model obleth routes and accounts for must be the one it rewrites for the upstream: where the scan
        // and Qt's parser read "model" differently, the body is refused rather than guessed at.
        m_modelStart = m_modelEnd = -1;
        *error = QStringLiteral("the request body's \"model\" key cannot be read unambiguously");
        return false;
    }
    return true;
}

bool RequestBody::capMaxTokens(qint64 cap, std::initializer_list<QLatin1String> keys)
{
    if (keys.size() == 0)
        return false;
    const QByteArray capText = QByteArray::number(cap);
    Scanner s(m_bytes);
    if (!s.eat('{'))
        return false;
    qsizetype afterLastMember = s.pos(); // where a new member goes: after the last value, or after '{'
    bool present = false;
    bool empty = true;
    QList<std::pair<qsizetype, qsizetype>> spans; // values to replace, in order
    if (s.peek() != '}') {
        for (;;) {
            qsizetype ks = 0;
            qsizetype ke = 0;
            if (!s.string(&ks, &ke) || !s.eat(':'))
                return false;
            const QString name = decodeJsonString(m_bytes.mid(ks, ke - ks));
            s.skipSpace();
            const qsizetype vs = s.pos();
            if (!s.value())
                return false;
            const qsizetype ve = s.pos();
            afterLastMember = ve;
            empty = false;
            if (std::find(keys.begin(), keys.end(), name) != keys.end()) {
                present = true;
                if (!isNumberAtMost(m_bytes.mid(vs, ve - vs), cap))
                    spans.append({vs, ve});
            }
            if (!s.eat(','))
                break;
        }
    }
    QByteArray out;
    if (!present) {
        out.reserve(m_bytes.size() + capText.size() + 16);
        out += QByteArrayView(m_bytes).first(afterLastMember);
        out += empty ? QByteArrayLiteral("\"") : QByteArrayLiteral(",\"");
        out += QByteArrayView(keys.begin()->data(), keys.begin()->size());
        out += QByteArrayLiteral("\":");
        out += capText;
        out += QByteArrayView(m_bytes).sliced(afterLastMember);
    } else if (spans.isEmpty()) {
        return false;
    } else {
        qsizetype from = 0;
        for (const auto &[vs, ve] : spans) {
            out += QByteArrayView(m_bytes).sliced(from, vs - from);
            out += capText;
            from = ve;
        }
        out += QByteArrayView(m_bytes).sliced(from);
    }
    // The new bytes are parsed like the client's, so that json(), the model's place and withModel() follow them.
    RequestBody capped;
    QString error;
    if (!capped.parse(out, &error))
        return false;
    *this = std::move(capped);
    return true;
}

QByteArray RequestBody::withModel(const QString &model) const
{
    if (m_modelStart < 0 || model == this->model())
        return m_bytes;
    const QByteArray encoded = QJsonDocument(QJsonArray{model}).toJson(QJsonDocument::Compact);
    const QByteArray quoted = encoded.mid(1, encoded.size() - 2); // strip [ ]
    QByteArray out;
    out.reserve(m_bytes.size() + quoted.size());
    out += QByteArrayView(m_bytes).first(m_modelStart);
    out += quoted;
    out += QByteArrayView(m_bytes).sliced(m_modelEnd);
    return out;
}

} // namespace obleth::proxy
