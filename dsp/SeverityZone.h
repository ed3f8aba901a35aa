// Vibration severity zones (ISO 10816 / 20816 convention): A new machine, B unrestricted long-term operation,
// C limited period only, D damage likely. Unknown for a missing or invalid measurement.
#pragma once

#include <string_view>

namespace vibra::dsp {

enum class SeverityZone { A, B, C, D, Unknown };

inline std::string_view severityZoneName(SeverityZone z) {
    switch (z) {
    case SeverityZone::A:
        return "A";
    case SeverityZone::B:
        return "B";
    case SeverityZone::C:
        return "C";
    case SeverityZone::D:
        return "D";
    case SeverityZone::Unknown:
        break;
    }
    return "?";
}

} // namespace vibra::dsp
