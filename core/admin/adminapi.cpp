#include "adminapi.h"

#include "cachecontroller.h"
#include "config/secrets.h"
#include "corscontroller.h"
#include "deploymentscontroller.h"
#include "eventscontroller.h"
#include "fairsharecontroller.h"
#include "http/authorization.h"
#include "http/httpresponder.h"
#include "keyscontroller.h"
#include "mcpserverscontroller.h"
#include "metricscontroller.h"
#include "modelscontroller.h"
#include "openai/error.h"
#include "requestlogcontroller.h"
#include "settingscontroller.h"
#include "statuscontroller.h"
#include "tenantscontroller.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace obleth::admin {

AdminApi::AdminApi(const Services &services, QString adminToken, QObject *parent)
    : QObject(parent)
    , m_adminToken(adminToken.toUtf8())
{
    config::ConfigServices *config = services.config;
    m_controllers.push_back(std::make_unique<ModelsController>(config));
    m_controllers.push_back(std::make_unique<DeploymentsController>(config, services.status));
    m_controllers.push_back(std::make_unique<TenantsController>(config));
    m_controllers.push_back(std::make_unique<KeysController>(config));
    m_controllers.push_back(std::make_unique<FairShareController>(config, services.status));
    m_controllers.push_back(std::make_unique<McpServersController>(config));
    m_controllers.push_back(std::make_unique<StatusController>(config, services.status));
    m_controllers.push_back(std::make_unique<CorsController>(config));
    m_controllers.push_back(std::make_unique<SettingsController>(config));
    if (services.requestLog)
        m_controllers.push_back(std::make_unique<RequestLogController>(config, services.requestLog));
    if (services.monitor)
        m_controllers.push_back(std::make_unique<EventsController>(config, services.monitor));
    if (services.cache)
        m_controllers.push_back(std::make_unique<CacheController>(config, services.cache));
    if (services.metrics && services.cache) {
        m_controllers.push_back(
            std::make_unique<MetricsController>(config, services.metrics, services.status, services.cache));
    }

    const ApiController::RouteSink sink = [this](const QByteArray &method, const QString &pattern,
                                                 ApiController::Handler handler) {
        m_router.add(method, pattern,
                     [handler = std::move(handler)](const http::HttpRequest &request, const http::PathParams &params,
                                                    http::HttpResponder *responder) {
                         ApiCall call{request, params, {}, responder};
                         if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
                             if (!request.body.trimmed().isEmpty()) {
                                 QJsonParseError pe;
                                 const QJsonDocument doc = QJsonDocument::fromJson(request.body, &pe);
                                 if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
                                     return call.replyError(
                                         400, "invalid_request",
                                         pe.error != QJsonParseError::NoError
                                             ? QStringLiteral("the body is not valid JSON (%1 at offset %2)")
                                                   .arg(pe.errorString())
                                                   .arg(pe.offset)
                                             : QStringLiteral("the body must be a JSON object"));
                                 }
                                 call.body = doc.object();
                             }
                         }
                         handler(call);
                     });
    };
    for (const auto &controller : m_controllers)
        controller->addRoutes(sink);
}

AdminApi::~AdminApi() = default;

bool AdminApi::authorized(const http::HttpRequest &request) const
{
    const QByteArray token = http::bearerToken(request.headers);
    return !token.isEmpty() && config::constantTimeEquals(token, m_adminToken);
}

bool AdminApi::isAllowedHost(const QByteArray &hostHeader, const QHostAddress &listenAddress)
{
    if (hostHeader.isNull())
        return true;
    QByteArray host = hostHeader.trimmed().toLower();
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 0)
            return false;
        host = host.mid(1, close - 1);
    } else if (host.count(':') == 1) {
        host.truncate(host.indexOf(':'));
    }
    if (host.endsWith('.'))
        host.chop(1);
    if (host == "localhost" || host.endsWith(".localhost"))
        return true;
    QHostAddress address;
    if (!address.setAddress(QString::fromLatin1(host)))
        return false; // a DNS name: what a rebinding attack sends
    if (address.isLoopback() || address.isEqual(listenAddress, QHostAddress::TolerantConversion))
        return true;
    return listenAddress == QHostAddress::Any || listenAddress == QHostAddress::AnyIPv4
        || listenAddress == QHostAddress::AnyIPv6;
}

bool AdminApi::wantsBody(const http::HttpRequest &head) const
{
    return isAllowedHost(head.headers.value("host"), m_listenAddress) && authorized(head);
}

void AdminApi::handle(http::HttpRequest request, http::HttpResponder *responder)
{
    if (!isAllowedHost(request.headers.value("host"), m_listenAddress)) {
        return openai::sendError(responder, 403, "forbidden_host",
                                 QStringLiteral("the Management API answers only to loopback names and addresses "
                                                "or the address it listens on (Host header)"));
    }
    if (!authorized(request)) {
        return openai::sendError(responder, 401, "invalid_admin_token",
                                 QStringLiteral("send the admin token as 'Authorization: Bearer <token>'"));
    }
    if (request.body.size() > kMaxBodyBytes) {
        return openai::sendError(responder, 413, "request_too_large",
                                 QStringLiteral("Management API bodies are limited to %1 bytes").arg(kMaxBodyBytes));
    }
    const http::Router::Route *route = nullptr;
    http::PathParams params;
    QByteArrayList allowed;
    switch (m_router.match(request, &route, &params, &allowed)) {
    case http::Router::Match::Found: return route->handler(request, params, responder);
    case http::Router::Match::NoMethod: {
        http::Headers h;
        h.add("Allow", allowed.join(", "));
        return openai::sendError(responder, 405, "method_not_allowed",
                                 QStringLiteral("%1 is not allowed here; use %2")
                                     .arg(QString::fromLatin1(request.method), QString::fromLatin1(allowed.join(", "))),
                                 h);
    }
    case http::Router::Match::NoPath:
        return openai::sendError(
            responder, 404, "not_found",
            QStringLiteral("no Management API route %1").arg(QString::fromUtf8(request.path.left(256))));
    }
}

} // namespace obleth::admin
