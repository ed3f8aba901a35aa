// Bearing defect frequencies (inner race rotating, outer race fixed), k = (d / D) cos(phi), fr = shaft Hz:
//   FTF = fr/2 (1 - k), BPFO = Z fr/2 (1 - k), BPFI = Z fr/2 (1 + k), BSF = D/(2d) fr (1 - k^2).
// Pure value type + function, thread-safe.
#pragma once

#include "dsp/BearingGeometry.h"

#include <optional>

namespace vibra::dsp {

struct BearingFrequencies {
    double shaftHz = 0;
    double ftfHz = 0;  // cage (fundamental train)
    double bpfoHz = 0; // ball pass, outer race
    double bpfiHz = 0; // ball pass, inner race
    double bsfHz = 0;  // ball spin (ball defects also show at 2 x BSF)

    // nullopt for invalid geometry or a non-positive/non-finite shaft speed.
    static std::optional<BearingFrequencies> compute(const BearingGeometry& g, double shaftHz);
};

} // namespace vibra::dsp
