#include "throughputchart.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace obleth::ui {

ThroughputChart::ThroughputChart(QWidget *parent)
    : QWidget(parent)
    , m_seconds(1)
{
    setMinimumHeight(100);
    setAccessibleName(tr("Requests and tokens per second, last five minutes"));
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

void ThroughputChart::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(4, 18, -4, -4);
    p.fillRect(rect(), palette().base());
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(area);

    // Complete seconds only, newest at the right.
    const size_t complete = m_seconds.size() - 1;
    qint64 maxRequests = 1;
    qint64 maxTokens = 1;
    for (size_t i = 0; i < complete; ++i) {
        maxRequests = std::max(maxRequests, m_seconds.at(i).requests);
        maxTokens = std::max(maxTokens, m_seconds.at(i).tokens);
    }
    const auto line = [&](auto value, qint64 max) {
        QPainterPath path;
        for (size_t i = 0; i < complete; ++i) {
            const double x = area.right() - double(complete - 1 - i) * area.width() / (kSeconds - 1);
            const double y = area.bottom() - double(value(m_seconds.at(i))) * area.height() / double(max);
            i == 0 ? path.moveTo(x, y) : path.lineTo(x, y);
        }
        return path;
    };
    const QColor requests = palette().color(QPalette::Highlight);
    const QColor tokens = palette().color(QPalette::Link).lighter(130);
    p.setPen(QPen(tokens, 1.5));
    p.drawPath(line([](const Second &s) { return s.tokens; }, maxTokens));
    p.setPen(QPen(requests, 2));
    p.drawPath(line([](const Second &s) { return s.requests; }, maxRequests));

    p.setPen(requests);
    p.drawText(QPointF(4, 13), tr("requests/s (peak %1)").arg(maxRequests));
    p.setPen(tokens);
    p.drawText(QPointF(area.center().x(), 13), tr("tokens/s (peak %1)").arg(maxTokens));
}

} // namespace obleth::ui
