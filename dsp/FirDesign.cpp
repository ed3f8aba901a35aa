#include "dsp/FirDesign.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace vibra::dsp {

namespace {

// Modified Bessel function of the first kind, order 0, by its power series (converges for all x).
double besselI0(double x) {
    double sum = 1.0;
    double term = 1.0;
    const double q = x * x / 4.0;
    for (int k = 1; k < 500; ++k) {
        term *= q / (static_cast<double>(k) * static_cast<double>(k));
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}

} // namespace

double kaiserBeta(double a) {
    if (a > 50)
        return 0.1102 * (a - 8.7);
    if (a > 21)
        return 0.5842 * std::pow(a - 21, 0.4) + 0.07886 * (a - 21);
    return 0.0;
}

std::size_t kaiserTaps(double a, double width) {
    if (!(width > 0))
        throw std::invalid_argument("transition width must be positive");
    const double n = (a - 7.95) / (2.285 * 2.0 * std::numbers::pi * width) + 1.0;
    auto taps = static_cast<std::size_t>(std::ceil(n));
    if (taps % 2 == 0)
        ++taps;
    return std::max<std::size_t>(taps, 3);
}

std::vector<double> kaiserWindow(std::size_t n, double beta) {
    std::vector<double> w(n, 1.0);
    if (n < 2)
        return w;
    const double alpha = static_cast<double>(n - 1) / 2.0;
    const double denom = besselI0(beta);
    for (std::size_t i = 0; i < n; ++i) {
        const double r = (static_cast<double>(i) - alpha) / alpha;
        w[i] = besselI0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / denom;
    }
    return w;
}

std::vector<double> designLowpass(std::size_t numTaps, double cutoff, double beta) {
    if (numTaps == 0 || !(cutoff > 0 && cutoff < 0.5))
        throw std::invalid_argument("invalid low-pass design");
    const auto w = kaiserWindow(numTaps, beta);
    std::vector<double> h(numTaps);
    const double alpha = static_cast<double>(numTaps - 1) / 2.0;
    double sum = 0;
    for (std::size_t i = 0; i < numTaps; ++i) {
        const double m = static_cast<double>(i) - alpha;
        const double x = 2.0 * cutoff * m;
        const double sinc = x == 0.0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
        h[i] = 2.0 * cutoff * sinc * w[i];
        sum += h[i];
    }
    for (double& v : h)
        v /= sum; // unit gain at DC (scipy firwin scale=True for a low-pass)
    return h;
}

std::vector<double> designLowpass(const KaiserSpec& s) {
    if (!(s.passEdge > 0 && s.stopEdge > s.passEdge && s.stopEdge <= 0.5))
        throw std::invalid_argument("invalid low-pass band edges");
    const std::size_t taps = kaiserTaps(s.attenuationDb, s.stopEdge - s.passEdge);
    return designLowpass(taps, 0.5 * (s.passEdge + s.stopEdge), kaiserBeta(s.attenuationDb));
}

} // namespace vibra::dsp
