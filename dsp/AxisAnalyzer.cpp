#include "dsp/AxisAnalyzer.h"

#include "dsp/DefectPeakFinder.h"
#include "dsp/EnvelopeAnalyzer.h"
#include "dsp/MomentAccumulator.h"
#include "dsp/SpectrumAnalyzer.h"

#include <stdexcept>
#include <string>

namespace vibra::dsp {

AxisAnalysis analyzeAxis(std::span<const float> x, double fs, const AnalysisOptions& o,
                         const SeverityTable& table) {
    if (x.size() < o.spectrum.fftSize)
        throw std::invalid_argument("record of " + std::to_string(x.size()) +
                                    " samples is shorter than one FFT frame (" +
                                    std::to_string(o.spectrum.fftSize) + "): use a smaller FFT size");
    const SeverityPreset* preset = nullptr;
    if (!o.severityPreset.empty()) {
        preset = table.find(o.severityPreset);
        if (!preset)
            throw std::invalid_argument("unknown severity preset '" + o.severityPreset + "'");
    }
    if (o.bearing && !o.envelope)
        throw std::invalid_argument("bearing peaks need an envelope band");
    AxisAnalysis r;
    MomentAccumulator m;
    m.add(x);
    r.moments = m.result();

    SpectrumAnalyzer spectrum(o.spectrum, fs);
    spectrum.push(x);
    r.spectrum = spectrum.spectrum();
    r.velocityRmsMmS = velocityRmsMmPerS(r.spectrum, o.velocityLowHz, o.velocityHighHz, o.toMetersPerSecond2);
    r.accelerationRms = bandRms(r.spectrum, o.velocityLowHz, o.velocityHighHz);
    r.velocityBandResolved = r.spectrum.binHz <= o.velocityLowHz / 2;
    if (preset)
        r.zone = preset->classify(r.velocityRmsMmS);
    for (std::size_t k = 1; k < r.spectrum.psd.size(); ++k)
        if (r.dominantLine == 0 || r.spectrum.psd[k] > r.spectrum.psd[r.dominantLine])
            r.dominantLine = k;

    if (o.envelope) {
        EnvelopeAnalyzer env(*o.envelope, fs);
        env.push(x);
        r.envelope = env.spectrum();
        if (o.bearing) {
            r.bearingFrequencies = BearingFrequencies::compute(*o.bearing, o.shaftHz);
            if (!r.bearingFrequencies)
                throw std::invalid_argument("invalid bearing geometry or shaft speed");
            r.bearingPeaks = findBearingPeaks(*r.envelope, *r.bearingFrequencies);
        }
    }
    return r;
}

} // namespace vibra::dsp
