#include "mockreply.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <cstring>

namespace obleth::mock {

namespace {

const char *const kWords[] = {
    "the",    "gateway", "answers", "every",  "request", "with",   "care",   "and",    "a",      "model",   "streams",
    "tokens", "quickly", "to",      "its",    "clients", "while",  "fair",   "share",  "keeps",  "tenants", "happy",
    "mock",   "replies", "are",     "always", "the",     "same",   "for",    "one",    "input",  "so",      "tests",
    "can",    "count",   "on",      "them",   "bright",  "quiet",  "river",  "stone",  "light",  "cloud",   "green",
    "paper",  "swift",   "north",   "ember",  "delta",   "orbit",  "signal", "packet", "thread", "socket",  "buffer",
    "queue",  "permit",  "budget",  "cache",  "ledger",  "window", "kernel", "vector", "prompt"};
constexpr int kWordCount = int(sizeof(kWords) / sizeof(kWords[0]));

int countWords(const QString &text)
{
    int n = 0;
    bool inWord = false;
    for (QChar c : text) {
        const bool space = c.isSpace();
        if (!space && !inWord)
            ++n;
        inWord = !space;
    }
    return n;
}

int promptWords(const QJsonValue &v)
{
    if (v.isString())
        return countWords(v.toString());
    if (v.isArray()) {
        int n = 0;
        const QJsonArray a = v.toArray();
        for (const QJsonValue &item : a)
            n += promptWords(item);
        return n;
    }
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        // chat message {role, content} or content part {type, text}
        return promptWords(o.value(QStringLiteral("content"))) + promptWords(o.value(QStringLiteral("text")));
    }
    return 0;
}

QByteArray sse(const QByteArray &json)
{
    return "data: " + json + "\n\n";
}

} // namespace

quint64 MockReply::stableHash(QByteArrayView bytes)
{
    quint64 h = 1469598103934665603ULL;
    for (char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

MockReply::MockReply(Kind kind, const QJsonObject &request, const QByteArray &body)
    : m_kind(kind)
    , m_model(request.value(QStringLiteral("model")).toString())
    , m_seed(stableHash(body))
{
    int maxTokens = 16;
    for (const QString &field : {QStringLiteral("max_completion_tokens"), QStringLiteral("max_tokens")}) {
        const QJsonValue v = request.value(field);
        if (v.isDouble() && v.toDouble() >= 1) {
            maxTokens = int(std::min<double>(v.toDouble(), 8192));
            break;
        }
    }
    m_promptTokens = std::max(1,
                              kind == Kind::Chat ? promptWords(request.value(QStringLiteral("messages")))
                                                 : promptWords(request.value(QStringLiteral("prompt"))));
    m_includeUsage
        = request.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();
    quint64 x = m_seed;
    m_tokens.reserve(maxTokens);
    for (int i = 0; i < maxTokens; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        QByteArray word = kWords[x % kWordCount];
        if (i + 1 < maxTokens)
            word += ' ';
        m_tokens.append(word);
    }
}

QByteArray MockReply::id() const
{
    const char *prefix = m_kind == Kind::Chat ? "chatcmpl-mock-" : "cmpl-mock-";
    return prefix + QByteArray::number(m_seed, 16);
}

QJsonObject MockReply::usage() const
{
    const int completion = int(m_tokens.size());
    return QJsonObject{{QStringLiteral("prompt_tokens"), m_promptTokens},
                       {QStringLiteral("completion_tokens"), completion},
                       {QStringLiteral("total_tokens"), m_promptTokens + completion}};
}

QByteArray MockReply::completeJson() const
{
    QByteArray text;
    for (const QByteArray &t : m_tokens)
        text += t;
    QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), QStringLiteral("length")}};
    if (m_kind == Kind::Chat) {
        choice.insert(QStringLiteral("message"),
                      QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                                  {QStringLiteral("content"), QString::fromUtf8(text)}});
    } else {
        choice.insert(QStringLiteral("text"), QString::fromUtf8(text));
        choice.insert(QStringLiteral("logprobs"), QJsonValue::Null);
    }
    const QJsonObject doc{
        {QStringLiteral("id"), QString::fromLatin1(id())},
        {QStringLiteral("object"),
         m_kind == Kind::Chat ? QStringLiteral("chat.completion") : QStringLiteral("text_completion")},
        {QStringLiteral("created"), double(kCreated)},
        {QStringLiteral("model"), m_model},
        {QStringLiteral("choices"), QJsonArray{choice}},
        {QStringLiteral("usage"), usage()},
    };
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

QByteArray MockReply::chunk(const QJsonObject &choice, bool withUsage) const
{
    QJsonObject doc{
        {QStringLiteral("id"), QString::fromLatin1(id())},
        {QStringLiteral("object"),
         m_kind == Kind::Chat ? QStringLiteral("chat.completion.chunk") : QStringLiteral("text_completion")},
        {QStringLiteral("created"), double(kCreated)},
        {QStringLiteral("model"), m_model},
        {QStringLiteral("choices"), choice.isEmpty() ? QJsonArray{} : QJsonArray{choice}},
    };
    if (withUsage)
        doc.insert(QStringLiteral("usage"), usage());
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

QList<QByteArray> MockReply::sseEvents() const
{
    QList<QByteArray> events;
    events.reserve(m_tokens.size() + 3);
    for (qsizetype i = 0; i < m_tokens.size(); ++i) {
        QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), QJsonValue::Null}};
        if (m_kind == Kind::Chat) {
            QJsonObject delta{{QStringLiteral("content"), QString::fromUtf8(m_tokens.at(i))}};
            if (i == 0)
                delta.insert(QStringLiteral("role"), QStringLiteral("assistant"));
            choice.insert(QStringLiteral("delta"), delta);
        } else {
            choice.insert(QStringLiteral("text"), QString::fromUtf8(m_tokens.at(i)));
            choice.insert(QStringLiteral("logprobs"), QJsonValue::Null);
        }
        events.append(sse(chunk(choice, false)));
    }
    QJsonObject last{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), QStringLiteral("length")}};
    if (m_kind == Kind::Chat)
        last.insert(QStringLiteral("delta"), QJsonObject{});
    else
        last.insert(QStringLiteral("text"), QString());
    events.append(sse(chunk(last, false)));
    if (m_includeUsage)
        events.append(sse(chunk({}, true)));
    events.append(QByteArrayLiteral("data: [DONE]\n\n"));
    return events;
}

QByteArray mockEmbeddingsJson(const QJsonObject &request, QString *error)
{
    const QJsonValue input = request.value(QStringLiteral("input"));
    QList<QByteArray> inputs;
    if (input.isString()) {
        inputs.append(input.toString().toUtf8());
    } else if (input.isArray() && !input.toArray().isEmpty()) {
        const QJsonArray a = input.toArray();
        for (const QJsonValue &v : a) {
            if (v.isString())
                inputs.append(v.toString().toUtf8());
            else if (v.isDouble() || v.isArray())
                inputs.append(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact));
            else {
                *error = QStringLiteral("input must be a string or an array of strings or tokens");
                return {};
            }
        }
    } else {
        *error = QStringLiteral("input must be a string or a non-empty array");
        return {};
    }
    const QJsonValue dimsValue = request.value(QStringLiteral("dimensions"));
    int dims = 16;
    if (!dimsValue.isUndefined()) {
        if (!dimsValue.isDouble() || dimsValue.toDouble() < 1 || dimsValue.toDouble() > 4096) {
            *error = QStringLiteral("dimensions must be a whole number from 1 to 4096");
            return {};
        }
        dims = dimsValue.toInt();
    }
    const bool base64 = request.value(QStringLiteral("encoding_format")).toString() == QLatin1String("base64");
    QJsonArray data;
    int tokens = 0;
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        tokens += std::max(1, int(inputs.at(i).count(' ')) + 1);
        quint64 x = MockReply::stableHash(inputs.at(i)) | 1;
        QList<float> v(dims);
        double norm = 0;
        for (int d = 0; d < dims; ++d) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v[d] = float(double(x % 20001) / 10000.0 - 1.0);
            norm += double(v[d]) * double(v[d]);
        }
        norm = std::sqrt(norm > 0 ? norm : 1);
        QJsonValue embedding;
        if (base64) {
            QByteArray raw(dims * 4, Qt::Uninitialized);
            for (int d = 0; d < dims; ++d) {
                const float f = float(double(v[d]) / norm);
                quint32 bits;
                std::memcpy(&bits, &f, 4);
                for (int b = 0; b < 4; ++b)
                    raw[d * 4 + b] = char((bits >> (8 * b)) & 0xff); // little-endian float32
            }
            embedding = QString::fromLatin1(raw.toBase64());
        } else {
            QJsonArray values;
            for (int d = 0; d < dims; ++d)
                values.append(double(float(double(v[d]) / norm)));
            embedding = values;
        }
        data.append(QJsonObject{{QStringLiteral("object"), QStringLiteral("embedding")},
                                {QStringLiteral("index"), int(i)},
                                {QStringLiteral("embedding"), embedding}});
    }
    const QJsonObject doc{
        {QStringLiteral("object"), QStringLiteral("list")},
        {QStringLiteral("data"), data},
        {QStringLiteral("model"), request.value(QStringLiteral("model")).toString()},
        {QStringLiteral("usage"),
         QJsonObject{{QStringLiteral("prompt_tokens"), tokens}, {QStringLiteral("total_tokens"), tokens}}},
    };
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

} // namespace obleth::mock
