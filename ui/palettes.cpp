#include "palettes.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace obleth::ui {

namespace {
/// The platform's style and palette, as they were before the first theme was applied.
struct Native
{
    QString style;
    QPalette palette;
};

const Native &native()
{
    static const Native n{QApplication::style()->name(), QApplication::palette()};
    return n;
}

// The dark scheme's colours. Every text colour reads at 4.5:1 or more on the background it is drawn on (WCAG AA,
// checked by tst_look), the placeholder text too; disabled text is dimmer on purpose.
QPalette darkPalette()
{
    const QColor window(0x24, 0x29, 0x2f);
    const QColor base(0x16, 0x1b, 0x22);
    const QColor alternateBase(0x1c, 0x21, 0x28);
    const QColor button(0x2d, 0x33, 0x3b);
    const QColor text(0xe6, 0xed, 0xf3);
    const QColor muted(0x8b, 0x94, 0x9e);
    const QColor disabled(0x6e, 0x76, 0x81);
    QPalette p(button, window);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, alternateBase);
    p.setColor(QPalette::ToolTipBase, button);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x7b, 0x72));
    p.setColor(QPalette::Link, QColor(0x58, 0xa6, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xbc, 0x8c, 0xff));
    p.setColor(QPalette::Highlight, QColor(0x1f, 0x6f, 0xeb));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, muted);
    // Fusion draws bevels, frames and the chart's grid with these.
    p.setColor(QPalette::Light, QColor(0x48, 0x4f, 0x58));
    p.setColor(QPalette::Midlight, QColor(0x3d, 0x44, 0x4d));
    p.setColor(QPalette::Mid, QColor(0x30, 0x36, 0x3d));
    p.setColor(QPalette::Dark, QColor(0x0d, 0x11, 0x17));
    p.setColor(QPalette::Shadow, QColor(0x01, 0x04, 0x09));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    p.setColor(QPalette::Disabled, QPalette::Button, window);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x30, 0x36, 0x3d));
    p.setColor(QPalette::Disabled, QPalette::HighlightedText, disabled);
    return p;
}

QPalette lightPalette()
{
    QPalette p = QApplication::style()->standardPalette();
    p.setColor(QPalette::Highlight, QColor(0x1f, 0x6f, 0xeb));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x09, 0x69, 0xda));
    p.setColor(QPalette::LinkVisited, QColor(0x82, 0x50, 0xdf));
    // The styles' own placeholder (half-transparent text) reads at less than 4.5:1 on white.
    p.setColor(QPalette::PlaceholderText, QColor(0x65, 0x6d, 0x76));
    return p;
}

void useStyle(const QString &name)
{
    if (QApplication::style()->name().compare(name, Qt::CaseInsensitive) == 0)
        return;
    if (QStyle *style = QStyleFactory::create(name))
        QApplication::setStyle(style);
}
} // namespace

QPalette themePalette(Theme theme)
{
    switch (theme) {
    case Theme::System: return native().palette;
    case Theme::Light: return lightPalette();
    case Theme::Dark: return darkPalette();
    }
    return native().palette;
}

void applyTheme(Theme theme)
{
    const Native &n = native(); // remembered before anything changes
    switch (theme) {
    case Theme::System:
    case Theme::Light:
        // The platform's own style (Windows, macOS, the desktop's on Linux), also after Dark switched to Fusion.
        useStyle(n.style);
        break;
    case Theme::Dark:
        // Fusion draws every control from the palette, so a dark palette looks right on every platform; the
        // native styles of Windows and macOS draw some controls in their own light colours.
        useStyle(QStringLiteral("Fusion"));
        break;
    }
    // After the style: setting a style resets the palette to its standard one.
    QApplication::setPalette(themePalette(theme));
}

QString themeName(Theme theme)
{
    switch (theme) {
    case Theme::System: return QApplication::translate("Theme", "System");
    case Theme::Light: return QApplication::translate("Theme", "Light");
    case Theme::Dark: return QApplication::translate("Theme", "Dark");
    }
    return {};
}

} // namespace obleth::ui
