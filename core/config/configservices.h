#pragma once

#include "fairshareservice.h"
#include "keyservice.h"
#include "liveconfig.h"
#include "mcpserverservice.h"
#include "modelservice.h"
#include "settingsservice.h"
#include "tenantservice.h"

namespace obleth::config {

/// The configuration's services on one store, built together: the shared core (snapshot, store, changed()) and
/// one service per resource. The composition root makes one and hands the parts out; the Management API and the
/// GUI change the configuration only through them. Lives in the gateway thread.
struct ConfigServices
{
    explicit ConfigServices(store::Database *db)
        : live(db)
        , models(&live)
        , tenants(&live)
        , keys(&live)
        , fairShare(&live)
        , settings(&live)
        , mcpServers(&live)
    { }
    Q_DISABLE_COPY_MOVE(ConfigServices)

    LiveConfig live; ///< the live configuration: its snapshot, load(), changed()
    ModelService models;
    TenantService tenants;
    KeyService keys;
    FairShareService fairShare;
    SettingsService settings;
    McpServerService mcpServers;
};

} // namespace obleth::config
