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

    /// Contract section 10: the sub-resource of deployments, its rules, and the model's own fields as the mirror of
    /// its first deployment.
    void deploymentsOfAModel()
    {
        Services s;
        QVERIFY(s.open());
        ConfigLog log;
        config::ModelPatch fields = modelFields(QStringLiteral("llama"));
        fields.apiKey = QStringLiteral("sk-first-secret");
        model::ModelConfig m;
        QVERIFY(s.config->models.create(fields, &m).ok());
        QCOMPARE(m.deployments.size(), 1); // the single-deployment form: one deployment of the model's own fields
        const QString firstId = m.deployments.first().id;
        QCOMPARE(m.deployments.first().apiBase, QStringLiteral("http://127.0.0.1:11434/v1"));
        QCOMPARE(m.deployments.first().upstreamModel, QStringLiteral("llama"));
        QCOMPARE(m.deployments.first().apiKey, QStringLiteral("sk-first-secret"));

        // Adding one: api_base required, upstream_model defaults to the model's name, weight > 0, a cap >= 1.
        config::DeploymentPatch bad;
        QCOMPARE(s.config->models.addDeployment(m.id, bad).field, QStringLiteral("api_base"));
        bad.apiBase = QStringLiteral("ftp://h");
        QCOMPARE(s.config->models.addDeployment(m.id, bad).field, QStringLiteral("api_base"));
        bad.apiBase = QStringLiteral("http://127.0.0.1:8000/v1");
        bad.weight = 0;
        QCOMPARE(s.config->models.addDeployment(m.id, bad).field, QStringLiteral("weight"));
        bad.weight = 2;
        bad.maxConcurrency = std::optional<qint64>(0);
        QCOMPARE(s.config->models.addDeployment(m.id, bad).field, QStringLiteral("max_concurrency"));
        QCOMPARE(s.config->models.addDeployment(QStringLiteral("no-such-model"), bad).kind,
                 config::Problem::Kind::NotFound);
        QCOMPARE(s.snapshot()->findModel(QStringLiteral("llama"))->deployments.size(), 1);

        config::DeploymentPatch second;
        second.apiBase = QStringLiteral("http://127.0.0.1:8000/v1");
        second.weight = 2;
        second.maxConcurrency = std::optional<qint64>(3);
        second.apiKey = QStringLiteral("sk-second-secret");
        model::Deployment added;
        QVERIFY(s.config->models.addDeployment(m.id, second, &added).ok());
        QCOMPARE(added.upstreamModel, QStringLiteral("llama"));
        QCOMPARE(added.weight, 2.0);
        const model::ModelConfig *stored = s.snapshot()->findModel(QStringLiteral("llama"));
        QCOMPARE(stored->deployments.size(), 2);
        QCOMPARE(stored->deployments.at(1).id, added.id);
        QCOMPARE(stored->apiBase, QStringLiteral("http://127.0.0.1:11434/v1")); // still the first's

        // The model's own api_base is the single deployment's: with two, a PATCH of it is refused.
        config::ModelPatch moveBase;
        moveBase.apiBase = QStringLiteral("http://127.0.0.1:9999/v1");
        config::Problem p = s.config->models.update(m.id, moveBase);
        QCOMPARE(p.kind, config::Problem::Kind::Invalid);
        QCOMPARE(p.field, QStringLiteral("api_base"));
        QVERIFY(p.message.contains(QStringLiteral("/deployments")));

        // Changing one deployment: only the given fields; its key stays unless set.
        config::DeploymentPatch change;
        change.enabled = false;
        change.maxConcurrency = std::optional<qint64>();
        QVERIFY(s.config->models.updateDeployment(m.id, added.id, change, &added).ok());
        QCOMPARE(added.enabled, false);
        QCOMPARE(added.maxConcurrency, std::nullopt);
        QCOMPARE(added.apiKey, QStringLiteral("sk-second-secret"));
        QCOMPARE(s.config->models.updateDeployment(m.id, QStringLiteral("nope"), change).kind,
                 config::Problem::Kind::NotFound);
        change.weight = -1;
        QCOMPARE(s.config->models.updateDeployment(m.id, added.id, change).field, QStringLiteral("weight"));

        // A whole list (PUT): entries with an existing id keep their stored key; new entries get new ids; an id the
        // model does not have is refused.
        config::ModelPatch whole = modelFields(QStringLiteral("llama"));
        whole.apiBase.reset();
        config::DeploymentPatch keepSecond;
        keepSecond.id = added.id;
        keepSecond.apiBase = QStringLiteral("http://127.0.0.1:8001/v1");
        config::DeploymentPatch fresh;
        fresh.apiBase = QStringLiteral("http://127.0.0.1:8002/v1");
        fresh.upstreamModel = QStringLiteral("llama3:70b");
        whole.deployments = QList<config::DeploymentPatch>{keepSecond, fresh};
        QVERIFY(s.config->models.replace(m.id, whole, &m).ok());
        QCOMPARE(m.deployments.size(), 2);
        QCOMPARE(m.deployments.at(0).id, added.id);
        QCOMPARE(m.deployments.at(0).apiKey, QStringLiteral("sk-second-secret"));
        QCOMPARE(m.deployments.at(0).enabled, true); // a list entry is a whole deployment: defaults again
        QVERIFY(m.deployments.at(1).id != firstId && m.deployments.at(1).id != added.id);
        QCOMPARE(m.apiBase, QStringLiteral("http://127.0.0.1:8001/v1"));
        QCOMPARE(m.apiKey, QStringLiteral("sk-second-secret"));
        QCOMPARE(m.upstreamModel, QStringLiteral("llama"));

        config::DeploymentPatch stranger;
        stranger.id = firstId; // removed by the PUT above
        stranger.apiBase = QStringLiteral("http://127.0.0.1:8003/v1");
        whole.deployments = QList<config::DeploymentPatch>{stranger};
        p = s.config->models.replace(m.id, whole);
        QCOMPARE(p.field, QStringLiteral("deployments"));
        QVERIFY2(p.message.startsWith(QStringLiteral("deployments[0]: ")), qPrintable(p.message));
        whole.deployments = QList<config::DeploymentPatch>{};
        QCOMPARE(s.config->models.replace(m.id, whole).field, QStringLiteral("deployments"));
        // The model's own api_base alongside the list: ignored when it is the first entry's, refused otherwise.
        whole.deployments = QList<config::DeploymentPatch>{keepSecond, fresh};
        whole.apiBase = QStringLiteral("http://127.0.0.1:8002/v1");
        QCOMPARE(s.config->models.replace(m.id, whole).field, QStringLiteral("api_base"));
        whole.apiBase = QStringLiteral("http://127.0.0.1:8001/v1");
        whole.upstreamModel = QStringLiteral("llama");
        QVERIFY(s.config->models.replace(m.id, whole, &m).ok());
        QCOMPARE(m.deployments.size(), 2);

        // Removing: not the last one (a conflict), an unknown one is not found.
        QVERIFY(s.config->models.removeDeployment(m.id, m.deployments.at(0).id).ok());
        m = *s.snapshot()->findModel(QStringLiteral("llama"));
        QCOMPARE(m.deployments.size(), 1);
        QCOMPARE(m.apiBase, QStringLiteral("http://127.0.0.1:8002/v1"));
        QCOMPARE(m.upstreamModel, QStringLiteral("llama3:70b"));
        QVERIFY(m.apiKey.isEmpty());
        p = s.config->models.removeDeployment(m.id, m.deployments.at(0).id);
        QCOMPARE(p.kind, config::Problem::Kind::Conflict);
        QCOMPARE(s.config->models.removeDeployment(m.id, QStringLiteral("nope")).kind, config::Problem::Kind::NotFound);

        // With one deployment again, the model's own fields change it (PATCH), and a PUT without a list keeps its id.
        moveBase.apiKey = QStringLiteral("sk-third-secret");
        QVERIFY(s.config->models.update(m.id, moveBase, &m).ok());
        QCOMPARE(m.deployments.size(), 1);
        QCOMPARE(m.deployments.first().apiBase, QStringLiteral("http://127.0.0.1:9999/v1"));
        QCOMPARE(m.deployments.first().apiKey, QStringLiteral("sk-third-secret"));
        const QString onlyId = m.deployments.first().id;
        QVERIFY(s.config->models.replace(m.id, modelFields(QStringLiteral("llama")), &m).ok());
        QCOMPARE(m.deployments.size(), 1);
        QCOMPARE(m.deployments.first().id, onlyId);
        QCOMPARE(m.deployments.first().apiKey, QStringLiteral("sk-third-secret"));

        QVERIFY2(!log.text().contains(QStringLiteral("-secret")), qPrintable(log.text()));
        QVERIFY2(log.text().contains(QStringLiteral("added")), qPrintable(log.text()));
    }

    void fallbacksNameOtherModelsAndFollowRenames()
    {
        Services s;
        QVERIFY(s.open());
        model::ModelConfig a;
        model::ModelConfig b;
        model::ModelConfig c;
        QVERIFY(s.config->models.create(modelFields(QStringLiteral("a")), &a).ok());
        QVERIFY(s.config->models.create(modelFields(QStringLiteral("b")), &b).ok());
        QVERIFY(s.config->models.create(modelFields(QStringLiteral("c")), &c).ok());

        config::ModelPatch fallbacks;
        for (const QStringList &wrong : {QStringList{QStringLiteral("a")}, QStringList{QStringLiteral("nope")},
                                         QStringList{QStringLiteral("b"), QStringLiteral("b")},
                                         QStringList{QStringLiteral("mock-model")}, QStringList{QString()}}) {
            fallbacks.fallbacks = wrong;
            const config::Problem p = s.config->models.update(a.id, fallbacks);
            QCOMPARE(p.kind, config::Problem::Kind::Invalid);
            QCOMPARE(p.field, QStringLiteral("fallbacks"));
        }
        fallbacks.fallbacks = QStringList{QStringLiteral("b"), QStringLiteral("c")};
        QVERIFY(s.config->models.update(a.id, fallbacks).ok());
        QCOMPARE(s.snapshot()->findModel(QStringLiteral("a"))->fallbacks, *fallbacks.fallbacks);

        config::ModelPatch rename;
        rename.modelName = QStringLiteral("b2");
        QVERIFY(s.config->models.update(b.id, rename).ok());
        QCOMPARE(s.snapshot()->findModel(QStringLiteral("a"))->fallbacks,
                 (QStringList{QStringLiteral("b2"), QStringLiteral("c")}));
        QVERIFY(s.config->models.remove(c.id).ok());
        QCOMPARE(s.snapshot()->findModel(QStringLiteral("a"))->fallbacks, QStringList{QStringLiteral("b2")});
        // Other fields of a model change without its fallbacks being checked again.
        config::ModelPatch other;
        other.maxRetries = 0;
        QVERIFY(s.config->models.update(a.id, other).ok());
    }

    void autoIsReservedAndHealthTunablesHaveRanges_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<qint64>("value");
        QTest::newRow("unhealthy_after 0") << QStringLiteral("unhealthy_after") << qint64(0);
        QTest::newRow("cooldown_secs 0") << QStringLiteral("cooldown_secs") << qint64(0);
        QTest::newRow("health_check_secs -1") << QStringLiteral("health_check_secs") << qint64(-1);
        QTest::newRow("max_retries 11") << QStringLiteral("max_retries") << qint64(11);
        QTest::newRow("max_retries -1") << QStringLiteral("max_retries") << qint64(-1);
    }
    void autoIsReservedAndHealthTunablesHaveRanges()
    {
        QFETCH(QString, field);
        QFETCH(qint64, value);
        Services s;
        QVERIFY(s.open());
        config::ModelPatch m = modelFields(QStringLiteral("m"));
        if (field == QLatin1String("unhealthy_after"))
            m.unhealthyAfter = value;
        else if (field == QLatin1String("cooldown_secs"))
            m.cooldownSecs = value;
        else if (field == QLatin1String("health_check_secs"))
            m.healthCheckSecs = value;
        else
            m.maxRetries = value;
        config::Problem p = s.config->models.create(m);
        QCOMPARE(p.kind, config::Problem::Kind::Invalid);
        QCOMPARE(p.field, field);

        // "auto" is the auto router's: no model may take the name, by creation or by renaming.
        p = s.config->models.create(modelFields(QStringLiteral("auto")));
        QCOMPARE(p.field, QStringLiteral("model_name"));
        model::ModelConfig created;
        QVERIFY(s.config->models.create(modelFields(QStringLiteral("m")), &created).ok());
        config::ModelPatch rename;
        rename.modelName = QStringLiteral("auto");
        QCOMPARE(s.config->models.update(created.id, rename).field, QStringLiteral("model_name"));
        QCOMPARE(s.snapshot()->models.size(), 1);
    }

    void admissionAndAlertSettings()
    {
        Services s;
        QVERIFY(s.open());
        ConfigLog log;
        QCOMPARE(s.snapshot()->admission.brownoutWaitMs, 750); // defaults
        QCOMPARE(s.snapshot()->admission.maxQueueLength, 1024);
        QVERIFY(s.config->settings.setAdmission({0, 128, 5, 16}).ok());
        QCOMPARE(s.snapshot()->admission.brownoutWaitMs, 0);
        QCOMPARE(s.snapshot()->admission.brownoutMaxTokens, 128);
        QCOMPARE(s.snapshot()->admission.maxQueueWaitSecs, 5);
        QCOMPARE(s.snapshot()->admission.maxQueueLength, 16);
        QCOMPARE(s.config->settings.setAdmission({-1, 128, 5, 16}).field, QStringLiteral("brownout_wait_ms"));
        QCOMPARE(s.config->settings.setAdmission({0, 0, 5, 16}).field, QStringLiteral("brownout_max_tokens"));
        QCOMPARE(s.config->settings.setAdmission({0, 1, 0, 16}).field, QStringLiteral("max_queue_wait_secs"));
        QCOMPARE(s.config->settings.setAdmission({0, 1, 1, 0}).field, QStringLiteral("max_queue_length"));
        QCOMPARE(s.snapshot()->admission.maxQueueLength, 16);

        QVERIFY(!s.snapshot()->alerts.events); // every alert
        const QString webhook = QStringLiteral("https://hooks.example.com/services/T1/B2/token-xyz?key=secret-q");
        QVERIFY(s.config->settings
                    .setAlerts({webhook,
                                QStringList{QStringLiteral("model_unavailable"), QStringLiteral("deployment_down"),
                                            QStringLiteral("model_unavailable")}})
                    .ok());
        QCOMPARE(s.snapshot()->alerts.webhookUrl, webhook);
        QCOMPARE(*s.snapshot()->alerts.events,
                 (QStringList{QStringLiteral("model_unavailable"), QStringLiteral("deployment_down")}));
        config::Problem p = s.config->settings.setAlerts({webhook, QStringList{QStringLiteral("lunch_time")}});
        QCOMPARE(p.field, QStringLiteral("events"));
        p = s.config->settings.setAlerts({QStringLiteral("ftp://hooks.example.com/token-xyz"), std::nullopt});
        QCOMPARE(p.field, QStringLiteral("webhook_url"));
        QVERIFY(!p.message.contains(QStringLiteral("token-xyz")));
        QVERIFY(s.config->settings.setAlerts({QString(), std::nullopt}).ok());
        QVERIFY(s.snapshot()->alerts.webhookUrl.isEmpty());
        QVERIFY(!s.snapshot()->alerts.events);
        QVERIFY2(log.text().contains(QStringLiteral("https://hooks.example.com")), qPrintable(log.text()));
        QVERIFY2(!log.text().contains(QStringLiteral("token-xyz")) && !log.text().contains(QStringLiteral("secret-q")),
                 qPrintable(log.text()));
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
