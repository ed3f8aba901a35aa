#pragma once

#include "dsp/Moments.h"

#include <cstdint>
#include <optional>

namespace vibra::storage {

/// Statistics of one axis over one bucket, as stored in the rollup tables, with the exact merge of two
/// disjoint runs (count, min, max, mean, AC RMS; peak = max |x - mean| follows exactly from min, max and
/// the merged mean). Kurtosis cannot be merged without the third moment: coarser levels keep the
/// sample-weighted mean of the finer values. velocityRms merges as an RMS (weighted by samples), zone as
/// the worst zone. Plain value type.
struct RollupStats {
    std::uint64_t n = 0;
    double min = 0, max = 0, mean = 0, rms = 0, peak = 0, crest = 0, kurtosis = 0;
    std::optional<double> velocityRms; ///< mm/s, when the DSP provided it
    std::uint64_t velocityN = 0;       ///< samples covered by velocityRms (its merge weight); a row read back
                                       ///< from a table assumes n
    std::optional<int> zone;           ///< severity zone 0..3 (A..D), when evaluated
    std::uint64_t gaps = 0;

    static RollupStats fromMoments(const dsp::Moments& m, std::uint64_t gaps);
    /// The statistics of the union of the two runs a and b (either may be empty).
    static RollupStats merge(const RollupStats& a, const RollupStats& b);
};

} // namespace vibra::storage
