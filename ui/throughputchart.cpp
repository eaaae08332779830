#include "throughputchart.h"

#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace obleth::ui {

namespace {
constexpr int kMinutes = ThroughputChart::kSeconds / 60;
constexpr qreal kMargin = 6;
constexpr qreal kSample = 22; ///< a legend entry's line sample
} // namespace

ThroughputChart::ThroughputChart(QWidget *parent)
    : QWidget(parent)
    , m_seconds(1)
{
    setMinimumHeight(140);
    setAccessibleName(tr("Requests and tokens per second, last five minutes"));
    describe();
}

void ThroughputChart::add(qint64 tokens)
{
    ++m_seconds.back().requests;
    m_seconds.back().tokens += tokens;
}

void ThroughputChart::tick()
{
    m_seconds.emplace_back();
    while (m_seconds.size() > size_t(kSeconds) + 1)
        m_seconds.pop_front();
    describe();
    update();
}

double ThroughputChart::requestsPerSecond() const
{
    return m_seconds.size() < 2 ? 0 : double(m_seconds.at(m_seconds.size() - 2).requests);
}

double ThroughputChart::tokensPerSecond() const
{
    return m_seconds.size() < 2 ? 0 : double(m_seconds.at(m_seconds.size() - 2).tokens);
}

qint64 ThroughputChart::peakRequests() const
{
    qint64 peak = 0;
    for (size_t i = 0; i + 1 < m_seconds.size(); ++i) // complete seconds only
        peak = std::max(peak, m_seconds.at(i).requests);
    return peak;
}

qint64 ThroughputChart::peakTokens() const
{
    qint64 peak = 0;
    for (size_t i = 0; i + 1 < m_seconds.size(); ++i)
        peak = std::max(peak, m_seconds.at(i).tokens);
    return peak;
}

bool ThroughputChart::hasTraffic() const
{
    return peakRequests() > 0;
}

qint64 ThroughputChart::axisTop(qint64 peak)
{
    for (qint64 magnitude = 1;; magnitude *= 10) {
        for (const qint64 m : {1, 2, 5}) {
            if (m * magnitude * kValueSteps >= peak)
                return m * magnitude * kValueSteps;
        }
    }
}

QString ThroughputChart::shortNumber(qint64 value)
{
    const auto scaled = [](qint64 v, qint64 unit, const QString &suffix) -> QString {
        const int decimals = (v % unit == 0 || v >= 10 * unit) ? 0 : 1;
        return QLocale().toString(double(v) / double(unit), 'f', decimals) + suffix;
    };
    if (value >= 1'000'000)
        return scaled(value, 1'000'000, QStringLiteral("M"));
    if (value >= 1000)
        return scaled(value, 1000, QStringLiteral("k"));
    return QLocale().toString(value);
}

QStringList ThroughputChart::axisLabels(qint64 top)
{
    QStringList labels;
    for (int i = 0; i <= kValueSteps; ++i)
        labels << shortNumber(top / kValueSteps * i);
    return labels;
}

QStringList ThroughputChart::timeLabels() const
{
    QStringList labels;
    for (int minutes = kMinutes; minutes > 0; --minutes)
        labels << tr("−%1 min").arg(minutes);
    labels << tr("now");
    return labels;
}

QStringList ThroughputChart::requestLabels() const
{
    return axisLabels(axisTop(peakRequests()));
}

QStringList ThroughputChart::tokenLabels() const
{
    return axisLabels(axisTop(peakTokens()));
}

QStringList ThroughputChart::legend() const
{
    return {tr("Requests/s (left scale)"), tr("Tokens/s (right scale)")};
}

QString ThroughputChart::emptyText() const
{
    return tr("No traffic yet: requests through the gateway show here, second by second");
}

QColor ThroughputChart::requestsColor() const
{
    return palette().color(QPalette::Highlight);
}

QColor ThroughputChart::tokensColor() const
{
    // An orange that reads at 3:1 or more on either kind of background (WCAG's bar for graphics).
    return palette().color(QPalette::Base).lightness() < 128 ? QColor(0xf0, 0x88, 0x3e) : QColor(0xbc, 0x4c, 0x00);
}

void ThroughputChart::describe()
{
    if (!hasTraffic()) {
        setAccessibleDescription(tr("No traffic in the last five minutes."));
        return;
    }
    setAccessibleDescription(tr("Last second: %1 requests, %2 tokens. Peak in the last five minutes: %3 requests/s, "
                                "%4 tokens/s.")
                                 .arg(requestsPerSecond())
                                 .arg(tokensPerSecond())
                                 .arg(peakRequests())
                                 .arg(peakTokens()));
}

void ThroughputChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QFontMetricsF fm(font());
    const QColor text = palette().color(QPalette::Text);
    QColor grid = text;
    grid.setAlphaF(0.15);
    QColor baseline = text;
    baseline.setAlphaF(0.45);

    const QStringList requestTicks = requestLabels();
    const QStringList tokenTicks = tokenLabels();
    const QStringList times = timeLabels();
    const auto widest = [&fm](const QStringList &labels) {
        qreal w = 0;
        for (const QString &l : labels)
            w = std::max(w, fm.horizontalAdvance(l));
        return w;
    };
    const qreal leftAxis = widest(requestTicks) + kMargin;
    const qreal rightAxis = widest(tokenTicks) + kMargin;
    const qreal legendHeight = fm.height() + kMargin;
    const QRectF plot(kMargin + leftAxis, kMargin + legendHeight + fm.height() / 2,
                      width() - 2 * kMargin - leftAxis - rightAxis,
                      height() - 2 * kMargin - legendHeight - fm.height() / 2 - fm.height() - 2);
    if (plot.width() < 20 || plot.height() < 20)
        return;

    // Legend: a line sample, then what it shows and which scale it uses.
    const QStringList entries = legend();
    qreal x = plot.left();
    const qreal legendY = kMargin + fm.ascent();
    const QList<QPen> pens{QPen(requestsColor(), 2), QPen(tokensColor(), 2, Qt::DashLine)};
    for (int i = 0; i < entries.size(); ++i) {
        p.setPen(pens.at(i));
        const qreal y = kMargin + fm.height() / 2;
        p.drawLine(QPointF(x, y), QPointF(x + kSample, y));
        x += kSample + 4;
        p.setPen(text);
        p.drawText(QPointF(x, legendY), entries.at(i));
        x += fm.horizontalAdvance(entries.at(i)) + 3 * kMargin;
    }

    // Value gridlines, shared by both scales (each has kValueSteps steps); labels left and right.
    for (int i = 0; i <= kValueSteps; ++i) {
        const qreal y = plot.bottom() - plot.height() * i / kValueSteps;
        p.setPen(i == 0 ? baseline : grid);
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        p.setPen(text);
        const qreal labelY = y + fm.ascent() / 2 - 1;
        p.drawText(QPointF(plot.left() - kMargin / 2 - fm.horizontalAdvance(requestTicks.at(i)), labelY),
                   requestTicks.at(i));
        p.drawText(QPointF(plot.right() + kMargin / 2, labelY), tokenTicks.at(i));
    }
    // Time gridlines, one a minute, labelled under the plot.
    for (int i = 0; i < times.size(); ++i) {
        const qreal secondsAgo = 60.0 * (kMinutes - i);
        const qreal tx = plot.right() - secondsAgo * plot.width() / kSeconds;
        p.setPen(grid);
        p.drawLine(QPointF(tx, plot.top()), QPointF(tx, plot.bottom()));
        // The ends line up with the plot's edges (clear of the value scales), the others centre on their line.
        const qreal w = fm.horizontalAdvance(times.at(i));
        const qreal left = i == 0 ? tx : i == times.size() - 1 ? tx - w : tx - w / 2;
        p.setPen(text);
        p.drawText(QPointF(left, plot.bottom() + 2 + fm.ascent()), times.at(i));
    }

    if (!hasTraffic()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(plot.adjusted(kMargin, kMargin, -kMargin, -kMargin), Qt::AlignCenter | Qt::TextWordWrap,
                   emptyText());
        return;
    }

    // Complete seconds only, newest at the right.
    const size_t complete = m_seconds.size() - 1;
    const auto line = [&](auto value, qint64 top) {
        QPainterPath path;
        for (size_t i = 0; i < complete; ++i) {
            const double lx = plot.right() - double(complete - 1 - i) * plot.width() / kSeconds;
            const double ly = plot.bottom() - double(value(m_seconds.at(i))) * plot.height() / double(top);
            i == 0 ? path.moveTo(lx, ly) : path.lineTo(lx, ly);
        }
        return path;
    };
    p.setClipRect(plot.adjusted(-1, -2, 1, 1));
    p.setPen(pens.at(1));
    p.drawPath(line([](const Second &s) { return s.tokens; }, axisTop(peakTokens())));
    p.setPen(pens.at(0));
    p.drawPath(line([](const Second &s) { return s.requests; }, axisTop(peakRequests())));
}

} // namespace obleth::ui
