#include "dsp/BearingFrequencies.h"

#include <cmath>
#include <numbers>

namespace vibra::dsp {

std::optional<BearingFrequencies> BearingFrequencies::compute(const BearingGeometry& g, double shaftHz) {
    if (!g.valid() || !(shaftHz > 0) || !std::isfinite(shaftHz))
        return std::nullopt;
    const double k =
        g.ballDiameterMm / g.pitchDiameterMm * std::cos(g.contactAngleDeg * std::numbers::pi / 180.0);
    const double z = g.rollingElements;
    BearingFrequencies f;
    f.shaftHz = shaftHz;
    f.ftfHz = shaftHz / 2 * (1 - k);
    f.bpfoHz = z * shaftHz / 2 * (1 - k);
    f.bpfiHz = z * shaftHz / 2 * (1 + k);
    f.bsfHz = g.pitchDiameterMm / (2 * g.ballDiameterMm) * shaftHz * (1 - k * k);
    return f;
}

} // namespace vibra::dsp
