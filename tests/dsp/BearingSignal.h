// Simulated rolling-element bearing vibration for the verdict tests (header-only; tests link vibra_dsp only,
// so this is an independent model, not backend/io/SimSignalGenerator).
//
//   x(t) = shaft 1x, 2x, 3x tones + impacts * resonance + Gaussian noise
// Impacts (faulty bearings): a renewal process at the defect rate fd (1 + slip): successive intervals
// T_i = T (1 + jitter * N(0,1)) (random slip of the rolling elements, Randall & Antoni 2011), each an impulse
// of amplitude a_i exciting a damped resonance (two-pole resonator: a ring-down at resonanceHz with damping
// ratio `damping`). Outer race: a_i = 1 (+-10 % random). Inner race: the defect passes through the load
// zone once per shaft turn: a_i = (1 + modulation cos(2 pi fr t_i + phi)) / (1 + modulation) (+-10 %).
// Healthy machines: no periodic impacts; optionally random (Poisson) impacts at a mean rate (rubbing,
// cavitation) and noise amplitude-modulated at the shaft rate (unbalance), both impulsive or modulated but
// not at a defect rate.
// SNR: 20 log10(RMS of the impact component / noise RMS), broadband.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace vibra::dsp::test {

struct BearingSignalConfig {
    enum class Fault { None, OuterRace, InnerRace };
    double fs = 16000;
    double seconds = 10;
    double shaftHz = 30;
    Fault fault = Fault::None;
    double defectHz = 0; // kinematic (expected) defect frequency
    double slip = 0;     // actual rate = defectHz (1 + slip)
    double jitter = 0.015;
    double resonanceHz = 3000;
    double damping = 0.05;
    double modulation = 0.8;      // inner race load-zone modulation depth
    double snrDb = 0;             // impact component over noise (faulty); ignored when healthy
    double noiseRms = 0.05;       // healthy: the noise; faulty: derived from snrDb
    double shaftAmplitude = 0.05; // 1x 0-pk; 2x half, 3x a quarter of it
    double randomImpactRate = 0;  // healthy: Poisson impacts per second (0 = none)
    double noiseModulation = 0;   // healthy: noise x (1 + m cos(2 pi fr t))
    std::uint64_t seed = 1;
};

struct BearingSignal {
    std::vector<float> samples;
    double actualDefectHz = 0; // mean impact rate actually simulated (0 when healthy)
    double impactRms = 0;
    double noiseRms = 0;
};

inline BearingSignal makeBearingSignal(const BearingSignalConfig& c) {
    const double pi = std::numbers::pi;
    const auto n = static_cast<std::size_t>(c.fs * c.seconds);
    std::mt19937_64 rng(c.seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    BearingSignal out;

    // Impulse train.
    std::vector<double> impulses(n, 0.0);
    const double phi = 2 * pi * uniform(rng);
    if (c.fault != BearingSignalConfig::Fault::None) {
        const double rate = c.defectHz * (1 + c.slip);
        const double period = 1.0 / rate;
        double t = period * uniform(rng);
        std::size_t count = 0;
        while (t < c.seconds) {
            double a = 1.0 + 0.1 * (2 * uniform(rng) - 1);
            if (c.fault == BearingSignalConfig::Fault::InnerRace)
                a *= (1 + c.modulation * std::cos(2 * pi * c.shaftHz * t + phi)) / (1 + c.modulation);
            const auto i = static_cast<std::size_t>(std::llround(t * c.fs));
            if (i < n)
                impulses[i] += a;
            ++count;
            t += period * (1 + c.jitter * normal(rng));
        }
        out.actualDefectHz = rate;
        (void)count;
    } else if (c.randomImpactRate > 0) {
        std::exponential_distribution<double> gap(c.randomImpactRate);
        for (double t = gap(rng); t < c.seconds; t += gap(rng)) {
            const auto i = static_cast<std::size_t>(std::llround(t * c.fs));
            if (i < n)
                impulses[i] += 0.5 + uniform(rng);
        }
    }
    // Two-pole resonator: unit impulse -> r^k sin(wd (k + 1)) (peak ~1).
    const double wn = 2 * pi * c.resonanceHz / c.fs;
    const double wd = wn * std::sqrt(1 - c.damping * c.damping);
    const double r = std::exp(-c.damping * wn);
    const double b = std::sin(wd);
    std::vector<double> ring(n, 0.0);
    double y1 = 0, y2 = 0;
    double sumSq = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double y = 2 * r * std::cos(wd) * y1 - r * r * y2 + b * impulses[i];
        y2 = y1;
        y1 = y;
        ring[i] = y;
        sumSq += y * y;
    }
    out.impactRms = std::sqrt(sumSq / static_cast<double>(n));
    const bool faulty = c.fault != BearingSignalConfig::Fault::None;
    const double sigma = faulty ? out.impactRms / std::pow(10.0, c.snrDb / 20) : c.noiseRms;
    out.noiseRms = sigma;

    out.samples.resize(n);
    const double ph1 = 2 * pi * uniform(rng), ph2 = 2 * pi * uniform(rng), ph3 = 2 * pi * uniform(rng);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / c.fs;
        const double w = 2 * pi * c.shaftHz * t;
        double v = c.shaftAmplitude *
                   (std::sin(w + ph1) + 0.5 * std::sin(2 * w + ph2) + 0.25 * std::sin(3 * w + ph3));
        double noise = sigma * normal(rng);
        if (c.noiseModulation > 0)
            noise *= 1 + c.noiseModulation * std::cos(w + phi);
        v += ring[i] + noise;
        out.samples[i] = static_cast<float>(v);
    }
    return out;
}

} // namespace vibra::dsp::test
