#pragma once

#include "httprequest.h"

namespace obleth::http {

class HttpResponder;

/// Something that answers HTTP requests: the data plane, the Management API, the mock backend.
/// handle() may answer at once or later; it must not block.
class HttpHandler
{
public:
    virtual ~HttpHandler() = default;
    virtual void handle(HttpRequest request, HttpResponder *responder) = 0;

    /// Called when a request's line and headers are in, before its body is read (request.body is empty).
    /// Returns false when the request will be refused whatever its body (no valid key, unknown route, ...):
    /// the connection then calls handle() at once with the bodiless request so the handler answers as usual
    /// (401/403/404...), does not read the body, sends no 100 Continue, and closes after the answer.
    /// Only consulted when a body is announced (Content-Length > 0 or chunked). It must not block.
    [[nodiscard]] virtual bool wantsBody(const HttpRequest &head) const
    {
        Q_UNUSED(head);
        return true;
    }
};

} // namespace obleth::http
