#pragma once

#include <QColor>

namespace vibra::ui {

/// Colour of axis a (x, y, z ...), shared by every view.
inline QColor axisColor(int a) {
    static const QColor kColors[] = {QColor(0xD6, 0x27, 0x28), QColor(0x2C, 0xA0, 0x2C),
                                     QColor(0x1F, 0x77, 0xB4), QColor(0x94, 0x67, 0xBD)};
    return kColors[a % 4];
}

} // namespace vibra::ui
