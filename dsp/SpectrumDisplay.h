// Derived displays of a density Spectrum (the one internal form, unit^2/Hz). Pure functions, thread-safe.
//
//   quantity            per line k (psd = P_density[k], c = unit -> m/s^2 factor, w = 2 pi f_k)
//   Psd                 psd                                  [u^2/Hz]
//   Asd                 sqrt(psd)                            [u/sqrt(Hz)]
//   AmplitudeRms        sqrt(psd * ENBW_Hz)                  [u RMS]   (exact for a tone centred on line k)
//   AmplitudePeak       sqrt(2 * psd * ENBW_Hz)              [u 0-pk]
// unit: Native (as sampled, e.g. g), Acceleration (m/s^2: x c), Velocity (mm/s: x c / w x 1000, DC line = 0).
// dB: 10 log10(power / ref^2), power = the squared quantity (so dB of Psd and of AmplitudeRms differ only by
// 10 log10 ENBW); values at or below zero map to dbFloor.
#pragma once

#include "dsp/PeakInterpolator.h"
#include "dsp/Spectrum.h"

#include <span>
#include <vector>

namespace vibra::dsp {

enum class SpectrumQuantity { Psd, Asd, AmplitudeRms, AmplitudePeak };
enum class SpectrumUnit { Native, Acceleration, Velocity };

struct DisplayOptions {
    SpectrumQuantity quantity = SpectrumQuantity::AmplitudeRms;
    SpectrumUnit unit = SpectrumUnit::Native;
    double toMetersPerSecond2 = 9.80665; // native unit -> m/s^2 (9.80665 for g, 1 for m/s^2)
    bool decibel = false;
    double dbReference = 1.0; // in the displayed unit (e.g. 1e-6 g, 1e-6 m/s^2, 1e-6 mm/s)
    double dbFloor = -300.0;
};

// Writes one value per line of `source` (s.psd or s.peakHold) into `out` (resized; no allocation when its
// capacity suffices).
void deriveDisplay(const Spectrum& s, std::span<const float> source, const DisplayOptions& o,
                   std::vector<float>& out);
inline std::vector<float> deriveDisplay(const Spectrum& s, const DisplayOptions& o) {
    std::vector<float> v;
    deriveDisplay(s, s.psd, o, v);
    return v;
}

// The value a display shows for an interpolated peak: what its line would read if the tone were centred on
// it (density rms^2 / ENBW_Hz), converted like deriveDisplay() but with the interpolated frequency (velocity:
// rms * c / (2 pi f) * 1000). So a 1 g 0-pk tone reads 0.7071 g RMS, or its exact velocity, anywhere between
// lines. A peak at or below 0 Hz reads 0 (dbFloor in dB) in velocity.
double peakDisplayValue(const Spectrum& s, const InterpolatedPeak& peak, const DisplayOptions& o);

} // namespace vibra::dsp
