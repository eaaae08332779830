#pragma once

#include "gateway/gatewaythread.h"
#include "model/configsnapshot.h"
#include "testhttp.h"
#include "ui/guiapp.h"

#include <QJsonObject>
#include <QTemporaryDir>

#include <memory>

namespace obleth::ui {
class TenantsPage;
}

namespace obleth::test {

/// A gateway in its thread with the GUI on top, as `obleth` with no flag runs them.
struct GuiFixture
{
    static inline const QByteArray kAdminToken = "gui-test-admin-token-0001";

    QTemporaryDir dir;
    std::unique_ptr<gateway::GatewayThread> gw;
    std::unique_ptr<ui::GuiApp> app;
    quint16 dataPort = 0;
    quint16 adminPort = 0;
    QByteArray firstKey;

    /// Starts the gateway and the GUI; false when the gateway did not start within 10 s. The window opens as on a
    /// first start (on the Overview, default size) unless @p restoreWindow: then where the last fixture left it.
    bool start(bool restoreWindow = false);
    ~GuiFixture();

    /// A Management API call with the admin token.
    Response admin(const QByteArray &method, const QByteArray &path, const QByteArray &json = {});
    /// The tenant called @p name as the Management API shows it.
    QJsonObject tenant(const QString &name);
    [[nodiscard]] ui::TenantsPage *tenants() const;
    /// The registry as the gateway holds it now (the LiveConfig snapshot).
    const model::ModelConfig *storedModel(const QString &name);
    /// The Models page's row showing @p name, or -1.
    [[nodiscard]] int modelRow(const QString &name) const;
    /// The Tenants page's row showing @p name, or -1.
    [[nodiscard]] int tenantRow(const QString &name) const;

    std::shared_ptr<const model::ConfigSnapshot> m_snapshot;
};

} // namespace obleth::test
