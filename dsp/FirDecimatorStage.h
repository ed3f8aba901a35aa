// One causal polyphase FIR decimation stage: y[m] = sum_k h[k] x[m q - k] (scipy upfirdn(h, x, down=q)),
// with x[n < 0] = 0. Only every q-th output is computed (polyphase), each as one contiguous dot product.
//
// Determinism: the dot product uses kLanes fixed partial sums combined in a fixed order, so the result of
// every output is independent of block boundaries and buffer alignment (bit-identical streaming) while still
// vectorising (#pragma omp simd over the lanes, no reassociation needed).
// Threading: single-threaded object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vibra::dsp {

class FirDecimatorStage {
public:
    static constexpr std::size_t kLanes = 16;
    static constexpr std::size_t kChunk =
        4096; // input samples processed per inner pass (bounded work buffer)

    FirDecimatorStage(std::vector<double> taps, std::size_t factor);

    // Consumes all of `in`; writes floor-style outputs to `out` (needs out.size() >= maxOutput(in.size())).
    // Returns the number of outputs written.
    std::size_t process(std::span<const float> in, std::span<float> out);
    // Upper bound of outputs produced by process() for `inputCount` samples.
    std::size_t maxOutput(std::size_t inputCount) const { return inputCount / m_factor + 1; }
    void reset();

    std::size_t factor() const { return m_factor; }
    std::size_t length() const { return m_taps.size(); }
    const std::vector<double>& taps() const { return m_taps; }
    // Group delay in input samples of this stage: (L - 1) / 2.
    double delay() const { return static_cast<double>(m_taps.size() - 1) / 2.0; }
    // Non-finite input samples replaced by 0 since construction (not cleared by reset()).
    std::uint64_t nonFiniteSamples() const { return m_nonFinite; }

private:
    std::vector<double> m_taps; // design taps (double)
    std::size_t m_factor;
    std::size_t m_padded;      // length rounded up to kLanes
    std::vector<float> m_rev;  // reversed taps, zero-padded in front to m_padded
    std::vector<float> m_work; // history (m_padded - 1) followed by up to kChunk new samples
    std::uint64_t m_nonFinite = 0;
    std::size_t m_skip = 0; // input samples to consume before the next output position
};

} // namespace vibra::dsp
