#include "io/SimSignalGenerator.h"

#include <cmath>
#include <numbers>

namespace vibra::io {

namespace {
constexpr double kTwoPi = 2.0 * std::numbers::pi;

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// sin(2π f n / fs) with the phase reduced in double precision first (stays exact for long runs).
double tone(double f, std::uint64_t n, double fs) {
    const double cycles = f * static_cast<double>(n) / fs;
    return std::sin(kTwoPi * (cycles - std::floor(cycles)));
}
} // namespace

SimSignalGenerator::SimSignalGenerator(const Config& config)
    : m_config(config) {
    for (int a = 0; a < kMaxAxes; ++a)
        m_rng[a] = config.seed * 0x100000001B3ULL + static_cast<std::uint64_t>(a) * 0x9E3779B97F4A7C15ULL + 1;
}

bool SimSignalGenerator::parseProfile(std::string_view name, Profile* out) {
    if (name == "sine")
        *out = Profile::Sine;
    else if (name == "machine")
        *out = Profile::Machine;
    else if (name == "bearing")
        *out = Profile::Bearing;
    else
        return false;
    return true;
}

std::string_view SimSignalGenerator::profileName(Profile p) {
    switch (p) {
    case Profile::Sine:
        return "sine";
    case Profile::Machine:
        return "machine";
    case Profile::Bearing:
        return "bearing";
    }
    return {};
}

double SimSignalGenerator::gaussian(int axis) {
    if (m_hasSpare[axis]) {
        m_hasSpare[axis] = false;
        return m_spare[axis];
    }
    // Box-Muller on two uniforms in (0, 1]
    const double u1 = (static_cast<double>(splitmix64(m_rng[axis]) >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(splitmix64(m_rng[axis]) >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    m_spare[axis] = r * std::sin(kTwoPi * u2);
    m_hasSpare[axis] = true;
    return r * std::cos(kTwoPi * u2);
}

double SimSignalGenerator::ringdown(double t) const {
    const auto& c = m_config;
    const double period = 1.0 / c.defectHz;
    const double wn = kTwoPi * c.resonanceHz;
    const double wd = wn * std::sqrt(1.0 - c.damping * c.damping);
    const double decay = c.damping * wn;
    // Impacts at k * period; sum the ring-downs still above ~1e-7 of their start.
    const double horizon = 16.0 / decay;
    double sum = 0.0;
    double k = std::floor(t / period);
    for (; k >= 0.0; k -= 1.0) {
        const double dt = t - k * period;
        if (dt > horizon)
            break;
        sum += std::exp(-decay * dt) * std::sin(wd * dt);
    }
    return c.impactAmplitude * sum;
}

void SimSignalGenerator::generate(std::uint64_t firstSample, std::uint32_t count, std::span<float> out) {
    const auto& c = m_config;
    const int axes = c.axes;
    const double fs = c.sampleRate;
    m_next = firstSample + count;
    for (int a = 0; a < axes; ++a) {
        float* dst = out.data() + static_cast<std::size_t>(a) * count;
        const double gravity = (c.profile != Profile::Sine && axes == 3 && a == 2) ? c.gravity : 0.0;
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::uint64_t n = firstSample + i;
            double v = c.offset[a] + gravity;
            switch (c.profile) {
            case Profile::Sine:
                v += c.amplitude[a] * tone(c.frequency[a], n, fs);
                break;
            case Profile::Bearing:
                v += ringdown(static_cast<double>(n) / fs);
                [[fallthrough]];
            case Profile::Machine:
                v += c.shaftAmplitude[a] *
                     (tone(c.shaftHz, n, fs) + c.harmonicRatio[0] * tone(2 * c.shaftHz, n, fs) +
                      c.harmonicRatio[1] * tone(3 * c.shaftHz, n, fs));
                break;
            }
            if (c.noiseRms > 0.0)
                v += c.noiseRms * gaussian(a);
            dst[i] = static_cast<float>(v * c.unitScale);
        }
    }
}

} // namespace vibra::io
