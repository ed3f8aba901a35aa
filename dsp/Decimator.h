// Streaming multi-stage polyphase FIR decimator, integer factor 2..64, causal.
//
// Design (at construction, docs/dsp.md section "Decimation"): the factor is split into stages (4s first, then
// 2, then other primes, largest first), each a Kaiser-windowed-sinc low-pass whose pass band is the final
// band [0, passFraction * output Nyquist] and whose stop band starts at (stage output rate - final pass
// edge): every frequency that would fold into the final pass band is attenuated by >= attenuationDb (default
// 70 dB, target
// >= 60 dB), and the pass-band ripple stays far below 0.1 dB. Output m corresponds to input sample m *
// factor, delayed by groupDelayInputSamples() (linear phase, constant delay). Threading: single-threaded
// object (one per axis).
#pragma once

#include "dsp/FirDecimatorStage.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vibra::dsp {

struct DecimatorConfig {
    std::size_t factor = 4;    // 1..64 (1 = pass-through, for uniform pipelines)
    double passFraction = 0.8; // pass edge as a fraction of the output Nyquist
    double attenuationDb = 70; // design stop-band attenuation per stage

    static constexpr std::size_t kMaxFactor = 64;
};

class Decimator {
public:
    // Throws std::invalid_argument for a factor outside 1..64 or a pass fraction outside (0, 0.95].
    explicit Decimator(const DecimatorConfig& config);
    explicit Decimator(std::size_t factor);

    // Consumes all of `in`, appends the outputs to `out`; returns the number appended.
    std::size_t process(std::span<const float> in, std::vector<float>& out);
    // Allocation-free form: out.size() must be >= maxOutput(in.size()) (std::length_error otherwise).
    std::size_t process(std::span<const float> in, std::span<float> out);
    std::size_t maxOutput(std::size_t inputCount) const { return inputCount / m_config.factor + 1; }
    void reset();

    std::size_t factor() const { return m_config.factor; }
    const DecimatorConfig& config() const { return m_config; }
    // Group delay of the cascade: sum over stages of (L_i - 1) / 2 * (product of earlier factors).
    double groupDelayInputSamples() const;
    double groupDelayOutputSamples() const {
        return groupDelayInputSamples() / static_cast<double>(factor());
    }
    double groupDelaySeconds(double inputRate) const { return groupDelayInputSamples() / inputRate; }
    const std::vector<FirDecimatorStage>& stages() const { return m_stages; }
    // Non-finite input samples (NaN, Inf) replaced by 0 since construction (not cleared by reset()).
    std::uint64_t nonFiniteSamples() const {
        return m_stages.empty() ? m_passNonFinite : m_stages.front().nonFiniteSamples();
    }
    // Total multiply-adds per input sample (cost model for the bench and capacity planning).
    double macsPerInputSample() const;

    // Stage factors chosen for a total factor (exposed for tests and docs).
    static std::vector<std::size_t> stageFactors(std::size_t factor);

private:
    DecimatorConfig m_config;
    std::vector<FirDecimatorStage> m_stages;
    std::uint64_t m_passNonFinite = 0;         // factor 1
    std::vector<std::vector<float>> m_scratch; // per intermediate stage, bounded by the chunk size
};

} // namespace vibra::dsp
