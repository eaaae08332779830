#include "palettes.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace obleth::ui {

namespace {
QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x24, 0x29, 0x2f);
    const QColor base(0x16, 0x1b, 0x22);
    const QColor text(0xe6, 0xed, 0xf3);
    const QColor disabled(0x6e, 0x76, 0x81);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x7b, 0x72));
    p.setColor(QPalette::Link, QColor(0x58, 0xa6, 0xff));
    p.setColor(QPalette::Highlight, QColor(0x1f, 0x6f, 0xeb));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Mid, QColor(0x30, 0x36, 0x3d));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

QPalette lightPalette()
{
    QPalette p = QApplication::style()->standardPalette();
    p.setColor(QPalette::Highlight, QColor(0x1f, 0x6f, 0xeb));
    p.setColor(QPalette::Link, QColor(0x09, 0x69, 0xda));
    return p;
}
} // namespace

void applyTheme(Theme theme)
{
    switch (theme) {
    case Theme::System: QApplication::setPalette(QApplication::style()->standardPalette()); break;
    case Theme::Light: QApplication::setPalette(lightPalette()); break;
    case Theme::Dark:
        // Fusion draws every control from the palette, so a dark palette looks right on every platform.
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
        break;
    }
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
