#pragma once

#include <QLoggingCategory>
#include <QString>

QT_BEGIN_NAMESPACE
class QUrl;
QT_END_NAMESPACE

/// One logging category per module, all under "obleth.": switch them with --log-level or QT_LOGGING_RULES
/// (docs/cli.md), e.g. QT_LOGGING_RULES="obleth.proxy.debug=true". Info and above are on by default.
/// No line may carry a secret: tenant keys, the admin token, upstream keys and MCP auth headers.
namespace obleth {

Q_DECLARE_LOGGING_CATEGORY(lcAdmin) ///< obleth.admin: the Management API
Q_DECLARE_LOGGING_CATEGORY(lcAlerts) ///< obleth.alerts: alerts and their webhook
Q_DECLARE_LOGGING_CATEGORY(lcAnthropic) ///< obleth.anthropic: the Messages API and its translation
Q_DECLARE_LOGGING_CATEGORY(lcAdmission) ///< obleth.admission: fair-share permits, queues, token budgets
Q_DECLARE_LOGGING_CATEGORY(lcCache) ///< obleth.cache: the response cache
Q_DECLARE_LOGGING_CATEGORY(lcCluster) ///< obleth.cluster: instances sharing PostgreSQL and Redis
Q_DECLARE_LOGGING_CATEGORY(lcConfig) ///< obleth.config: configuration changes
Q_DECLARE_LOGGING_CATEGORY(lcDataPlane) ///< obleth.dataplane: the OpenAI-compatible front
Q_DECLARE_LOGGING_CATEGORY(lcDiscovery) ///< obleth.discovery: backend probes
Q_DECLARE_LOGGING_CATEGORY(lcGateway) ///< obleth.gateway: start, listeners, shutdown
Q_DECLARE_LOGGING_CATEGORY(lcHttp) ///< obleth.http: the HTTP/1.1 server
Q_DECLARE_LOGGING_CATEGORY(lcMcp) ///< obleth.mcp: the MCP gateway
Q_DECLARE_LOGGING_CATEGORY(lcMock) ///< obleth.mock: the built-in mock-model
Q_DECLARE_LOGGING_CATEGORY(lcRedis) ///< obleth.redis: the Redis client
Q_DECLARE_LOGGING_CATEGORY(lcProxy) ///< obleth.proxy: upstream calls and the connection pool
Q_DECLARE_LOGGING_CATEGORY(lcRouting) ///< obleth.routing: deployments' health, retries and fallbacks
Q_DECLARE_LOGGING_CATEGORY(lcStore) ///< obleth.store: SQLite, the request log, stored secrets
Q_DECLARE_LOGGING_CATEGORY(lcUsage) ///< obleth.usage: metering and request traces

/// How a log line names an upstream, an MCP server or a probed backend: scheme, host and port only. User info
/// always carries a secret, and a path or query may (`?key=...`, a token in the path), so none of them is shown.
[[nodiscard]] QString loggableUrl(const QUrl &url);

} // namespace obleth
