#include "dsp/Window.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

namespace vibra::dsp {

namespace {

constexpr std::array<double, 1> kRectangular{1.0};
constexpr std::array<double, 2> kHann{0.5, 0.5};
constexpr std::array<double, 2> kHamming{0.54, 0.46};
constexpr std::array<double, 4> kBlackmanHarris{0.35875, 0.48829, 0.14128, 0.01168};
// scipy.signal.windows.flattop coefficients.
constexpr std::array<double, 5> kFlatTop{0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368};

// scipy general_cosine with alternating signs: w[n] = sum_k (-1)^k a_k cos(2 pi k n / N) (periodic form).
template <std::size_t K> std::vector<float> generalCosine(const std::array<double, K>& a, std::size_t n) {
    std::vector<float> w(n);
    const double step = 2.0 * std::numbers::pi / static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        double v = 0;
        double sign = 1;
        for (std::size_t k = 0; k < K; ++k) {
            v += sign * a[k] * std::cos(step * static_cast<double>(k) * static_cast<double>(i));
            sign = -sign;
        }
        w[i] = static_cast<float>(v);
    }
    return w;
}

} // namespace

std::vector<float> makeWindow(WindowType type, std::size_t n) {
    if (n == 0)
        return {};
    switch (type) {
    case WindowType::Rectangular:
        return std::vector<float>(n, 1.0f);
    case WindowType::Hann:
        return generalCosine(kHann, n);
    case WindowType::Hamming:
        return generalCosine(kHamming, n);
    case WindowType::BlackmanHarris:
        return generalCosine(kBlackmanHarris, n);
    case WindowType::FlatTop:
        return generalCosine(kFlatTop, n);
    }
    return std::vector<float>(n, 1.0f);
}

WindowSums windowSums(const std::vector<float>& w) {
    WindowSums s;
    for (float v : w) {
        s.s1 += v;
        s.s2 += static_cast<double>(v) * v;
    }
    return s;
}

std::span<const double> windowCoefficients(WindowType type) {
    switch (type) {
    case WindowType::Rectangular:
        return kRectangular;
    case WindowType::Hann:
        return kHann;
    case WindowType::Hamming:
        return kHamming;
    case WindowType::BlackmanHarris:
        return kBlackmanHarris;
    case WindowType::FlatTop:
        return kFlatTop;
    }
    return kRectangular;
}

std::size_t mainLobeHalfWidth(WindowType type) {
    return windowCoefficients(type).size();
}

std::optional<WindowType> parseWindowType(std::string_view name) {
    std::string lower;
    for (char c : name) {
        if (c == '-' || c == '_' || c == ' ')
            continue;
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (lower == "rect" || lower == "rectangular" || lower == "boxcar")
        return WindowType::Rectangular;
    if (lower == "hann" || lower == "hanning")
        return WindowType::Hann;
    if (lower == "hamming")
        return WindowType::Hamming;
    if (lower == "blackmanharris")
        return WindowType::BlackmanHarris;
    if (lower == "flattop")
        return WindowType::FlatTop;
    return std::nullopt;
}

std::string_view windowTypeName(WindowType type) {
    switch (type) {
    case WindowType::Rectangular:
        return "boxcar";
    case WindowType::Hann:
        return "hann";
    case WindowType::Hamming:
        return "hamming";
    case WindowType::BlackmanHarris:
        return "blackmanharris";
    case WindowType::FlatTop:
        return "flattop";
    }
    return "boxcar";
}

} // namespace vibra::dsp
