#pragma once

#include <optional>
#include <string_view>

namespace vibra::core {

/// Physical unit of acceleration samples.
enum class Unit { G, MetersPerSecond2 };

inline constexpr double kStandardGravity = 9.80665; // m/s² per g (exact, CGPM 1901)

/// Short ASCII name used in URIs, CSV column names and the database ("g", "m/s2").
constexpr std::string_view unitName(Unit u) {
    return u == Unit::G ? "g" : "m/s2";
}
/// Name safe for column identifiers ("g", "mps2").
constexpr std::string_view unitColumnSuffix(Unit u) {
    return u == Unit::G ? "g" : "mps2";
}
/// Factor that converts a value in unit u to m/s².
constexpr double toMetersPerSecond2(Unit u) {
    return u == Unit::G ? kStandardGravity : 1.0;
}

/// Parses "g", "m/s2", "ms2", "m/s^2", "mps2". Returns nullopt for anything else.
inline std::optional<Unit> parseUnit(std::string_view s) {
    if (s == "g" || s == "G")
        return Unit::G;
    if (s == "m/s2" || s == "ms2" || s == "m/s^2" || s == "mps2" || s == "m/s²")
        return Unit::MetersPerSecond2;
    return std::nullopt;
}

} // namespace vibra::core
