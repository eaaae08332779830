#include "mockreply.h"

#include "usage/prompttext.h"

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
    , m_seed(stableHash(body) | 1)
{
    for (const QString &field : {QStringLiteral("max_completion_tokens"), QStringLiteral("max_tokens")}) {
        const QJsonValue v = request.value(field);
        if (v.isDouble() && v.toDouble() >= 1) {
            m_maxTokens = int(std::min<double>(v.toDouble(), kMaxTokens));
            break;
        }
    }
    m_promptTokens = std::max(1,
                              countWords(usage::promptText(request.value(
                                  kind == Kind::Chat ? QStringLiteral("messages") : QStringLiteral("prompt")))));
    m_includeUsage
        = request.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();
}

QByteArray MockReply::word(quint64 *state, bool last)
{
    quint64 &x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    QByteArray w = kWords[x % kWordCount];
    if (!last)
        w += ' ';
    return w;
}

QByteArray MockReply::id() const
{
    const char *prefix = m_kind == Kind::Chat ? "chatcmpl-mock-" : "cmpl-mock-";
    return prefix + QByteArray::number(m_seed, 16);
}

QJsonObject MockReply::usage() const
{
    return QJsonObject{{QStringLiteral("prompt_tokens"), m_promptTokens},
                       {QStringLiteral("completion_tokens"), m_maxTokens},
                       {QStringLiteral("total_tokens"), m_promptTokens + m_maxTokens}};
}

QByteArray MockReply::completeJson() const
{
    QByteArray text;
    quint64 state = m_seed;
    for (int i = 0; i < m_maxTokens; ++i)
        text += word(&state, i + 1 == m_maxTokens);
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

QByteArray MockReply::chunkJson(const QJsonObject &choice, bool withUsage) const
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

MockReply::EventStream::EventStream(const MockReply &reply)
    : m_reply(reply)
    , m_state(reply.m_seed)
{
    // Token events differ only in their word, so they are built from a fixed prefix and suffix
    // (the words need no JSON escaping) instead of a JSON document each.
    const QByteArray model = QJsonDocument(QJsonArray{reply.m_model}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
    const bool chat = reply.m_kind == Kind::Chat;
    m_prefix = "data: {\"id\":\"" + reply.id() + "\",\"object\":\""
        + (chat ? QByteArray("chat.completion.chunk") : QByteArray("text_completion"))
        + "\",\"created\":" + QByteArray::number(kCreated) + ",\"model\":" + model + ",\"choices\":[{\"index\":0,"
        + (chat ? QByteArray("\"delta\":{\"content\":\"") : QByteArray("\"logprobs\":null,\"text\":\""));
    m_suffix = chat ? QByteArray("\"},\"finish_reason\":null}]}\n\n") : QByteArray("\",\"finish_reason\":null}]}\n\n");
}

QByteArray MockReply::EventStream::next()
{
    const bool chat = m_reply.m_kind == Kind::Chat;
    if (m_stage == 0) {
        if (m_index < m_reply.m_maxTokens) {
            const QByteArray w = word(&m_state, m_index + 1 == m_reply.m_maxTokens);
            ++m_index;
            if (chat && m_index == 1) // the first delta also carries the role
                return m_prefix.chopped(11) + "\"role\":\"assistant\",\"content\":\"" + w + m_suffix;
            return m_prefix + w + m_suffix;
        }
        m_stage = 1;
        QJsonObject last{{QStringLiteral("index"), 0}, {QStringLiteral("finish_reason"), QStringLiteral("length")}};
        if (chat)
            last.insert(QStringLiteral("delta"), QJsonObject{});
        else
            last.insert(QStringLiteral("text"), QString());
        return sse(m_reply.chunkJson(last, false));
    }
    if (m_stage == 1) {
        m_stage = 2;
        if (m_reply.m_includeUsage)
            return sse(m_reply.chunkJson({}, true));
    }
    if (m_stage == 2) {
        m_stage = 3;
        return QByteArrayLiteral("data: [DONE]\n\n");
    }
    return {};
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
