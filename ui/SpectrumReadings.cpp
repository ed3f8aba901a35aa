#include "ui/SpectrumReadings.h"

#include "dsp/BearingVerdict.h"
#include "dsp/DefectPeakFinder.h"
#include "dsp/PeakFinder.h"
#include "dsp/PeakInterpolator.h"

#include <algorithm>
#include <cmath>

namespace vibra::ui {

dsp::PeakListOptions peakListOptions(std::size_t n, double minHz, double maxHz,
                                     const dsp::DisplayOptions& o) {
    dsp::PeakListOptions p;
    p.maxPeaks = n;
    p.minHz = minHz;
    p.maxHz = maxHz;
    // Velocity is interpolated on the acceleration density and ranked by rms / f (docs/dsp.md section 15).
    p.rankUnit =
        o.unit == dsp::SpectrumUnit::Velocity ? dsp::SpectrumUnit::Velocity : dsp::SpectrumUnit::Native;
    return p;
}

std::vector<SpectrumPeak> readPeaks(const dsp::Spectrum& s, std::size_t n, double minHz, double maxHz,
                                    const dsp::DisplayOptions& o) {
    std::vector<SpectrumPeak> out;
    for (const auto& p : dsp::findPeaks(s, peakListOptions(n, minHz, maxHz, o)))
        out.push_back({p.frequencyHz, dsp::peakDisplayValue(s, p, o), p.line});
    return out;
}

double snapToPeak(const dsp::Spectrum& s, double f, const dsp::DisplayOptions& o) {
    const double span = std::max(3 * s.binHz, 0.01 * f);
    const auto peaks = dsp::findPeaks(s, peakListOptions(1, f - span, f + span, o));
    return peaks.empty() ? f : peaks.front().frequencyHz;
}

std::vector<HarmonicReading> readHarmonics(const dsp::Spectrum& s, double fundamentalHz, int count,
                                           const dsp::DisplayOptions& o) {
    std::vector<HarmonicReading> out;
    if (!(fundamentalHz > 0) || !(s.binHz > 0))
        return out;
    const double top = s.frequency(s.lines() > 2 ? s.lines() - 2 : 0);
    dsp::PeakSearch search;
    search.toleranceFraction = 0.01;
    search.minToleranceLines = 2;
    for (int h = 1; h <= count && h * fundamentalHz < top; ++h) {
        HarmonicReading r;
        r.order = h;
        r.expectedHz = h * fundamentalHz;
        const auto near = dsp::findPeakNear(s, r.expectedHz, search);
        if (near.found) {
            const auto p = dsp::interpolatePeak(s, near.line);
            r.frequencyHz = p.frequencyHz;
            r.value = dsp::peakDisplayValue(s, p, o);
            r.marginDb = near.marginDb;
            r.present = near.marginDb >= kHarmonicMarginDb;
        }
        out.push_back(r);
    }
    return out;
}

std::vector<BearingReading> readBearing(const std::vector<const dsp::Spectrum*>& envelopeByAxis,
                                        const dsp::BearingFrequencies& f, double bandWidthHz) {
    std::vector<BearingReading> out;
    dsp::DefectRule rule;
    rule.maxHz = bandWidthHz;
    for (std::size_t a = 0; a < envelopeByAxis.size(); ++a) {
        if (!envelopeByAxis[a] || envelopeByAxis[a]->lines() < 8)
            continue;
        const auto verdicts = dsp::assessBearing(*envelopeByAxis[a], f, rule);
        if (out.empty())
            out.resize(verdicts.size());
        for (std::size_t i = 0; i < verdicts.size() && i < out.size(); ++i) {
            const auto& v = verdicts[i];
            auto& r = out[i];
            const bool better = r.axis < 0 || (v.detected && !r.detected) ||
                                (v.detected == r.detected && v.confidence > r.confidence);
            if (!better)
                continue;
            r.name = v.name;
            r.expectedHz = v.expectedHz;
            r.found = v.found;
            r.detected = v.detected;
            r.frequencyHz = v.foundHz;
            r.offsetPct = v.offsetPct;
            r.confidence = v.confidence;
            r.axis = static_cast<int>(a);
            r.harmonicsHz.clear();
            for (const auto& h : v.harmonics)
                if (h.present)
                    r.harmonicsHz.push_back(h.frequencyHz);
            r.reasons = v.reasons;
        }
    }
    return out;
}

} // namespace vibra::ui
