#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <optional>

namespace vibra::ui {

/// What two time cursors read on one axis of a snapshot. Times are seconds relative to the newest sample
/// (<= 0). When the snapshot's raw window covers both cursors the reading is exact (sample values, and the
/// RMS and mean over every sample between them, inclusive); otherwise it comes from the min/max envelope:
/// the values are the envelope bucket's [min, max] and no RMS is given (an envelope cannot yield one).
struct CursorReading {
    bool exact = false;
    double t1 = 0, t2 = 0;     ///< snapped to the sample (exact) or bucket (envelope) used
    double v1 = 0, v2 = 0;     ///< exact values, or the bucket midpoints
    double min1 = 0, max1 = 0; ///< envelope bucket range at t1 (== v1 when exact)
    double min2 = 0, max2 = 0;
    double rms = 0;  ///< AC RMS sqrt(mean((x - mean)^2)) between the cursors (exact only)
    double mean = 0; ///< mean between the cursors (exact only)
    std::size_t samples = 0;

    /// Pure function; nullopt when the axis does not exist or the snapshot holds no data.
    static std::optional<CursorReading> read(const pipeline::DeviceSnapshot& s, int axis, double t1,
                                             double t2);
};

} // namespace vibra::ui
