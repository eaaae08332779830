#include "requestjson.h"

namespace obleth::usage {

namespace {
QJsonValue textOrNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QString isoTime(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}
} // namespace

QJsonObject toJson(const model::RequestRecord &r)
{
    return QJsonObject{
        {QStringLiteral("id"), QString::fromLatin1(r.id)},
        {QStringLiteral("started_at"), isoTime(r.startedAt)},
        {QStringLiteral("tenant_id"), textOrNull(r.tenantId)},
        {QStringLiteral("tenant"), textOrNull(r.tenantName)},
        {QStringLiteral("key_prefix"), textOrNull(r.keyPrefix)},
        {QStringLiteral("model"), textOrNull(r.model)},
        {QStringLiteral("requested_model"), textOrNull(r.requestedModel)},
        {QStringLiteral("deployment_id"), textOrNull(r.deploymentId)},
        {QStringLiteral("fallback"), r.fallback},
        {QStringLiteral("brownout"), r.brownout},
        {QStringLiteral("method"), QString::fromLatin1(r.method)},
        {QStringLiteral("path"), QString::fromUtf8(r.path)},
        {QStringLiteral("status"), r.status},
        {QStringLiteral("latency_ms"), double(r.latencyMs)},
        {QStringLiteral("ttfb_ms"), r.firstByteMs >= 0 ? QJsonValue(double(r.firstByteMs)) : QJsonValue()},
        {QStringLiteral("prompt_tokens"), double(r.promptTokens)},
        {QStringLiteral("completion_tokens"), double(r.completionTokens)},
        {QStringLiteral("estimated"), r.estimated},
        {QStringLiteral("cost"), r.cost},
        {QStringLiteral("streamed"), r.streamed},
        {QStringLiteral("bytes_in"), double(r.bytesIn)},
        {QStringLiteral("bytes_out"), double(r.bytesOut)},
        {QStringLiteral("cache"), textOrNull(r.cache)},
        {QStringLiteral("error"), textOrNull(r.error)},
    };
}

QJsonObject toJson(const model::RequestStarted &s)
{
    return QJsonObject{
        {QStringLiteral("id"), QString::fromLatin1(s.id)},         {QStringLiteral("started_at"), isoTime(s.startedAt)},
        {QStringLiteral("tenant_id"), textOrNull(s.tenantId)},     {QStringLiteral("tenant"), textOrNull(s.tenantName)},
        {QStringLiteral("key_prefix"), textOrNull(s.keyPrefix)},   {QStringLiteral("model"), textOrNull(s.model)},
        {QStringLiteral("method"), QString::fromLatin1(s.method)}, {QStringLiteral("path"), QString::fromUtf8(s.path)},
    };
}

QJsonObject toJson(const model::RequestProgress &p)
{
    QJsonObject o{
        {QStringLiteral("id"), QString::fromLatin1(p.id)},
        {QStringLiteral("bytes"), double(p.bytes)},
        {QStringLiteral("tokens"), double(p.tokens)},
    };
    if (!p.text.isEmpty())
        o.insert(QStringLiteral("text"), p.text);
    return o;
}

} // namespace obleth::usage
