#pragma once

#include "core/SampleBlock.h"
#include "core/Unit.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vibra::redis {

/// One stream entry per processed block: the wire format between a publisher and a consumer (version 1).
///
/// Fields (all text except `data`):
///   v        "1"
///   dev      device id (1..128 bytes, no control characters)
///   session  the publisher's session (decimal; one per publisher start)
///   seq      entry sequence of this device in this session: 0, 1, 2, ... without holes (the producer key is
///            (dev, session, seq); a hole means entries were lost between publisher and consumer)
///   first    index of the block's first sample in the device's stream (holes here are the source's gaps)
///   gap      samples skipped before this block at the source (core::SampleBlock::gapBefore)
///   t0       UTC ns of the first sample
///   rate     sample rate in Hz
///   axes     axis names, comma-separated (1..3)
///   unit     "g" or "m/s2"
///   fmt      "f32le" (float32 little-endian) or "i16le" (int16 little-endian, value = raw * scale)
///   scale    float factor for i16le ("1" for f32le)
///   n        samples per axis (1..65536)
///   data     n * axes samples, planar (axis 0 first), in fmt
class BlockEntry {
public:
    static constexpr std::size_t kMaxDeviceId = 128;

    /// What a consumer gets back from an entry.
    struct Decoded {
        std::string device;
        std::uint64_t session = 0;
        std::uint64_t seq = 0;
        std::uint64_t first = 0;
        std::uint64_t gap = 0;
        std::int64_t t0 = 0;
        double rate = 0;
        std::vector<std::string> axes;
        core::Unit unit = core::Unit::G;
        std::uint32_t count = 0;
        std::vector<float> planar; ///< count * axes.size() floats
    };

    /// Field/value pairs of an XADD for block b (f32le). The strings are owned by `out` (reused between
    /// calls to avoid allocations).
    static void encode(const core::SampleBlock& b, std::uint64_t session, std::uint64_t seq,
                       std::vector<std::pair<std::string, std::string>>* out);

    /// Decodes the field/value pairs of one entry; false with a reason (for the dead-letter stream) when a
    /// field is missing or invalid. Unknown fields are ignored (forward compatible).
    static bool decode(const std::vector<std::pair<std::string_view, std::string_view>>& fields, Decoded* out,
                       std::string* reason);
};

} // namespace vibra::redis
