#pragma once

#include "apicontroller.h"
#include "http/httphandler.h"
#include "http/router.h"

#include <QHostAddress>
#include <QObject>

#include <memory>
#include <vector>

namespace obleth::status {
struct GatewayStatus;
class EventFeed;
} // namespace obleth::status
namespace obleth::store {
class RequestLog;
}
namespace obleth::usage {
class RequestMonitor;
}
namespace obleth::cache {
class ResponseCache;
}
namespace obleth::metrics {
class Metrics;
}

namespace obleth::admin {

/// The Management API (contract section 4): checks the admin token, parses JSON bodies, and routes
/// to one controller per resource.
class AdminApi final : public QObject, public http::HttpHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminApi)

public:
    /// What the API serves from. The first two are required; without the others their routes are absent.
    struct Services
    {
        config::ConfigServices *config = nullptr;
        const status::GatewayStatus *status = nullptr;
        store::RequestLog *requestLog = nullptr;
        usage::RequestMonitor *monitor = nullptr;
        const cache::ResponseCache *cache = nullptr;
        const metrics::Metrics *metrics = nullptr;
        status::EventFeed *events = nullptr; ///< health and alert events for GET /api/v1/events
    };
    AdminApi(const Services &services, QString adminToken, QObject *parent = nullptr);
    ~AdminApi() override;

    void handle(http::HttpRequest request, http::HttpResponder *responder) override;
    /// Only a request with an allowed Host and the admin token gets its body read.
    [[nodiscard]] bool wantsBody(const http::HttpRequest &head) const override;
    /// The token changed (regenerated from the GUI): the old one stops working at once.
    void setAdminToken(const QString &token) { m_adminToken = token.toUtf8(); }
    [[nodiscard]] const http::Router &router() const noexcept { return m_router; }
    /// The address the API listens on: a Host header naming it is accepted besides loopback names.
    void setListenAddress(const QHostAddress &address) { m_listenAddress = address; }
    /// DNS rebinding guard (contract section 14): a browser sends the name it resolved as Host, so only
    /// loopback names and addresses, the listening address, or (listening on every address) an IP literal
    /// may reach the API. An absent Host (HTTP/1.0) is no browser's.
    [[nodiscard]] static bool isAllowedHost(const QByteArray &host, const QHostAddress &listenAddress);

    static constexpr qsizetype kMaxBodyBytes = 1024 * 1024;

private:
    [[nodiscard]] bool authorized(const http::HttpRequest &request) const;

    QByteArray m_adminToken;
    QHostAddress m_listenAddress{QHostAddress::LocalHost};
    http::Router m_router;
    std::vector<std::unique_ptr<ApiController>> m_controllers;
};

} // namespace obleth::admin
