#include "appicon.h"

#include <QSize>
#include <QString>

namespace obleth::ui {

QList<int> appIconSizes()
{
    return {16, 22, 24, 32, 48, 64, 128, 256, 512};
}

QIcon appIcon()
{
    QIcon icon;
    for (const int size : appIconSizes())
        icon.addFile(QStringLiteral(":/obleth/icons/obleth-%1.png").arg(size), QSize(size, size));
    return icon;
}

} // namespace obleth::ui
