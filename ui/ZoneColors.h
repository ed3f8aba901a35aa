#pragma once

#include "dsp/SeverityZone.h"

#include <QColor>

namespace vibra::ui {

/// Colour of a severity zone (A green, B yellow-green, C orange, D red), shared by every view.
inline QColor zoneColor(dsp::SeverityZone z) {
    switch (z) {
    case dsp::SeverityZone::A:
        return QColor(0x2C, 0xA0, 0x2C);
    case dsp::SeverityZone::B:
        return QColor(0xA6, 0xC8, 0x30);
    case dsp::SeverityZone::C:
        return QColor(0xF0, 0x9A, 0x20);
    case dsp::SeverityZone::D:
        return QColor(0xD6, 0x27, 0x28);
    case dsp::SeverityZone::Unknown:
        break;
    }
    return QColor(0x99, 0x99, 0x99);
}

} // namespace vibra::ui
