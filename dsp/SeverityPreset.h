// One row of the severity table: zone boundaries (velocity RMS, mm/s) for one machine group / support /
// class, plus the measurement band the boundaries assume. Plain value type.
#pragma once

#include "dsp/SeverityZone.h"

#include <cmath>
#include <string>

namespace vibra::dsp {

struct SeverityPreset {
    std::string id;          // e.g. "iso10816-3/group1/rigid"
    std::string description; // human readable
    double abMmS = 0;        // A/B boundary
    double bcMmS = 0;        // B/C boundary
    double cdMmS = 0;        // C/D boundary
    double bandLowHz = 10;   // velocity band the limits refer to
    double bandHighHz = 1000;
    std::string source; // where the numbers come from

    bool valid() const {
        return abMmS > 0 && bcMmS > abMmS && cdMmS > bcMmS && std::isfinite(cdMmS) && bandLowHz >= 0 &&
               bandHighHz > bandLowHz;
    }
    // A value equal to a boundary belongs to the lower zone. NaN or negative -> Unknown.
    SeverityZone classify(double velocityRmsMmS) const {
        if (!(velocityRmsMmS >= 0) || !std::isfinite(velocityRmsMmS))
            return SeverityZone::Unknown;
        if (velocityRmsMmS <= abMmS)
            return SeverityZone::A;
        if (velocityRmsMmS <= bcMmS)
            return SeverityZone::B;
        if (velocityRmsMmS <= cdMmS)
            return SeverityZone::C;
        return SeverityZone::D;
    }
};

} // namespace vibra::dsp
