#pragma once

#include <QWidget>

#include <deque>

namespace obleth::ui {

/// A small line chart of requests per second and tokens per second over the last kSeconds, fed with
/// finished requests and moved on once a second. Colours come from the palette (light and dark).
class ThroughputChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThroughputChart)

public:
    static constexpr int kSeconds = 300;

    explicit ThroughputChart(QWidget *parent = nullptr);

    /// A request finished now, with @p tokens tokens.
    void add(qint64 tokens);
    /// Starts a new second (called by a one-second timer).
    void tick();

    [[nodiscard]] double requestsPerSecond() const; ///< over the last complete second
    [[nodiscard]] double tokensPerSecond() const;
    [[nodiscard]] QSize sizeHint() const override { return {480, 140}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Second
    {
        qint64 requests = 0;
        qint64 tokens = 0;
    };
    std::deque<Second> m_seconds; ///< oldest first; the last one is the second in progress
};

} // namespace obleth::ui
