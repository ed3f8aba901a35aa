#pragma once

#include "LoadOptions.h"

#include <array>
#include <cstdint>
#include <vector>

namespace vibra::loadgen {

/// Cheap deterministic test signals for many devices. The tables are built once and shared read-only
/// (any thread); a device's samples are a pure function of (device parameters, sample index), so a frame
/// resent after a reconnect is byte-identical to the first copy without keeping it in memory.
///
///  - Sine: kVariants pre-rendered tri-axial tables of kPeriod samples, each an integer number of sine
///    cycles (20...1000 Hz at 16 kHz: frequency scales with the rate) per axis with amplitudes
///    0.5/0.3/0.2 g, 1 g gravity on z and small noise (+-0.004 g) baked in. A device reads one variant
///    from its own phase offset, so generating a frame is a copy.
///  - Ramp: the exact test pattern of tools/vibra_send.py, raw(i, a) = ((i*7 + a*1000) % 2000) - 1000,
///    which a receiver can check value by value.
///
/// Values are int16 counts with scale 1/16384 g (kScale).
class SignalTable {
public:
    static constexpr float kScale = 1.0f / 16384.0f;
    static constexpr std::size_t kPeriod = 65536; ///< samples per table (4.1 s at 16 kHz)
    static constexpr int kVariants = 16;

    struct Device {
        int variant = 0;
        std::uint32_t offset = 0; ///< phase: start index in the table
    };

    explicit SignalTable(std::uint64_t seed);

    /// Parameters of device index (deterministic from the seed).
    Device device(int index) const;
    /// Writes count samples x axes interleaved int16 counts, starting at sample index first.
    void fill(const Device& dev, SignalKind kind, std::uint64_t first, int count, int axes,
              std::int16_t* out) const;
    /// Cycles of variant v per kPeriod samples on axis a (tests check the spectrum).
    static int cycles(int variant, int axis);
    /// The ramp pattern value (also used by tests).
    static std::int16_t rampValue(std::uint64_t i, int axis) {
        return static_cast<std::int16_t>(
            static_cast<std::int64_t>((i * 7 + std::uint64_t(axis) * 1000) % 2000) - 1000);
    }

private:
    std::uint64_t m_seed;
    std::vector<std::int16_t> m_tables; ///< kVariants x kPeriod x 3, interleaved
};

/// splitmix64: a small seeded generator for parameters, noise and mask keys (not for cryptography).
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed)
        : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t m_state;
};

} // namespace vibra::loadgen
