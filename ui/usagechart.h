#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QWidget>

namespace obleth::ui {

/// A bar chart of usage: one bar per group (a tenant, a model, a day), each bar stacked from the parts of its
/// series (prompt and completion tokens, say; a legend names them when there are several), on a value axis with
/// a readable scale. Painted from the palette, so it reads in the light and the dark theme alike; a bar's exact
/// values are in its tooltip.
class UsageChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UsageChart)

public:
    /// What the values are: money (in the display currency) or a count of tokens.
    enum class Unit { Money, Tokens };

    struct Bar
    {
        QString key; ///< what the bar stands for (a tenant's id, a model's name, a yyyy-MM-dd day)
        QString label; ///< as shown under the bar
        QList<double> parts; ///< one value per series, stacked from the axis up
        [[nodiscard]] double total() const;
    };

    explicit UsageChart(QWidget *parent = nullptr);

    /// Shows @p bars, left to right, each made of the parts named by @p series, on an axis in @p unit.
    void setBars(const QList<Bar> &bars, const QStringList &series, Unit unit);
    [[nodiscard]] const QList<Bar> &bars() const noexcept { return m_bars; }
    [[nodiscard]] const QStringList &series() const noexcept { return m_series; }
    [[nodiscard]] Unit unit() const noexcept { return m_unit; }

    /// The value axis' marks: 0, then even steps of 1, 2 or 5 times a power of ten up to the first at or above
    /// the tallest bar (about four steps).
    [[nodiscard]] QList<double> ticks() const;
    [[nodiscard]] static QList<double> niceTicks(double max);
    /// A mark of the axis as people read it, with as many decimals as the step between marks needs ("$0.05",
    /// "2.5k", "1M").
    [[nodiscard]] static QString tickText(double value, double step, Unit unit);
    /// A value in full ("$0.00123", "12,345 tokens").
    [[nodiscard]] static QString valueText(double value, Unit unit);

    /// The bar under @p pos, or -1.
    [[nodiscard]] int barAt(const QPoint &pos) const;

    [[nodiscard]] QSize sizeHint() const override { return {560, 220}; }
    [[nodiscard]] QSize minimumSizeHint() const override { return {240, 140}; }

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    /// Where the bars go (inside the axes, below the legend, above the labels).
    [[nodiscard]] QRectF plotArea() const;
    /// The rectangle of bar @p index in @p area (its whole height: 0 to the axis' top).
    [[nodiscard]] QRectF slot(int index, const QRectF &area) const;
    [[nodiscard]] QColor seriesColor(int series) const;
    [[nodiscard]] QString barToolTip(const Bar &bar) const;

    QList<Bar> m_bars;
    QStringList m_series;
    Unit m_unit = Unit::Money;
};

} // namespace obleth::ui
