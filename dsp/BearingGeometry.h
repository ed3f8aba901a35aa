// Rolling-element bearing geometry for defect frequencies. Plain value type.
#pragma once

namespace vibra::dsp {

struct BearingGeometry {
    int rollingElements = 0;    // Z
    double ballDiameterMm = 0;  // d
    double pitchDiameterMm = 0; // D
    double contactAngleDeg = 0; // phi

    bool valid() const {
        return rollingElements > 0 && ballDiameterMm > 0 && pitchDiameterMm > ballDiameterMm &&
               contactAngleDeg >= 0 && contactAngleDeg < 90;
    }
};

} // namespace vibra::dsp
