#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QByteArray>
#include <QJsonObject>

#include <cstddef>

namespace vibra::service {

/// Encodes a device's display snapshot for the browser view (`/stream?view=display`): a decimated picture,
/// never raw samples per point. Pure functions, any thread.
///
/// Binary WebSocket message (little endian):
///   u32 headerBytes | header (UTF-8 JSON, padded with spaces to a multiple of 4) | float32 data
/// The header's "layout" lists, in order, the float arrays that follow: per axis "env_min", "env_max"
/// (envPoints each, oldest first, the last one ending at t_ns) and "spec_f", "spec_v" (spectrum points:
/// frequency in Hz and amplitude RMS in the device unit). The spectrum is decimated on a logarithmic
/// frequency grid keeping the largest line of each grid cell at its own frequency, so peaks keep their
/// height and place; "peaks" carries the highest interpolated peaks per axis (dsp::findPeaks).
struct DisplayFrame {
    struct Options {
        std::size_t envelopePoints = 512; ///< min/max pairs per axis at most
        std::size_t spectrumPoints = 600; ///< logarithmic grid cells per axis at most
        std::size_t peaks = 5;            ///< interpolated peaks per axis
    };
    /// Empty when the snapshot has no display fields.
    static QByteArray encode(const pipeline::DeviceSnapshot& s, const QJsonObject& summary,
                             const Options& options);
    /// Largest-of-each-cell decimation of lines 1..n-1 of `values` (line k at k * binHz) onto `cells`
    /// logarithmic cells between binHz and the last line; appends (frequency, value) pairs in frequency
    /// order.
    static void decimateLog(const std::vector<float>& values, double binHz, std::size_t cells,
                            std::vector<float>& freqs, std::vector<float>& out);
    /// Min of mins / max of maxes over consecutive groups so that at most `points` pairs remain (the newest
    /// pair is always complete: grouping starts from the end).
    static void decimateEnvelope(const std::vector<float>& mins, const std::vector<float>& maxs,
                                 std::size_t points, std::vector<float>& outMin, std::vector<float>& outMax,
                                 std::size_t* group);
};

} // namespace vibra::service
