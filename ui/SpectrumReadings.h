#pragma once

#include "dsp/BearingFrequencies.h"
#include "dsp/PeakFinder.h"
#include "dsp/Spectrum.h"
#include "dsp/SpectrumDisplay.h"

#include <cstddef>
#include <string>
#include <vector>

namespace vibra::ui {

/// What the spectrum view reads from a density spectrum: peak lists, harmonic readings and bearing-defect
/// verdicts. Every frequency is the interpolated one (dsp::findPeaks / dsp::interpolatePeak, docs/dsp.md
/// section 15) and every level the value the display shows for the tone (dsp::peakDisplayValue), so a
/// 29.5 Hz shaft reads 29.50 Hz whatever the line spacing, in acceleration and in velocity. Pure functions of
/// their arguments (no Qt), thread-safe.
struct SpectrumPeak {
    double frequencyHz = 0; ///< interpolated
    double value = 0;       ///< in the displayed quantity (dsp::peakDisplayValue)
    std::size_t line = 0;   ///< the local-maximum line
};

struct HarmonicReading {
    int order = 1;          ///< 1x, 2x, ...
    double expectedHz = 0;  ///< order x the fundamental
    bool present = false;   ///< a peak within +-1 % (at least +-2 lines) standing >= kHarmonicMarginDb
    double frequencyHz = 0; ///< interpolated, when a peak was found
    double value = 0;       ///< displayed quantity, when a peak was found
    double marginDb = 0;    ///< over the local noise floor
};

struct BearingReading {
    std::string name;       ///< FTF, BPFO, BPFI, BSF, 2xBSF
    double expectedHz = 0;  ///< from geometry and shaft speed
    bool found = false;     ///< a peak near the expected frequency
    bool detected = false;  ///< dsp::assessBearing's verdict (on the axis with the best confidence)
    double frequencyHz = 0; ///< interpolated, when found
    double offsetPct = 0;
    double confidence = 0;
    int axis = -1;                    ///< the axis the reading comes from
    std::vector<double> harmonicsHz;  ///< confirming harmonics that are present
    std::vector<std::string> reasons; ///< from the verdict, in order
};

constexpr double kHarmonicMarginDb = 6.0; ///< as dsp::DefectRule::confirmMarginDb

/// dsp::findPeaks options for a display o: n peaks in [minHz, maxHz], ranked as o shows them (velocity: rms /
/// f).
dsp::PeakListOptions peakListOptions(std::size_t n, double minHz, double maxHz, const dsp::DisplayOptions& o);
/// The n highest peaks in [minHz, maxHz], highest first as the display ranks them.
std::vector<SpectrumPeak> readPeaks(const dsp::Spectrum& s, std::size_t n, double minHz, double maxHz,
                                    const dsp::DisplayOptions& o);
/// The interpolated frequency of the highest peak within +-max(3 lines, 1 %) of f (f itself when none): where
/// a double-click for the harmonic cursor lands.
double snapToPeak(const dsp::Spectrum& s, double f, const dsp::DisplayOptions& o);
/// 1x .. count x of fundamentalHz, each searched near order x fundamentalHz (up to the last line).
std::vector<HarmonicReading> readHarmonics(const dsp::Spectrum& s, double fundamentalHz, int count,
                                           const dsp::DisplayOptions& o);
/// dsp::assessBearing on each axis's envelope spectrum (null entries skipped); per defect the reading of the
/// axis where it is detected with the highest confidence (else the highest confidence). bandWidthHz: the
/// envelope band width, above which the squared envelope holds nothing (dsp::DefectRule::maxHz).
std::vector<BearingReading> readBearing(const std::vector<const dsp::Spectrum*>& envelopeByAxis,
                                        const dsp::BearingFrequencies& f, double bandWidthHz);

} // namespace vibra::ui
