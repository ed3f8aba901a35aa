// Streaming one-pass statistics (count, min, max, mean, central moments 2..4) in double precision.
// Each add(span) computes the block's own mean and central sums (two passes over the block while it is in
// cache) and merges them with the running state by the pairwise formulas of Chan et al. / Pebay (2008), which
// stay accurate with a large DC offset (gravity) and over long runs. merge() combines two disjoint runs.
//
// Threading: single-threaded object; copy or merge() to combine results from different threads.
#pragma once

#include "dsp/Moments.h"

#include <cstdint>
#include <span>

namespace vibra::dsp {

class MomentAccumulator {
public:
    void add(std::span<const float> x);
    void add(float x); // non-finite samples (NaN, Inf) are skipped and counted in Moments::nonFinite
    void reset();
    Moments result() const;
    // Combine with a disjoint run (order does not matter up to rounding).
    void merge(const MomentAccumulator& other);

    std::uint64_t count() const { return m_n; }

private:
    void addFiltered(std::span<const float> x);
    void mergeRaw(std::uint64_t nb, double meanB, double m2b, double m3b, double m4b, double minB,
                  double maxB);

    std::uint64_t m_n = 0;
    std::uint64_t m_nonFinite = 0;
    double m_mean = 0;
    double m_m2 = 0; // sum (x - mean)^2
    double m_m3 = 0;
    double m_m4 = 0;
    double m_min = 0;
    double m_max = 0;
};

} // namespace vibra::dsp
