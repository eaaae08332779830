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
};

} // namespace obleth::http
