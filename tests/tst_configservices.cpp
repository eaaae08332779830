// The typed configuration services (core/config): what the GUI and the Management API both change the
// configuration through. A typed patch is checked by the service's own rules (ranges, names, URLs, groups), written
// to the store and published in a new snapshot; a problem names its field and leaves everything as it was. Each
// change is logged on obleth.config, never with a secret.

#include "config/configservices.h"
#include "platform/logging.h"
#include "store/database.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace obleth;

namespace {

/// The obleth.config lines logged while it lives.
class ConfigLog final
{
public:
    ConfigLog()
    {
        s_lines.clear();
        // The tests run with obleth's info lines off (QT_LOGGING_RULES): this category's are wanted here.
        s_previousFilter = QLoggingCategory::installFilter(&ConfigLog::filter);
        m_previous = qInstallMessageHandler(&ConfigLog::handle);
    }
    ~ConfigLog()
    {
        qInstallMessageHandler(m_previous);
        QLoggingCategory::installFilter(s_previousFilter);
    }
    Q_DISABLE_COPY_MOVE(ConfigLog)

    [[nodiscard]] static QString text() { return s_lines.join(QLatin1Char('\n')); }

private:
    static void handle(QtMsgType, const QMessageLogContext &context, const QString &message)
    {
        if (QLatin1String(context.category) == QLatin1String("obleth.config"))
            s_lines.append(message);
    }

    static void filter(QLoggingCategory *category)
    {
        if (s_previousFilter)
            s_previousFilter(category);
        if (qstrcmp(category->categoryName(), lcConfig().categoryName()) == 0)
            category->setEnabled(QtInfoMsg, true);
    }

    static inline QStringList s_lines;
    static inline QLoggingCategory::CategoryFilter s_previousFilter = nullptr;
    QtMessageHandler m_previous = nullptr;
};

struct Services
{
    QTemporaryDir dir;
    store::Database db;
    std::unique_ptr<config::ConfigServices> config;

    bool open()
    {
        QString error;
        if (!db.open(dir.filePath(QStringLiteral("obleth.db")), &error))
            return false;
        config = std::make_unique<config::ConfigServices>(&db);
        return config->live.load(&error);
    }
    [[nodiscard]] std::shared_ptr<const model::ConfigSnapshot> snapshot() const { return config->live.snapshot(); }
};

config::ModelPatch modelFields(const QString &name)
{
    config::ModelPatch m;
    m.modelName = name;
    m.apiBase = QStringLiteral("http://127.0.0.1:11434/v1");
    return m;
}

} // namespace

class TestConfigServices : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tenantWeightPatchIsCheckedAndPublished()
    {
        Services s;
        QVERIFY(s.open());
        ConfigLog log;
        config::TenantPatch fields;
        fields.name = QStringLiteral("acme");
        model::Tenant t;
        QVERIFY(s.config->tenants.create(fields, &t).ok());
        QCOMPARE(t.weight, 100);

        // What the tenants page sends when a weight is edited in place: the weight, nothing else.
        QSignalSpy changed(&s.config->live, &config::LiveConfig::changed);
        config::TenantPatch weight;
        weight.weight = 200;
        QVERIFY(s.config->tenants.update(t.id, weight).ok());
        QCOMPARE(changed.size(), 1);
        const auto snap = s.snapshot();
        QCOMPARE(snap->findTenant(t.id)->weight, 200);
        QCOMPARE(snap->findTenant(t.id)->name, QStringLiteral("acme"));
        QVERIFY2(log.text().contains(QStringLiteral("tenant 'acme' changed: weight 100 -> 200")),
                 qPrintable(log.text()));

        // Out of range: refused with the field and the API's own words; nothing is written or published.
        weight.weight = 0;
        const config::Problem p = s.config->tenants.update(t.id, weight);
        QCOMPARE(p.kind, config::Problem::Kind::Invalid);
        QCOMPARE(p.field, QStringLiteral("weight"));
        QCOMPARE(p.message, QStringLiteral("weight must be a whole number from 1 to 1000000"));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(s.snapshot()->findTenant(t.id)->weight, 200);
        QCOMPARE(s.snapshot(), snap);
    }

    void tenantRulesThatNeedTheConfiguration()
    {
        Services s;
        QVERIFY(s.open());
        config::TenantPatch fields;
        fields.name = QStringLiteral("acme");
        model::Tenant t;
        QVERIFY(s.config->tenants.create(fields, &t).ok());

        config::Problem p = s.config->tenants.create(fields);
        QCOMPARE(p.kind, config::Problem::Kind::Conflict);
        QCOMPARE(p.field, QStringLiteral("name"));

        config::TenantPatch group;
        group.fairshareGroup = QStringLiteral("batch");
        p = s.config->tenants.update(t.id, group);
        QCOMPARE(p.kind, config::Problem::Kind::Invalid);
        QCOMPARE(p.field, QStringLiteral("fairshare_group"));
        config::GroupPatch batch;
        batch.name = QStringLiteral("batch");
        QVERIFY(s.config->fairShare.createGroup(batch).ok());
        QVERIFY(s.config->tenants.update(t.id, group).ok());
        QCOMPARE(s.snapshot()->findTenant(t.id)->fairshareGroup, QStringLiteral("batch"));

        QCOMPARE(s.config->tenants.update(QStringLiteral("no-such-id"), group).kind, config::Problem::Kind::NotFound);
        config::TenantPatch unnamed;
        p = s.config->tenants.create(unnamed);
        QCOMPARE(p.field, QStringLiteral("name"));
        QCOMPARE(p.message, QStringLiteral("name is required"));
    }

    void modelEnabledTogglePatchKeepsTheStoredApiKey()
    {
        Services s;
        QVERIFY(s.open());
        ConfigLog log;
        config::ModelPatch fields = modelFields(QStringLiteral("llama"));
        fields.apiKey = QStringLiteral("sk-upstream-secret-123");
        fields.maxConcurrency = std::optional<qint64>(2);
        model::ModelConfig m;
        QVERIFY(s.config->models.create(fields, &m).ok());
        QCOMPARE(m.upstreamModel, QStringLiteral("llama")); // defaults to model_name

        // What the models page's checkbox sends.
        config::ModelPatch toggle;
        toggle.enabled = false;
        QVERIFY(s.config->models.update(m.id, toggle).ok());
        const model::ModelConfig *stored = s.snapshot()->findModel(QStringLiteral("llama"));
        QVERIFY(stored);
        QCOMPARE(stored->enabled, false);
        QCOMPARE(stored->apiKey, QStringLiteral("sk-upstream-secret-123"));
        QCOMPARE(stored->maxConcurrency, std::optional<qint64>(2));

        // A replace (the dialog's save) keeps the key unless it sets one; an empty one clears it.
        QVERIFY(s.config->models.replace(m.id, modelFields(QStringLiteral("llama"))).ok());
        stored = s.snapshot()->findModel(QStringLiteral("llama"));
        QCOMPARE(stored->apiKey, QStringLiteral("sk-upstream-secret-123"));
        QCOMPARE(stored->enabled, true); // back to its default
        QCOMPARE(stored->maxConcurrency, std::nullopt);
        config::ModelPatch clear;
        clear.apiKey = QString();
        QVERIFY(s.config->models.update(m.id, clear).ok());
        QVERIFY(s.snapshot()->findModel(QStringLiteral("llama"))->apiKey.isEmpty());

        QVERIFY2(log.text().contains(QStringLiteral("model 'llama' created")), qPrintable(log.text()));
        QVERIFY(log.text().contains(QStringLiteral("enabled true -> false")));
        QVERIFY(log.text().contains(QStringLiteral("api_key cleared")));
        QVERIFY(!log.text().contains(QStringLiteral("sk-upstream-secret")));
    }

    void rangeErrorsNameTheirField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message");
        QTest::newRow("connect_timeout_secs")
            << QStringLiteral("connect_timeout_secs")
            << QStringLiteral("connect_timeout_secs must be a whole number from 1 to 604800");
        QTest::newRow("admission_weight") << QStringLiteral("admission_weight")
                                          << QStringLiteral("admission_weight must be a number > 0 and at most 1e+06");
        QTest::newRow("input_cost_per_token")
            << QStringLiteral("input_cost_per_token")
            << QStringLiteral("input_cost_per_token must be a number >= 0 and at most 1e+06");
        QTest::newRow("max_concurrency") << QStringLiteral("max_concurrency")
                                         << QStringLiteral("max_concurrency must be a whole number from 1 to 1000000");
        QTest::newRow("api_base") << QStringLiteral("api_base")
                                  << QStringLiteral("api_base must be an http:// or https:// URL with a host");
        QTest::newRow("model_name") << QStringLiteral("model_name") << QStringLiteral("model_name must not be empty");
    }
    void rangeErrorsNameTheirField()
    {
        QFETCH(QString, field);
        QFETCH(QString, message);
        Services s;
        QVERIFY(s.open());
        config::ModelPatch m = modelFields(QStringLiteral("m"));
        if (field == QLatin1String("connect_timeout_secs"))
            m.connectTimeoutSecs = 0;
        else if (field == QLatin1String("admission_weight"))
            m.admissionWeight = 0;
        else if (field == QLatin1String("input_cost_per_token"))
            m.inputCostPerToken = -1;
        else if (field == QLatin1String("max_concurrency"))
            m.maxConcurrency = std::optional<qint64>(0);
        else if (field == QLatin1String("api_base"))
            m.apiBase = QStringLiteral("ftp://h");
        else
            m.modelName = QStringLiteral("   ");
        const config::Problem p = s.config->models.create(m);
        QCOMPARE(p.kind, config::Problem::Kind::Invalid);
        QCOMPARE(p.field, field);
        QCOMPARE(p.message, message);
        QVERIFY(s.snapshot()->models.isEmpty());
    }

    void keysAreMadeDisabledAndLoggedByPrefix()
    {
        Services s;
        QVERIFY(s.open());
        ConfigLog log;
        QString error;
        const QString first = s.config->live.bootstrapDefaultTenant(&error);
        QVERIFY(!first.isEmpty());
        const QString tenantId = s.snapshot()->tenants.first().id;

        config::KeyPatch fields;
        fields.name = QStringLiteral("ci");
        fields.expiresAt = std::optional<QDateTime>(
            QDateTime::fromString(QStringLiteral("2099-01-01T00:00:00.750Z"), Qt::ISODateWithMs));
        model::ApiKey key;
        QString secret;
        QVERIFY(s.config->keys.create(tenantId, fields, &key, &secret).ok());
        QVERIFY(secret.startsWith(QStringLiteral("sk_")));
        QCOMPARE(key.expiresAt->toString(Qt::ISODateWithMs), QStringLiteral("2099-01-01T00:00:00.000Z")); // whole s

        config::KeyPatch disable;
        disable.disabled = true;
        QVERIFY(s.config->keys.update(key.id, disable).ok());
        QVERIFY(s.snapshot()->keys.size() == 2);
        QVERIFY(s.config->keys.find(key.id, &key).ok());
        QVERIFY(key.disabled);
        QVERIFY2(log.text().contains(QStringLiteral("key %1... ('ci') disabled").arg(key.keyPrefix)),
                 qPrintable(log.text()));
        QVERIFY(!log.text().contains(secret));
        QVERIFY(!log.text().contains(first));

        QCOMPARE(s.config->keys.create(QStringLiteral("no-such-tenant"), fields, nullptr, &secret).kind,
                 config::Problem::Kind::NotFound);
        config::KeyPatch bad;
        bad.maxInFlight = std::optional<qint64>(0);
        QCOMPARE(s.config->keys.update(key.id, bad).field, QStringLiteral("max_in_flight"));
    }

    void capacityAndOrigins()
    {
        Services s;
        QVERIFY(s.open());
        QVERIFY(s.config->fairShare.setCapacity(8).ok());
        QCOMPARE(s.snapshot()->capacity, 8);
        QCOMPARE(s.config->fairShare.setCapacity(0).field, QStringLiteral("max_in_flight"));
        QCOMPARE(s.snapshot()->capacity, 8);

        QVERIFY(s.config->settings.setCorsOrigins({QStringLiteral("http://localhost:3000")}).ok());
        QCOMPARE(s.snapshot()->corsAllowedOrigins, QStringList{QStringLiteral("http://localhost:3000")});
        const config::Problem p = s.config->settings.setCorsOrigins({QStringLiteral("http://x/path")});
        QCOMPARE(p.field, QStringLiteral("allowed_origins"));
        QVERIFY(p.message.contains(QStringLiteral("is not an origin")));
    }

    void mcpServerReplaceKeepsItsAuthHeader()
    {
        Services s;
        QVERIFY(s.open());
        config::McpServerPatch fields;
        fields.name = QStringLiteral("fs");
        fields.upstreamUrl = QStringLiteral("http://127.0.0.1:3001/mcp");
        fields.authHeader = QStringLiteral("Bearer mcp-secret");
        model::McpServer server;
        QVERIFY(s.config->mcpServers.create(fields, &server).ok());
        fields.authHeader.reset();
        fields.enabled = false;
        QVERIFY(s.config->mcpServers.replace(server.id, fields, &server).ok());
        QCOMPARE(server.authHeader, QStringLiteral("Bearer mcp-secret"));
        QCOMPARE(server.enabled, false);
        fields.name = QStringLiteral("a/b");
        QCOMPARE(s.config->mcpServers.replace(server.id, fields).message, QStringLiteral("name must not contain '/'"));
    }
};

QTEST_GUILESS_MAIN(TestConfigServices)
#include "tst_configservices.moc"
