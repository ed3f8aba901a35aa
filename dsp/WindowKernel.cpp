#include "dsp/WindowKernel.h"

#include "dsp/Window.h"

#include <cmath>
#include <numbers>

namespace vibra::dsp {

WindowKernel::WindowKernel(WindowType type, std::size_t n)
    : m_type(type)
    , m_n(n < 2 ? 2 : n) {
    const auto a = windowCoefficients(type);
    const double bigN = static_cast<double>(m_n);
    const auto k = static_cast<int>(a.size());
    m_norm = bigN * a[0];
    for (int m = -(k - 1); m < k; ++m) {
        const auto idx = static_cast<std::size_t>(m < 0 ? -m : m);
        const double c = m == 0 ? a[0] : (idx % 2 == 0 ? 0.5 : -0.5) * a[idx];
        const double phi = std::numbers::pi * m / bigN;
        m_m.push_back(m);
        m_c.push_back(std::polar(c, -phi));
        m_cosM.push_back(std::cos(phi));
        m_sinM.push_back(std::sin(phi));
    }
}

double WindowKernel::operator()(double nu) const {
    if (!std::isfinite(nu))
        return 0.0;
    const double bigN = static_cast<double>(m_n);
    // On an integer line m of the sum only its own term survives: |W(m)| = n |c_m|.
    const double nearest = std::round(nu);
    if (nu == nearest) {
        for (std::size_t i = 0; i < m_m.size(); ++i)
            if (static_cast<double>(m_m[i]) == nearest)
                return bigN * std::abs(m_c[i]) / m_norm;
        return 0.0;
    }
    // sin(pi (nu - m) / n) = sin(pi nu / n) cos(pi m / n) - cos(pi nu / n) sin(pi m / n); the term of the
    // nearest m directly (no cancellation when nu is close to it), and sin(pi nu) = +-sin(pi (nu - nearest)).
    const double pi = std::numbers::pi;
    const double r = nu - nearest;
    const double s = std::sin(pi * nu / bigN);
    const double c = std::cos(pi * nu / bigN);
    double re = 0;
    double im = 0;
    for (std::size_t i = 0; i < m_m.size(); ++i) {
        const double den =
            static_cast<double>(m_m[i]) == nearest ? std::sin(pi * r / bigN) : s * m_cosM[i] - c * m_sinM[i];
        re += m_c[i].real() / den;
        im += m_c[i].imag() / den;
    }
    const double sinPiNu = std::sin(pi * r); // sign irrelevant: magnitude only
    return std::abs(sinPiNu) * std::sqrt(re * re + im * im) / m_norm;
}

} // namespace vibra::dsp
