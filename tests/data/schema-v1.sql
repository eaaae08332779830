-- An obleth database as schema version 1 wrote it (obleth 0.1 before MCP servers and model
-- timeouts), with a little data. tst_store upgrades it in place and checks nothing is lost.
PRAGMA application_id=1329744980;
CREATE TABLE fairshare_groups ( id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, weight INTEGER NOT NULL DEFAULT 100 CHECK (weight >= 1), created_at TEXT NOT NULL);
CREATE TABLE tenants ( id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, fairshare_group TEXT NOT NULL DEFAULT 'default' REFERENCES fairshare_groups(name) ON UPDATE CASCADE, weight INTEGER NOT NULL DEFAULT 100 CHECK (weight >= 1), tokens_per_minute INTEGER, max_in_flight INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE api_keys ( id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, name TEXT NOT NULL, key_prefix TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, expires_at TEXT);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
CREATE TABLE models ( id TEXT PRIMARY KEY, model_name TEXT NOT NULL UNIQUE, upstream_model TEXT NOT NULL, api_base TEXT NOT NULL, api_key TEXT, input_cost_per_token REAL NOT NULL DEFAULT 0, output_cost_per_token REAL NOT NULL DEFAULT 0, context_window INTEGER, enabled INTEGER NOT NULL DEFAULT 1, admission_weight REAL NOT NULL DEFAULT 1, max_concurrency INTEGER, cache_enabled INTEGER NOT NULL DEFAULT 0, cache_ttl_secs INTEGER NOT NULL DEFAULT 300, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO fairshare_groups VALUES ('g-default', 'default', 100, '2026-01-01T00:00:00.000Z');
INSERT INTO tenants VALUES ('t-1', 'acme', 'default', 300, 5000, NULL, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
INSERT INTO api_keys VALUES ('k-1', 't-1', 'ci', 'sk_0123456789abcd', '0000000000000000000000000000000000000000000000000000000000000001', 0, '2026-01-01T00:00:00.000Z', NULL);
INSERT INTO models VALUES ('m-1', 'llama', 'llama3:8b', 'http://127.0.0.1:11434/v1', 'secret-upstream-key', 0.000001, 0.000002, 8192, 1, 2, 4, 0, 300, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
INSERT INTO settings VALUES ('capacity', '32');
PRAGMA user_version=1;
