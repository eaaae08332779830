// tokens_per_minute budgets as token buckets, with an injected clock (contract section 3).

#include "admission/tokenbuckets.h"
#include "usage/tokenestimate.h"

#include <QJsonDocument>
#include <QTest>

using obleth::admission::TokenBuckets;

class TestTokenBuckets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aFullBucketGrantsAndAnEmptyOneRefuses()
    {
        qint64 now = 0;
        TokenBuckets buckets([&now] { return now; });
        QCOMPARE(buckets.available(QStringLiteral("t"), 600), 600);
        auto r = buckets.reserve(QStringLiteral("t"), 600, 500);
        QVERIFY(r.granted);
        QCOMPARE(r.reserved, 500);
        QVERIFY(buckets.reserve(QStringLiteral("t"), 600, 500).granted); // 100 left: granted, now in debt
        QCOMPARE(buckets.available(QStringLiteral("t"), 600), -400);
        r = buckets.reserve(QStringLiteral("t"), 600, 1);
        QVERIFY(!r.granted);
        QCOMPARE(r.retryAfterSecs, 41); // 401 tokens at 10 a second
        // Refills at perMinute / 60 a second.
        now = 40'000;
        QVERIFY(!buckets.reserve(QStringLiteral("t"), 600, 1).granted);
        now = 41'000;
        QVERIFY(buckets.reserve(QStringLiteral("t"), 600, 1).granted);
        // Never above one minute's budget.
        now = 10'000'000;
        QCOMPARE(buckets.available(QStringLiteral("t"), 600), 600);
        // Tenants have buckets of their own.
        QCOMPARE(buckets.available(QStringLiteral("other"), 600), 600);
    }

    void settlingReturnsWhatWasNotUsed()
    {
        qint64 now = 0;
        TokenBuckets buckets([&now] { return now; });
        const auto r = buckets.reserve(QStringLiteral("t"), 1000, 800);
        QCOMPARE(buckets.available(QStringLiteral("t"), 1000), 200);
        buckets.settle(QStringLiteral("t"), 1000, r.reserved, 50);
        QCOMPARE(buckets.available(QStringLiteral("t"), 1000), 950);
        // Using more than reserved takes the rest.
        const auto r2 = buckets.reserve(QStringLiteral("t"), 1000, 100);
        buckets.settle(QStringLiteral("t"), 1000, r2.reserved, 1500);
        QCOMPARE(buckets.available(QStringLiteral("t"), 1000), -550);
        // Settling never overfills.
        buckets.settle(QStringLiteral("t"), 1000, 5000, 0);
        QCOMPARE(buckets.available(QStringLiteral("t"), 1000), 1000);
    }

    void aLowerBudgetActsAtOnce()
    {
        qint64 now = 0;
        TokenBuckets buckets([&now] { return now; });
        QVERIFY(buckets.reserve(QStringLiteral("t"), 10'000, 100).granted);
        QCOMPARE(buckets.available(QStringLiteral("t"), 50), 50); // clamped to the new minute's budget
    }

    void theEstimateIsThePromptPlusMaxTokens()
    {
        using obleth::usage::requestTokenEstimate;
        const auto body = [](const char *json) { return QJsonDocument::fromJson(json).object(); };
        QCOMPARE(requestTokenEstimate(
                     body("{\"messages\":[{\"role\":\"user\",\"content\":\"12345678\"}],\"max_tokens\":10}")),
                 2 + 10);
        QCOMPARE(requestTokenEstimate(body("{\"prompt\":\"1234\",\"max_completion_tokens\":3,\"max_tokens\":99}")),
                 1 + 3);
        QCOMPARE(requestTokenEstimate(body("{\"prompt\":\"1234\"}")), 1 + obleth::usage::kDefaultCompletionEstimate);
        QCOMPARE(requestTokenEstimate(body("{\"prompt\":\"1234\",\"max_tokens\":-5}")),
                 1 + obleth::usage::kDefaultCompletionEstimate);
    }
};

QTEST_MAIN(TestTokenBuckets)
#include "tst_tokenbuckets.moc"
