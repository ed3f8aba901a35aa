// Parameters of the bearing-defect verdict (BearingVerdict.h, docs/dsp.md section 9). Plain value type.
#pragma once

#include <cstddef>

namespace vibra::dsp {

struct DefectRule {
    // Fundamental: searched within expected * (1 +- toleranceFraction) (slip), at least +-1 line.
    double toleranceFraction = 0.02;
    // It must stand marginDb above the local floor (tone power over the mean noise power in one line).
    double marginDb = 8.0;
    // Harmonics 2x .. harmonicCount x of the measured fundamental, and (BPFI) the sidebands at
    // fundamental -+ shaft rate, are searched within +-confirmToleranceFraction (at least +-confirmMinLines
    // lines) and count as present at confirmMarginDb above their own floor.
    std::size_t harmonicCount = 3;
    double confirmMarginDb = 6.0;
    double confirmToleranceFraction = 0.002;
    std::size_t confirmMinLines = 2;
    std::size_t minHarmonics = 1; // present harmonics needed (of those available)
    bool requireSidebands = true; // BPFI: at least one shaft sideband present
    // Both margins are raised for short records (few averages) to the level a noise line (plus the window's
    // worst scalloping correction) exceeds with this probability: see noiseExceedanceDb().
    double noiseExceedance = 1e-4;
    // Usable top of the spectrum (the envelope band width for an envelope spectrum); 0 = the last line.
    // Lines above it are "not available", neither confirming nor refuting.
    double maxHz = 0;
    std::size_t medianHalfWidth = 25; // floor neighbourhood, lines each side
};

} // namespace vibra::dsp
