// One-shot analysis of a complete single-axis record (e.g. for `vibrascope analyze`): runs MomentAccumulator,
// SpectrumAnalyzer, band/velocity metrics, the severity table and optionally EnvelopeAnalyzer + bearing
// peaks. Pure function of its inputs; thread-safe (no shared state besides FFTW's plan registry).
#pragma once

#include "dsp/AnalysisOptions.h"
#include "dsp/AxisAnalysis.h"
#include "dsp/SeverityTable.h"

#include <span>

namespace vibra::dsp {

// Throws std::invalid_argument with a readable message when the record is shorter than one FFT frame, the
// sample rate or options are invalid, or the severity preset id is unknown.
AxisAnalysis analyzeAxis(std::span<const float> samples, double sampleRate, const AnalysisOptions& options,
                         const SeverityTable& severity = SeverityTable::defaults());

} // namespace vibra::dsp
