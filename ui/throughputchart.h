#pragma once

#include <QColor>
#include <QStringList>
#include <QWidget>

#include <deque>

namespace obleth::ui {

/// A line chart of requests per second and tokens per second over the last kSeconds, fed with finished requests
/// and moved on once a second. A time axis ("−5 min" … "now") runs under it; requests/s have their scale on the
/// left, tokens/s on the right (each with round steps), with gridlines and a legend above. Requests are a solid
/// line in the palette's highlight colour, tokens a dashed orange one, so the two differ by more than colour.
/// Until a request arrives it says so. Its accessible description tells the current and peak values.
class ThroughputChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThroughputChart)

public:
    static constexpr int kSeconds = 300;
    static constexpr int kValueSteps = 4; ///< intervals on each value axis

    explicit ThroughputChart(QWidget *parent = nullptr);

    /// A request finished now, with @p tokens tokens.
    void add(qint64 tokens);
    /// Starts a new second (called by a one-second timer).
    void tick();

    [[nodiscard]] double requestsPerSecond() const; ///< over the last complete second
    [[nodiscard]] double tokensPerSecond() const;
    /// Whether any request finished within the chart's window (else it shows its empty state).
    [[nodiscard]] bool hasTraffic() const;

    // What the chart draws, for tests and screen readers.
    /// The time axis' labels, left to right: "−5 min", …, "−1 min", "now".
    [[nodiscard]] QStringList timeLabels() const;
    /// The requests/s axis' labels (left), bottom to top: kValueSteps + 1 round values from 0.
    [[nodiscard]] QStringList requestLabels() const;
    /// The tokens/s axis' labels (right), bottom to top ("1.5k" for 1500).
    [[nodiscard]] QStringList tokenLabels() const;
    /// The legend's entries: requests/s, then tokens/s.
    [[nodiscard]] QStringList legend() const;
    /// What the chart says while there is no traffic.
    [[nodiscard]] QString emptyText() const;
    [[nodiscard]] QColor requestsColor() const;
    [[nodiscard]] QColor tokensColor() const;

    [[nodiscard]] QSize sizeHint() const override { return {520, 200}; }
    [[nodiscard]] QSize minimumSizeHint() const override { return {280, 140}; }

    /// The round top of a value axis showing @p peak in kValueSteps steps of 1, 2 or 5 × 10^n (at least 1 a step).
    [[nodiscard]] static qint64 axisTop(qint64 peak);
    /// @p value shortly: 950, 1.5k, 12k, 3M.
    [[nodiscard]] static QString shortNumber(qint64 value);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Second
    {
        qint64 requests = 0;
        qint64 tokens = 0;
    };
    [[nodiscard]] qint64 peakRequests() const;
    [[nodiscard]] qint64 peakTokens() const;
    [[nodiscard]] static QStringList axisLabels(qint64 top);
    void describe();

    std::deque<Second> m_seconds; ///< oldest first; the last one is the second in progress
};

} // namespace obleth::ui
