#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

namespace obleth::model {

/// Header fields as a live view shows them: name and value, in the order sent.
using HeaderList = QList<QPair<QByteArray, QByteArray>>;

/// The most of a request's or an answer's body a live view is given (the rest is cut, and the view says so).
constexpr qsizetype kMaxLiveBodyBytes = 64 * 1024;

/// One data-plane request as the request log keeps it (contract section 6).
struct RequestRecord
{
    QByteArray id; ///< the x-obleth-request-id
    QDateTime startedAt; ///< UTC
    QString tenantId; ///< empty when no key was accepted
    QString tenantName;
    QString keyPrefix;
    QString model; ///< the client-facing model name that answered; empty when the request named none we know
    /// The model the client asked for when another answered (a fallback, or "auto"); empty otherwise.
    QString requestedModel;
    QString deploymentId; ///< the deployment that answered; empty for the mock, the cache, the default upstream
    bool fallback = false; ///< a fallback model answered (contract section 10)
    bool brownout = false; ///< max_tokens was capped because the request waited long (contract section 11)
    QByteArray method;
    QByteArray path; ///< as requested (normalised, UTF-8, at most 512 bytes); the log stores it as text
    int status = 0; ///< 0: the client went away before an answer started
    qint64 latencyMs = 0;
    qint64 firstByteMs = -1; ///< until the first body byte (or the head, for a body-less answer)
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    bool estimated = false; ///< the token counts are obleth's estimate, not the upstream's
    double cost = 0;
    bool streamed = false;
    qint64 bytesIn = 0;
    qint64 bytesOut = 0;
    QString cache; ///< "hit", "miss", "off", or empty where no cache applies
    QString error; ///< an error code, or what went wrong; empty on success
    /// For live views only (not logged): the request's and the answer's headers, secrets masked. Filled only
    /// while someone watches (RequestMonitor::wantsProgress()).
    HeaderList requestHeaders;
    HeaderList responseHeaders;
    /// For live views only, like the headers (not logged, not in /api/v1/events): the query string as sent, and the
    /// request's and the answer's bodies as the client sent and got them, at most kMaxLiveBodyBytes each (a stream's
    /// raw events included). Filled only while someone watches.
    QByteArray query;
    QByteArray requestBody;
    QByteArray responseBody;
    bool requestBodyCut = false; ///< the request's body was longer than requestBody
    bool responseBodyCut = false;
};

/// A request that has started, for live views (the GUI's log, /api/v1/events).
struct RequestStarted
{
    QByteArray id;
    QDateTime startedAt;
    QString tenantId;
    QString tenantName;
    QString keyPrefix;
    QString model;
    QByteArray method;
    QByteArray path; ///< UTF-8
    HeaderList requestHeaders; ///< masked; only while someone watches
    QByteArray query{}; ///< only while someone watches, as RequestRecord's
    QByteArray requestBody{}; ///< only while someone watches, at most kMaxLiveBodyBytes
    bool requestBodyCut = false;
};

/// How far a streamed answer has come.
struct RequestProgress
{
    QByteArray id;
    qint64 bytes = 0; ///< body bytes sent so far
    qint64 tokens = 0; ///< completion tokens so far (content chunks)
    QString text; ///< generated text since the previous progress event (only when someone watches)
};

} // namespace obleth::model

Q_DECLARE_METATYPE(obleth::model::RequestRecord)
Q_DECLARE_METATYPE(obleth::model::RequestStarted)
Q_DECLARE_METATYPE(obleth::model::RequestProgress)
