#pragma once

#include "config/problem.h"
#include "http/httprequest.h"
#include "http/router.h"

#include <QJsonArray>
#include <QJsonObject>

namespace obleth::http {
class HttpResponder;
}

namespace obleth::admin {

/// One Management API call as a controller sees it: the request, its path parameters, its JSON body
/// (already parsed; {} when there is none) and ways to answer in the API's conventions.
struct ApiCall
{
    const http::HttpRequest &request;
    const http::PathParams &params;
    QJsonObject body;
    http::HttpResponder *responder;

    [[nodiscard]] QString param(const QString &name) const { return params.value(name); }

    void reply(int status, const QJsonObject &object) const;
    /// {"object":"list","data":[...]}
    void replyList(const QJsonArray &data) const;
    void replyNoContent() const;
    /// Maps a service problem to 400/404/409/500 with the field named.
    void replyProblem(const config::Problem &problem) const;
    void replyError(int status, const QByteArray &code, const QString &message, const QString &param = {}) const;
};

/// @p lookup's problem if it has one (the entity a change names does not exist), else @p body's: an unknown id
/// is a 404 whatever the body says, as a change's service would answer it.
[[nodiscard]] inline const config::Problem &firstProblem(const config::Problem &lookup, const config::Problem &body)
{
    return lookup.ok() ? body : lookup;
}

/// {"object":"list","data":[...]}, for answers given after the call has returned.
void sendList(http::HttpResponder *responder, const QJsonArray &data);

} // namespace obleth::admin
