// Fuzz target: the request body's `model` rewrite (core/proxy/requestbody.h), which forwarding uses to send
// the upstream its own model name while keeping every other byte the client sent, and the brownout's
// capMaxTokens() (contract section 11).
//
// The whole input is the request body. Invariants: no crash; a body whose top-level "model" is a string is
// found to have one; after withModel() the output is a JSON object whose "model" is the new value and whose
// other top-level keys and values are the client's, unchanged; without a model the bytes are passed as they are.
// After capMaxTokens(cap) the body still parses; every top-level max_tokens / max_completion_tokens is a number
// at most the cap (max_tokens is added when neither was there); the other top-level members are the client's;
// and withModel() still rewrites the model of the capped body. A body it leaves alone is byte for byte the same.

#include "fuzzinput.h"

#include "proxy/requestbody.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

using obleth::proxy::RequestBody;

namespace {

/// Checks capMaxTokens(@p cap) on a copy of @p parsed (whose bytes are @p bytes).
void checkCap(const RequestBody &parsed, const QByteArray &bytes, qint64 cap)
{
    const QString maxTokens = QStringLiteral("max_tokens");
    const QString maxCompletionTokens = QStringLiteral("max_completion_tokens");
    QJsonObject others = parsed.json();
    const bool hadAny = others.contains(maxTokens) || others.contains(maxCompletionTokens);
    others.remove(maxTokens);
    others.remove(maxCompletionTokens);

    RequestBody body = parsed;
    const bool changed = body.capMaxTokens(cap);
    if (!changed) {
        FUZZ_CHECK(body.bytes() == bytes);
        FUZZ_CHECK(hadAny); // a body without either key always gets max_tokens
    }
    const QJsonObject capped = body.json();
    for (const QString &key : {maxTokens, maxCompletionTokens}) {
        if (capped.contains(key)) {
            FUZZ_CHECK(capped.value(key).isDouble());
            FUZZ_CHECK(capped.value(key).toDouble() <= double(cap));
        }
    }
    if (!hadAny)
        FUZZ_CHECK(capped.value(maxTokens).toDouble() == double(cap));
    // The capped bytes parse again to the same object, and the model rewrite still works on them.
    RequestBody reparsed;
    QString error;
    FUZZ_CHECK(reparsed.parse(body.bytes(), &error));
    FUZZ_CHECK(reparsed.json() == capped);
    QJsonObject rest = capped;
    rest.remove(maxTokens);
    rest.remove(maxCompletionTokens);
    FUZZ_CHECK(rest == others);
    FUZZ_CHECK(body.hasModel() == parsed.hasModel());
    if (body.hasModel()) {
        const QJsonDocument doc = QJsonDocument::fromJson(body.withModel(QStringLiteral("capped/model")));
        FUZZ_CHECK(doc.isObject());
        FUZZ_CHECK(doc.object().value(QStringLiteral("model")).toString() == QStringLiteral("capped/model"));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    RequestBody body;
    QString error;
    if (!body.parse(bytes, &error)) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    const QString model = QStringLiteral("model");
    QJsonObject others = body.json();
    FUZZ_CHECK(body.hasModel() == others.value(model).isString());
    others.remove(model);

    // Plain names, the empty string, characters JSON must escape, and text taken from the input itself.
    const QString newModels[] = {
        QStringLiteral("upstream/model-1"),
        QString(),
        QStringLiteral("quote\" backslash\\ newline\n tab\t nul") + QChar(0)
            + QStringLiteral(" \u00e9 \u2028 \U0001F600"),
        body.model() + QStringLiteral("-x"),
        body.model(),
        QString::fromUtf8(bytes.right(16)),
    };
    for (const QString &newModel : newModels) {
        const QByteArray out = body.withModel(newModel);
        if (!body.hasModel()) {
            FUZZ_CHECK(out == bytes);
            continue;
        }
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(out, &pe);
        FUZZ_CHECK(pe.error == QJsonParseError::NoError);
        FUZZ_CHECK(doc.isObject());
        QJsonObject rewritten = doc.object();
        FUZZ_CHECK(rewritten.value(model).isString());
        FUZZ_CHECK(rewritten.value(model).toString() == newModel);
        rewritten.remove(model);
        FUZZ_CHECK(rewritten == others);
    }
    for (const qint64 cap : {qint64(1), qint64(256), qint64(1) << 40})
        checkCap(body, bytes, cap);
    return 0;
}
