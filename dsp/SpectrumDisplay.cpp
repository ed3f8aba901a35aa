#include "dsp/SpectrumDisplay.h"

#include <cmath>
#include <numbers>

namespace vibra::dsp {

void deriveDisplay(const Spectrum& s, std::span<const float> source, const DisplayOptions& o,
                   std::vector<float>& out) {
    out.resize(source.size());
    double bandwidth = 1.0; // Psd / Asd: per Hz
    if (o.quantity == SpectrumQuantity::AmplitudeRms)
        bandwidth = s.enbwHz;
    else if (o.quantity == SpectrumQuantity::AmplitudePeak)
        bandwidth = 2.0 * s.enbwHz;
    const double c2 = o.unit == SpectrumUnit::Native ? 1.0 : o.toMetersPerSecond2 * o.toMetersPerSecond2;
    const double ref2 = o.dbReference * o.dbReference;
    const bool squared = o.quantity == SpectrumQuantity::Psd;
    for (std::size_t k = 0; k < source.size(); ++k) {
        double power = static_cast<double>(source[k]) * c2 * bandwidth; // squared displayed quantity
        if (o.unit == SpectrumUnit::Velocity) {
            const double w = 2.0 * std::numbers::pi * s.frequency(k);
            power = k == 0 ? 0.0 : power / (w * w) * 1e6; // (m/s)^2 -> (mm/s)^2
        }
        double v;
        if (o.decibel)
            v = power > 0 ? std::max(o.dbFloor, 10.0 * std::log10(power / ref2)) : o.dbFloor;
        else
            v = squared ? power : std::sqrt(std::max(0.0, power));
        out[k] = static_cast<float>(v);
    }
}

} // namespace vibra::dsp
