#include "logging.h"

#include <QUrl>

namespace obleth {

Q_LOGGING_CATEGORY(lcAdmin, "obleth.admin", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAlerts, "obleth.alerts", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAnthropic, "obleth.anthropic", QtInfoMsg)
Q_LOGGING_CATEGORY(lcAdmission, "obleth.admission", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCache, "obleth.cache", QtInfoMsg)
Q_LOGGING_CATEGORY(lcConfig, "obleth.config", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDataPlane, "obleth.dataplane", QtInfoMsg)
Q_LOGGING_CATEGORY(lcDiscovery, "obleth.discovery", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGateway, "obleth.gateway", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "obleth.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMcp, "obleth.mcp", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMock, "obleth.mock", QtInfoMsg)
Q_LOGGING_CATEGORY(lcProxy, "obleth.proxy", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRouting, "obleth.routing", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "obleth.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "obleth.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRedis, "obleth.redis", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUsage, "obleth.usage", QtInfoMsg)

QString loggableUrl(const QUrl &url)
{
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment).toString();
}

} // namespace obleth
