#include "dsp/SpectrumDisplay.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vibra::dsp {

namespace {

// Squared displayed quantity of `density` at frequency f (bandwidth: 1 Hz, ENBW or 2 ENBW).
double displayPower(double density, double f, double bandwidth, const DisplayOptions& o) {
    const double c2 = o.unit == SpectrumUnit::Native ? 1.0 : o.toMetersPerSecond2 * o.toMetersPerSecond2;
    double power = density * c2 * bandwidth;
    if (o.unit == SpectrumUnit::Velocity) {
        const double w = 2.0 * std::numbers::pi * f;
        power = f > 0 ? power / (w * w) * 1e6 : 0.0; // (m/s)^2 -> (mm/s)^2
    }
    return power;
}

double displayValue(double power, const DisplayOptions& o) {
    if (o.decibel)
        return power > 0 ? std::max(o.dbFloor, 10.0 * std::log10(power / (o.dbReference * o.dbReference)))
                         : o.dbFloor;
    return o.quantity == SpectrumQuantity::Psd ? power : std::sqrt(std::max(0.0, power));
}

double bandwidthOf(const Spectrum& s, const DisplayOptions& o) {
    if (o.quantity == SpectrumQuantity::AmplitudeRms)
        return s.enbwHz;
    if (o.quantity == SpectrumQuantity::AmplitudePeak)
        return 2.0 * s.enbwHz;
    return 1.0; // Psd / Asd: per Hz
}

} // namespace

double peakDisplayValue(const Spectrum& s, const InterpolatedPeak& peak, const DisplayOptions& o) {
    const double density = s.enbwHz > 0 ? peak.rms * peak.rms / s.enbwHz : 0.0;
    return displayValue(displayPower(density, peak.frequencyHz, bandwidthOf(s, o), o), o);
}

void deriveDisplay(const Spectrum& s, std::span<const float> source, const DisplayOptions& o,
                   std::vector<float>& out) {
    out.resize(source.size());
    const double bandwidth = bandwidthOf(s, o);
    for (std::size_t k = 0; k < source.size(); ++k) {
        const double f = k == 0 ? 0.0 : s.frequency(k); // DC line: no velocity
        out[k] = static_cast<float>(displayValue(displayPower(source[k], f, bandwidth, o), o));
    }
}

} // namespace vibra::dsp
