// libFuzzer target: TimestampIndexer / RateTracker on arbitrary time stamps (and optional index column):
// warm-up, holds, gaps, rate changes, clock rebases.
// Invariants: no crash/UB; placed indices strictly increase; every sample is placed, a duplicate or counted
// unplaced once the input ends; estimated rates are finite and not negative.
#include "decode/TimestampIndexer.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace vibra::decode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    TimestampIndexer::Config cfg;
    cfg.rateHz = (data[0] & 1) ? 500.0 : 0.0;
    cfg.dropNonAdvancing = data[0] & 2;
    cfg.warmupMaxSamples = 8 + (data[0] >> 4);
    const bool indexed = data[0] & 4;
    TimestampIndexer ix(cfg);
    std::vector<TimestampIndexer::Placed> out;
    std::size_t added = 0;
    double t = 0.0;
    for (std::size_t pos = 1; pos + 2 <= size; pos += 2) {
        // each pair of bytes: a time step in units of 0.1 ms (signed), the index step from the low bits
        std::int16_t step;
        std::memcpy(&step, data + pos, 2);
        t += step * 1e-4;
        TimestampIndexer::Sample s;
        s.time = t;
        s.index = indexed ? static_cast<std::int64_t>(added) + (step & 3) - 1 : -1;
        if (s.index < -1)
            s.index = 0;
        ix.add(s, out);
        ++added;
    }
    ix.finish(out);
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].index <= out[i - 1].index)
            std::abort();
    if (ix.started() && (out.size() + ix.stats().duplicates + ix.stats().unplaced != added))
        std::abort();
    const double r = ix.estimatedRateHz();
    if (!std::isfinite(r) || r < 0 || !std::isfinite(ix.jitterSeconds()))
        std::abort();
    return 0;
}
