#include "dsp/AxisAnalyzer.h"

#include "dsp/BearingVerdict.h"
#include "dsp/DefectPeakFinder.h"
#include "dsp/EnvelopeAnalyzer.h"
#include "dsp/MomentAccumulator.h"
#include "dsp/PeakFinder.h"
#include "dsp/SpectrumAnalyzer.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace vibra::dsp {

std::size_t envelopeSpectrumSize(double envelopeRate, double envelopeSamples, double lineHz) {
    std::size_t fine = SpectrumConfig::kMinFftSize;
    while (fine < SpectrumConfig::kMaxFftSize && !(envelopeRate / static_cast<double>(fine) <= lineHz))
        fine *= 2;
    std::size_t fit = SpectrumConfig::kMinFftSize;
    while (fit < SpectrumConfig::kMaxFftSize && envelopeSamples >= 4.5 * static_cast<double>(2 * fit))
        fit *= 2;
    return std::min(fine, fit);
}

namespace {

void analyzeEnvelope(std::span<const float> x, double fs, const AnalysisOptions& o, AxisAnalysis& r) {
    EnvelopeConfig ec = *o.envelope;
    std::optional<BearingFrequencies> bf;
    if (o.bearing) {
        bf = BearingFrequencies::compute(*o.bearing, o.shaftHz);
        if (!bf)
            throw std::invalid_argument("invalid bearing geometry or shaft speed");
        if (o.autoEnvelopeResolution) {
            const double rate = EnvelopeAnalyzer::envelopeRateFor(ec, fs);
            const double lowest = std::min({bf->ftfHz, bf->bpfoHz, bf->bpfiHz, bf->bsfHz});
            ec.spectrum.averaging = Averaging::Linear;
            ec.spectrum.averages = 0;
            ec.spectrum.fftSize =
                envelopeSpectrumSize(rate, static_cast<double>(x.size()) * rate / fs, lowest / 400.0);
        }
    }
    EnvelopeAnalyzer env(ec, fs);
    env.push(x);
    r.envelope = env.spectrum();
    r.envelopePeaks = findPeaks(*r.envelope, PeakListOptions{.maxPeaks = o.peakCount});
    if (bf) {
        r.bearingFrequencies = bf;
        DefectRule rule = o.defectRule;
        rule.maxHz = ec.bandHighHz - ec.bandLowHz; // the squared envelope holds no more than the band width
        r.bearingPeaks = assessBearing(*r.envelope, *bf, rule);
    }
}

} // namespace

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
    r.dominant = interpolatePeak(r.spectrum, r.dominantLine);
    r.peaks = findPeaks(r.spectrum, PeakListOptions{.maxPeaks = o.peakCount});
    if (o.shaftHz > 0 && std::isfinite(o.shaftHz))
        for (std::size_t h = 1; h <= o.shaftHarmonics; ++h)
            r.shaftHarmonics.push_back(findPeakNear(r.spectrum, static_cast<double>(h) * o.shaftHz,
                                                    PeakSearch{}, std::to_string(h) + "x"));

    if (o.envelope)
        analyzeEnvelope(x, fs, o, r);
    return r;
}

} // namespace vibra::dsp
