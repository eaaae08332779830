#pragma once

#include <QDeadlineTimer>
#include <QTest>

namespace obleth::test {

/// Polls @p done with the event loop running (QTest::qWait(@p everyMs) between tries) until it holds or @p ms pass:
/// a deadline, not a fixed wait.
template<typename Condition> bool waitFor(Condition done, int ms = 20'000, int everyMs = 50)
{
    const QDeadlineTimer deadline(ms);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(everyMs);
    }
    return true;
}

} // namespace obleth::test
