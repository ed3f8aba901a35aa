// Offline-quality FIR design used at construction time (no run-time cost): Kaiser-windowed sinc low-pass.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <vector>

namespace vibra::dsp {

struct KaiserSpec {
    double passEdge = 0; // normalised to the sample rate (cycles/sample), 0 < passEdge < stopEdge <= 0.5
    double stopEdge = 0; // idem
    double attenuationDb = 70;
};

// Kaiser's estimate of taps for a transition band (numtaps, rounded up to odd so the delay is an integer).
std::size_t kaiserTaps(double attenuationDb, double transitionWidth);
// Kaiser beta for a stopband attenuation (Kaiser 1974, as in scipy.signal.kaiser_beta).
double kaiserBeta(double attenuationDb);
// Kaiser window of length n with shape beta (symmetric).
std::vector<double> kaiserWindow(std::size_t n, double beta);
// Windowed-sinc low-pass with cut-off halfway between the edges, normalised to unit DC gain. Same result as
// scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta), fs=1) with cutoff = (pass + stop) / 2.
std::vector<double> designLowpass(const KaiserSpec& spec);
std::vector<double> designLowpass(std::size_t numTaps, double cutoff, double beta);

} // namespace vibra::dsp
