#include "guifixture.h"

#include "config/liveconfig.h"
#include "gateway/gateway.h"
#include "ui/mainwindow.h"
#include "ui/modelspage.h"
#include "ui/tenantspage.h"

#include <QJsonArray>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QUrl>

namespace obleth::test {

bool GuiFixture::start(bool restoreWindow)
{
    // The window remembers where it was and which page it showed, in settings the test binary's functions share.
    if (!restoreWindow)
        QSettings().remove(QStringLiteral("ui/window"));
    gateway::GatewayOptions options;
    options.dataPort = 0;
    options.adminPort = 0;
    options.dataDir = dir.path();
    options.adminToken = QString::fromLatin1(kAdminToken);
    gw = std::make_unique<gateway::GatewayThread>(options);
    app = std::make_unique<ui::GuiApp>(gw.get());
    QSignalSpy started(gw.get(), &gateway::GatewayThread::started);
    gw->start();
    if (!started.wait(10'000))
        return false;
    dataPort = quint16(QUrl(started.first().at(0).toString()).port());
    adminPort = quint16(QUrl(started.first().at(1).toString()).port());
    firstKey = started.first().at(2).toString().toLatin1();
    return true;
}

GuiFixture::~GuiFixture()
{
    if (!gw)
        return;
    QSignalSpy stopped(gw.get(), &gateway::GatewayThread::stopped);
    app->quit();
    stopped.wait(10'000);
    app.reset();
}

Response GuiFixture::admin(const QByteArray &method, const QByteArray &path, const QByteArray &json)
{
    return request(adminPort, method, path, headers({{"Authorization", "Bearer " + kAdminToken}}), json);
}

QJsonObject GuiFixture::tenant(const QString &name)
{
    for (const QJsonValue &v : admin("GET", "/api/v1/tenants").data()) {
        if (v.toObject().value(QStringLiteral("name")).toString() == name)
            return v.toObject();
    }
    return {};
}

ui::TenantsPage *GuiFixture::tenants() const
{
    return app->window()->tenantsPage();
}

const model::ModelConfig *GuiFixture::storedModel(const QString &name)
{
    m_snapshot = gw->gateway()->liveConfig()->snapshot();
    return m_snapshot->findModel(name);
}

int GuiFixture::modelRow(const QString &name) const
{
    QTableWidget *t = app->window()->modelsPage()->table();
    for (int row = 0; row < t->rowCount(); ++row) {
        if (t->item(row, ui::ModelsPage::Name) && t->item(row, ui::ModelsPage::Name)->text() == name)
            return row;
    }
    return -1;
}

int GuiFixture::tenantRow(const QString &name) const
{
    QTableWidget *t = tenants()->tenants();
    for (int row = 0; row < t->rowCount(); ++row) {
        if (t->item(row, ui::TenantsPage::Name) && t->item(row, ui::TenantsPage::Name)->text() == name)
            return row;
    }
    return -1;
}

} // namespace obleth::test
