#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace vibra::io {

/// Deterministic accelerometer signal for the built-in simulator. Plain C++ (no Qt), so tests and
/// benchmarks know the truth exactly.
///
/// Output depends only on the configuration and the absolute sample index: tones are evaluated from
/// n / rate, and the noise of each axis is one sequential stream seeded from (seed, axis), so any split of
/// the stream into blocks yields bit-identical samples.
///
/// Threads: one owner thread (the simulator's I/O thread); not shareable.
class SimSignalGenerator {
public:
    enum class Profile { Sine, Machine, Bearing };
    static constexpr int kMaxAxes = 3;

    struct Config {
        double sampleRate = 16000.0;
        int axes = 3;
        Profile profile = Profile::Machine;
        std::uint64_t seed = 1;
        // sine: one tone per axis, 0-pk amplitude in the output unit
        std::array<double, kMaxAxes> frequency{100.0, 200.0, 300.0};
        std::array<double, kMaxAxes> amplitude{1.0, 0.5, 0.25};
        std::array<double, kMaxAxes> offset{0.0, 0.0, 0.0}; ///< constant added per axis
        double noiseRms = 0.0;                              ///< white Gaussian noise, RMS per axis
        // machine: shaft 1x with 2x and 3x harmonics, broadband noise, gravity on the last axis of 3
        double shaftHz = 29.5;
        std::array<double, kMaxAxes> shaftAmplitude{0.05, 0.04,
                                                    0.03}; ///< 1x 0-pk per axis (about 2 mm/s: zone B)
        std::array<double, 2> harmonicRatio{0.5, 0.25};    ///< 2x and 3x relative to 1x
        double gravity = 1.0; ///< added to z (axis 2) when axes == 3, in the output unit
        // bearing: machine + periodic impacts exciting a damped resonance
        double defectHz = 105.75;     ///< impact rate (default: BPFO of a 6205 at 29.5 Hz shaft)
        double resonanceHz = 3000.0;  ///< natural frequency of the excited structure
        double damping = 0.05;        ///< damping ratio of the resonance
        double impactAmplitude = 0.8; ///< initial 0-pk of each ring-down
        double unitScale = 1.0;       ///< multiplies everything (1 for g, 9.80665 for m/s²)
    };

    explicit SimSignalGenerator(const Config& config);

    const Config& config() const { return m_config; }
    /// Fills out (planar, axes x count) with samples firstSample .. firstSample+count-1. Calls must be
    /// sequential (firstSample = previous firstSample + previous count) because noise is a stream.
    void generate(std::uint64_t firstSample, std::uint32_t count, std::span<float> out);
    /// Next sample index generate() expects.
    std::uint64_t nextSample() const { return m_next; }
    /// Skips ahead (a paced source that fell behind): the next generate() starts at index.
    void skipTo(std::uint64_t index) { m_next = index; }

    static bool parseProfile(std::string_view name, Profile* out);
    static std::string_view profileName(Profile p);

private:
    double gaussian(int axis);
    double ringdown(double t) const; ///< bearing impacts at time t (s)

    Config m_config;
    std::uint64_t m_next = 0;
    std::array<std::uint64_t, kMaxAxes> m_rng{}; ///< splitmix64 state per axis
    std::array<double, kMaxAxes> m_spare{};      ///< Box-Muller second value
    std::array<bool, kMaxAxes> m_hasSpare{};
};

} // namespace vibra::io
