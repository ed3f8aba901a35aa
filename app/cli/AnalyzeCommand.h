#pragma once

#include "cli/CommandContext.h"

namespace vibra::cli {

/// `vibrascope analyze --source URI [--fft N] [--window W] [--overlap PCT] [--band F1:F2]
///  [--envelope F1:F2] [--bearing Z,d,D,ANGLE --rpm R] [--severity PRESET] [--peaks N] [--json]`
/// Reads a whole finite source unpaced and prints per axis: DC, RMS, peak, crest factor, kurtosis,
/// velocity RMS and ISO zone, the top spectral peaks, and optionally envelope peaks and bearing defects.
int runAnalyze(const CommandContext& ctx);

} // namespace vibra::cli
