#include "usagechart.h"

#include "currency.h"

#include "tables.h"

#include <QEvent>
#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace obleth::ui {

namespace {
constexpr int kMaxBarWidth = 56;
constexpr double kBarShare = 0.7; ///< of its slot; the rest is the gap between bars

QColor blend(const QColor &a, const QColor &b, double share)
{
    return QColor::fromRgbF(float(a.redF() * share + b.redF() * (1 - share)),
                            float(a.greenF() * share + b.greenF() * (1 - share)),
                            float(a.blueF() * share + b.blueF() * (1 - share)));
}

/// Decimals a step of @p step needs (0.05 -> 2, 2 -> 0).
int decimalsFor(double step)
{
    return step <= 0 ? 0 : std::clamp(-int(std::floor(std::log10(step) + 1e-9)), 0, 12);
}
} // namespace

double UsageChart::Bar::total() const
{
    double sum = 0;
    for (double p : parts)
        sum += p;
    return sum;
}

UsageChart::UsageChart(QWidget *parent)
    : QWidget(parent)
{
    setAccessibleName(tr("Usage chart"));
    setMouseTracking(false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void UsageChart::setBars(const QList<Bar> &bars, const QStringList &series, Unit unit)
{
    m_bars = bars;
    m_series = series;
    m_unit = unit;
    QStringList described;
    for (const Bar &b : std::as_const(m_bars)) {
        if (described.size() == 31) {
            described.append(tr("and %n more", nullptr, int(m_bars.size() - 31)));
            break;
        }
        described.append(QStringLiteral("%1: %2").arg(b.label, valueText(b.total(), m_unit)));
    }
    setAccessibleDescription(described.join(QStringLiteral("; ")));
    update();
}

QList<double> UsageChart::niceTicks(double max)
{
    if (!(max > 0))
        return {0, 1};
    // step = m × 10^exponent, m one of 1, 2, 5; marks computed from whole numbers, so 0.015 is the 0.015 people type.
    const double rough = max / 4;
    int exponent = int(std::floor(std::log10(rough)));
    int m = 10;
    for (int candidate : {1, 2, 5}) {
        if (candidate * std::pow(10.0, exponent) >= rough * (1 - 1e-9)) {
            m = candidate;
            break;
        }
    }
    if (m == 10) {
        m = 1;
        ++exponent;
    }
    const double scale = std::pow(10.0, std::abs(exponent));
    QList<double> ticks;
    for (qint64 i = 0;; ++i) {
        const double v = exponent >= 0 ? double(i * m) * scale : double(i * m) / scale;
        ticks.append(v);
        if (v >= max * (1 - 1e-12) || i > 20)
            break;
    }
    return ticks;
}

QList<double> UsageChart::ticks() const
{
    double max = 0;
    for (const Bar &b : m_bars)
        max = std::max(max, b.total());
    return niceTicks(max);
}

QString UsageChart::tickText(double value, double step, Unit unit)
{
    const QLocale locale;
    if (value == 0)
        return unit == Unit::Money ? DisplayCurrency::current().wrap(QStringLiteral("0")) : QStringLiteral("0");
    if (unit == Unit::Money)
        return DisplayCurrency::current().wrap(locale.toString(value, 'f', decimalsFor(step)));
    // The step picks the unit, so that every mark of one axis reads alike (5k, 10k, 15k).
    double divisor = 1;
    QString suffix;
    if (step >= 1e5) {
        divisor = 1e6;
        suffix = QStringLiteral("M");
    } else if (step >= 1e3) {
        divisor = 1e3;
        suffix = QStringLiteral("k");
    }
    return locale.toString(value / divisor, 'f', decimalsFor(step / divisor)) + suffix;
}

QString UsageChart::valueText(double value, Unit unit)
{
    return unit == Unit::Money ? moneyText(value) : tr("%1 tokens").arg(countText(qint64(std::llround(value))));
}

QRectF UsageChart::plotArea() const
{
    const QFontMetrics fm = fontMetrics();
    const QList<double> marks = ticks();
    const double step = marks.size() > 1 ? marks.at(1) : 1;
    int labelWidth = 0;
    for (double t : marks)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(tickText(t, step, m_unit)));
    return QRectF(rect()).adjusted(labelWidth + 12, fm.height() + 12, -10, -(fm.height() + 10));
}

QRectF UsageChart::slot(int index, const QRectF &area) const
{
    const double width = area.width() / double(std::max<qsizetype>(m_bars.size(), 1));
    return {area.left() + width * index, area.top(), width, area.height()};
}

QColor UsageChart::seriesColor(int series) const
{
    const QColor highlight = palette().color(QPalette::Highlight);
    if (series == 0)
        return highlight;
    // Further series: the highlight towards the text colour (darker on a light background, lighter on a dark one),
    // so each is told apart from the first and from the background in either theme.
    return blend(highlight, palette().color(QPalette::Text), std::max(0.2, 0.6 - 0.2 * (series - 1)));
}

int UsageChart::barAt(const QPoint &pos) const
{
    const QRectF area = plotArea();
    if (m_bars.isEmpty() || pos.x() < area.left() || pos.x() >= area.right() || pos.y() > rect().bottom())
        return -1;
    const int index = int((pos.x() - area.left()) / (area.width() / double(m_bars.size())));
    return index >= 0 && index < m_bars.size() ? index : -1;
}

QString UsageChart::barToolTip(const Bar &bar) const
{
    QStringList lines{bar.label};
    if (m_series.size() > 1) {
        for (int i = 0; i < m_series.size() && i < bar.parts.size(); ++i)
            lines.append(QStringLiteral("%1: %2").arg(m_series.at(i), valueText(bar.parts.at(i), m_unit)));
        lines.append(tr("Total: %1").arg(valueText(bar.total(), m_unit)));
    } else {
        lines.append(valueText(bar.total(), m_unit));
    }
    return lines.join(QLatin1Char('\n'));
}

bool UsageChart::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int index = barAt(help->pos());
        if (index >= 0)
            QToolTip::showText(help->globalPos(), barToolTip(m_bars.at(index)), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void UsageChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const QFontMetrics fm = fontMetrics();
    const QColor text = palette().color(QPalette::Text);
    const QColor grid = blend(palette().color(QPalette::Mid), palette().color(QPalette::Base), 0.6);

    // The legend: what the bars measure, one swatch per series.
    double x = 8;
    const int swatch = fm.height() - 4;
    for (int i = 0; i < m_series.size(); ++i) {
        p.fillRect(QRectF(x, 6 + 2, swatch, swatch), seriesColor(i));
        x += swatch + 4;
        p.setPen(text);
        p.drawText(QPointF(x, 6 + fm.ascent()), m_series.at(i));
        x += fm.horizontalAdvance(m_series.at(i)) + 16;
    }

    const QRectF area = plotArea();
    if (m_bars.isEmpty()) {
        p.setPen(text);
        p.drawText(area, Qt::AlignCenter, tr("No usage to show"));
        return;
    }

    // The value axis: a grid line and a label per mark.
    const QList<double> marks = ticks();
    const double top = marks.last() > 0 ? marks.last() : 1;
    const double step = marks.size() > 1 ? marks.at(1) : 1;
    const auto yOf = [&](double v) { return area.bottom() - v / top * area.height(); };
    for (double t : marks) {
        const double y = yOf(t);
        p.setPen(QPen(t == 0 ? palette().color(QPalette::Mid) : grid, 1));
        p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
        p.setPen(text);
        p.drawText(QRectF(0, y - fm.height() / 2.0, area.left() - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   tickText(t, step, m_unit));
    }

    // The bars, each stacked from its parts.
    for (int i = 0; i < m_bars.size(); ++i) {
        const QRectF s = slot(i, area);
        const double width = std::min(s.width() * kBarShare, double(kMaxBarWidth));
        const double left = s.center().x() - width / 2;
        double base = 0;
        const Bar &bar = m_bars.at(i);
        for (int part = 0; part < bar.parts.size(); ++part) {
            const double v = bar.parts.at(part);
            if (v <= 0)
                continue;
            const QRectF r(QPointF(left, yOf(base + v)), QPointF(left + width, yOf(base)));
            p.fillRect(r, seriesColor(part));
            base += v;
        }
    }

    // The labels under the bars: every one that fits, else every n-th (days: a label every few days).
    const double slotWidth = area.width() / double(m_bars.size());
    int widest = 0;
    for (const Bar &b : std::as_const(m_bars))
        widest = std::max(widest, fm.horizontalAdvance(b.label));
    widest = std::min(widest, fm.averageCharWidth() * 14);
    const int every = std::max(1, int(std::ceil((widest + 8) / slotWidth)));
    p.setPen(text);
    for (int i = 0; i < m_bars.size(); i += every) {
        const QRectF s = slot(i, area);
        const double width = slotWidth * every - 4;
        const double left = std::clamp(s.center().x() - width / 2, 0.0, std::max(0.0, double(this->width()) - width));
        const QRectF box(left, area.bottom() + 4, width, fm.height());
        p.drawText(box, Qt::AlignHCenter | Qt::AlignTop,
                   fm.elidedText(m_bars.at(i).label, Qt::ElideMiddle, int(width)));
    }
}

} // namespace obleth::ui
