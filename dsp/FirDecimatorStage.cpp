#include "dsp/FirDecimatorStage.h"

#include "dsp/SampleSanitizer.h"

#include <algorithm>
#include <stdexcept>

namespace vibra::dsp {

FirDecimatorStage::FirDecimatorStage(std::vector<double> taps, std::size_t factor)
    : m_taps(std::move(taps))
    , m_factor(factor) {
    if (m_taps.empty() || factor == 0)
        throw std::invalid_argument("FIR stage needs taps and a factor >= 1");
    m_padded = (m_taps.size() + kLanes - 1) / kLanes * kLanes;
    // rev[j] multiplies x[n - (padded - 1) + j]; x[n - k] pairs with h[k] -> rev[padded - 1 - k] = h[k].
    m_rev.assign(m_padded, 0.0f);
    for (std::size_t k = 0; k < m_taps.size(); ++k)
        m_rev[m_padded - 1 - k] = static_cast<float>(m_taps[k]);
    m_work.assign(m_padded - 1 + kChunk, 0.0f);
}

void FirDecimatorStage::reset() {
    std::fill(m_work.begin(), m_work.end(), 0.0f);
    m_skip = 0;
}

std::size_t FirDecimatorStage::process(std::span<const float> in, std::span<float> out) {
    const std::size_t hist = m_padded - 1;
    const float* rev = m_rev.data();
    std::size_t produced = 0;
    std::size_t pos = 0;
    while (pos < in.size()) {
        const std::size_t chunk = std::min(kChunk, in.size() - pos);
        float* work = m_work.data();
        m_nonFinite += copySanitized(in.data() + pos, chunk, work + hist);
        // Output positions: new sample index i (0-based in chunk) with i >= m_skip, stepping by factor.
        std::size_t i = m_skip;
        for (; i < chunk; i += m_factor) {
            const float* x = work + i; // x[0..padded) ends at new sample i (index hist + i)
            float acc[kLanes] = {};
            for (std::size_t b = 0; b < m_padded; b += kLanes) {
#pragma omp simd
                for (std::size_t l = 0; l < kLanes; ++l)
                    acc[l] += rev[b + l] * x[b + l];
            }
            // Fixed-order pairwise combination.
            for (std::size_t w = kLanes / 2; w > 0; w /= 2)
                for (std::size_t l = 0; l < w; ++l)
                    acc[l] += acc[l + w];
            out[produced++] = acc[0];
        }
        m_skip = i - chunk;
        // Keep the last `hist` samples (of history + chunk) as the new history.
        std::copy(work + chunk, work + chunk + hist, work);
        pos += chunk;
    }
    return produced;
}

} // namespace vibra::dsp
