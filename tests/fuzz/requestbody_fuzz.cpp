// Fuzz target: the request body's `model` rewrite (core/proxy/requestbody.h), which forwarding uses to send
// the upstream its own model name while keeping every other byte the client sent.
//
// The whole input is the request body. Invariants: no crash; a body whose top-level "model" is a string is
// found to have one; after withModel() the output is a JSON object whose "model" is the new value and whose
// other top-level keys and values are the client's, unchanged; without a model the bytes are passed as they are.

#include "fuzzinput.h"

#include "proxy/requestbody.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

using obleth::proxy::RequestBody;

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
    return 0;
}
