// FFT implementation selector. FFTW (float) is the fast default, KissFFT (float) the permissive fallback.
#pragma once

#include <optional>
#include <string_view>

namespace vibra::dsp {

enum class FftBackend { Fftw, Kiss };

// "fftw" / "kiss" (also "kissfft"), case-sensitive lower case. nullopt otherwise.
inline std::optional<FftBackend> parseFftBackend(std::string_view name) {
    if (name == "fftw")
        return FftBackend::Fftw;
    if (name == "kiss" || name == "kissfft")
        return FftBackend::Kiss;
    return std::nullopt;
}

inline std::string_view fftBackendName(FftBackend b) {
    return b == FftBackend::Fftw ? "fftw" : "kiss";
}

} // namespace vibra::dsp
