#include "migrations.h"

#include <QRegularExpression>

namespace obleth::store {

namespace {
/// Usage totals by @p period ("hour": 2026-11-25T14, "day": 2026-11-25), tenant and model.
QString usageTotalsTable(const QString &name, const QString &period)
{
    return QStringLiteral(
               "CREATE TABLE %1 (%2 TEXT NOT NULL, tenant_id TEXT NOT NULL, tenant TEXT NOT NULL,"
               " model TEXT NOT NULL, requests INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,"
               " completion_tokens INTEGER NOT NULL, cost REAL NOT NULL, estimated_requests INTEGER NOT NULL,"
               " PRIMARY KEY (%2, tenant_id, model)) WITHOUT ROWID")
        .arg(name, period);
}
} // namespace

const QList<QStringList> &migrations()
{
    static const QList<QStringList> steps = {
        // 1: tenants, fair-share groups, keys, models, settings
        {
            QStringLiteral("CREATE TABLE fairshare_groups ("
                           " id TEXT PRIMARY KEY,"
                           " name TEXT NOT NULL UNIQUE,"
                           " weight INTEGER NOT NULL DEFAULT 100 CHECK (weight >= 1),"
                           " created_at TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE tenants ("
                           " id TEXT PRIMARY KEY,"
                           " name TEXT NOT NULL UNIQUE,"
                           " fairshare_group TEXT NOT NULL DEFAULT 'default'"
                           "   REFERENCES fairshare_groups(name) ON UPDATE CASCADE,"
                           " weight INTEGER NOT NULL DEFAULT 100 CHECK (weight >= 1),"
                           " tokens_per_minute INTEGER,"
                           " max_in_flight INTEGER,"
                           " created_at TEXT NOT NULL,"
                           " updated_at TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE api_keys ("
                           " id TEXT PRIMARY KEY,"
                           " tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
                           " name TEXT NOT NULL,"
                           " key_prefix TEXT NOT NULL,"
                           " key_hash TEXT NOT NULL UNIQUE,"
                           " disabled INTEGER NOT NULL DEFAULT 0,"
                           " created_at TEXT NOT NULL,"
                           " expires_at TEXT)"),
            QStringLiteral("CREATE INDEX api_keys_tenant ON api_keys(tenant_id)"),
            QStringLiteral("CREATE TABLE models ("
                           " id TEXT PRIMARY KEY,"
                           " model_name TEXT NOT NULL UNIQUE,"
                           " upstream_model TEXT NOT NULL,"
                           " api_base TEXT NOT NULL,"
                           " api_key TEXT,"
                           " input_cost_per_token REAL NOT NULL DEFAULT 0,"
                           " output_cost_per_token REAL NOT NULL DEFAULT 0,"
                           " context_window INTEGER,"
                           " enabled INTEGER NOT NULL DEFAULT 1,"
                           " admission_weight REAL NOT NULL DEFAULT 1,"
                           " max_concurrency INTEGER,"
                           " cache_enabled INTEGER NOT NULL DEFAULT 0,"
                           " cache_ttl_secs INTEGER NOT NULL DEFAULT 300,"
                           " created_at TEXT NOT NULL,"
                           " updated_at TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
        },
        // 2: per-model upstream timeouts; MCP servers
        {
            QStringLiteral("ALTER TABLE models ADD COLUMN connect_timeout_secs INTEGER NOT NULL DEFAULT 10"),
            QStringLiteral("ALTER TABLE models ADD COLUMN first_byte_timeout_secs INTEGER NOT NULL DEFAULT 600"),
            QStringLiteral("ALTER TABLE models ADD COLUMN idle_timeout_secs INTEGER NOT NULL DEFAULT 120"),
            QStringLiteral("CREATE TABLE mcp_servers ("
                           " id TEXT PRIMARY KEY,"
                           " name TEXT NOT NULL UNIQUE,"
                           " upstream_url TEXT NOT NULL,"
                           " auth_header TEXT,"
                           " enabled INTEGER NOT NULL DEFAULT 1,"
                           " allowed_tenants TEXT NOT NULL DEFAULT '[]',"
                           " created_at TEXT NOT NULL,"
                           " updated_at TEXT NOT NULL)"),
        },
        // 3: the request log, and usage totals that outlive its pruning
        {
            QStringLiteral("CREATE TABLE request_log ("
                           " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                           " id TEXT NOT NULL,"
                           " started_at TEXT NOT NULL,"
                           " tenant_id TEXT,"
                           " tenant TEXT,"
                           " key_prefix TEXT,"
                           " model TEXT,"
                           " method TEXT NOT NULL,"
                           " path TEXT NOT NULL,"
                           " status INTEGER NOT NULL,"
                           " latency_ms INTEGER NOT NULL,"
                           " ttfb_ms INTEGER,"
                           " prompt_tokens INTEGER NOT NULL,"
                           " completion_tokens INTEGER NOT NULL,"
                           " estimated INTEGER NOT NULL,"
                           " cost REAL NOT NULL,"
                           " streamed INTEGER NOT NULL,"
                           " bytes_in INTEGER NOT NULL,"
                           " bytes_out INTEGER NOT NULL,"
                           " cache TEXT,"
                           " error TEXT)"),
            QStringLiteral("CREATE INDEX request_log_tenant ON request_log(tenant_id, seq)"),
            QStringLiteral("CREATE INDEX request_log_model ON request_log(model, seq)"),
            QStringLiteral("CREATE INDEX request_log_started ON request_log(started_at)"),
            usageTotalsTable(QStringLiteral("usage_hourly"), QStringLiteral("hour")),
            usageTotalsTable(QStringLiteral("usage_daily"), QStringLiteral("day")),
        },
        // 4: key scopes (a JSON array of model names, NULL = every model) and a per-key cap
        {
            QStringLiteral("ALTER TABLE api_keys ADD COLUMN allowed_models TEXT"),
            QStringLiteral("ALTER TABLE api_keys ADD COLUMN max_in_flight INTEGER"),
        },
        // 5: several deployments per model, fallbacks, the auto router and health tunables (contract sections 10
        // and 11); the request log records the model asked for, the deployment, fallback and brownout. The models'
        // own api_base, upstream_model and api_key stay as the mirror of their first deployment. Existing models
        // get their one deployment from ConfigRepository::openSecrets(), which must re-seal the key for its new
        // place (a sealed value's associated data names its table, column and row), so not here in SQL.
        {
            QStringLiteral("CREATE TABLE deployments ("
                           " id TEXT PRIMARY KEY,"
                           " model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
                           " position INTEGER NOT NULL,"
                           " api_base TEXT NOT NULL,"
                           " upstream_model TEXT NOT NULL,"
                           " api_key TEXT,"
                           " weight REAL NOT NULL DEFAULT 1,"
                           " max_concurrency INTEGER,"
                           " enabled INTEGER NOT NULL DEFAULT 1)"),
            QStringLiteral("CREATE INDEX deployments_model ON deployments(model_id, position)"),
            QStringLiteral("ALTER TABLE models ADD COLUMN fallbacks TEXT NOT NULL DEFAULT '[]'"),
            QStringLiteral("ALTER TABLE models ADD COLUMN auto_route INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE models ADD COLUMN unhealthy_after INTEGER NOT NULL DEFAULT 3"),
            QStringLiteral("ALTER TABLE models ADD COLUMN cooldown_secs INTEGER NOT NULL DEFAULT 30"),
            QStringLiteral("ALTER TABLE models ADD COLUMN health_check_secs INTEGER NOT NULL DEFAULT 15"),
            QStringLiteral("ALTER TABLE models ADD COLUMN max_retries INTEGER NOT NULL DEFAULT 2"),
            QStringLiteral("ALTER TABLE request_log ADD COLUMN requested_model TEXT"),
            QStringLiteral("ALTER TABLE request_log ADD COLUMN deployment_id TEXT"),
            QStringLiteral("ALTER TABLE request_log ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE request_log ADD COLUMN brownout INTEGER NOT NULL DEFAULT 0"),
        },
        // 6: the API a model's upstreams speak (contract section 13), and a deployment's own (NULL: the model's)
        {
            QStringLiteral("ALTER TABLE models ADD COLUMN api_format TEXT NOT NULL DEFAULT 'openai'"),
            QStringLiteral("ALTER TABLE deployments ADD COLUMN api_format TEXT"),
        },
        // 7: several instances on one database (contract section 15): each instance's heartbeat, and the
        // configuration's version, raised by every change so that other instances notice one they missed
        {
            QStringLiteral("CREATE TABLE instances ("
                           " id TEXT PRIMARY KEY,"
                           " host TEXT NOT NULL,"
                           " pid INTEGER NOT NULL,"
                           " started_at TEXT NOT NULL,"
                           " last_heartbeat TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE cluster_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"),
            QStringLiteral("INSERT INTO cluster_state (name, value) VALUES ('config_version', 0)"),
        },
    };
    return steps;
}

QString forPostgres(const QString &sqliteStatement)
{
    static const QRegularExpression integer(QStringLiteral("\\bINTEGER\\b"));
    static const QRegularExpression real(QStringLiteral("\\bREAL\\b"));
    static const QRegularExpression text(QStringLiteral("\\bTEXT\\b"));
    QString sql = sqliteStatement;
    sql.replace(QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT"),
                QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"));
    sql.replace(QStringLiteral(") WITHOUT ROWID"), QStringLiteral(")"));
    sql.replace(integer, QStringLiteral("BIGINT"));
    sql.replace(real, QStringLiteral("DOUBLE PRECISION"));
    sql.replace(text, QStringLiteral("TEXT COLLATE \"C\""));
    return sql;
}

QString postgresSchemaTable()
{
    return QStringLiteral("obleth_schema");
}

} // namespace obleth::store
