// Window types of the spectrum engine and their textual names. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace vibra::dsp {

enum class WindowType { Rectangular, Hann, Hamming, BlackmanHarris, FlatTop };

// Accepts "rect", "rectangular", "boxcar", "hann", "hamming", "blackmanharris", "flattop" (case-insensitive;
// also "blackman-harris" and "flat-top"). Returns nullopt for anything else.
std::optional<WindowType> parseWindowType(std::string_view name);

// Canonical scipy name: "boxcar", "hann", "hamming", "blackmanharris", "flattop".
std::string_view windowTypeName(WindowType type);

} // namespace vibra::dsp
