#pragma once

#include "core/DeviceInfo.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vibra::core {

/// A contiguous run of samples from one device: the unit that crosses the source -> DSP ring.
///
/// Time of sample i of this block = startTimeNs + i * 1e9 / sampleRate. Samples are never re-stamped from
/// the wall clock; startTimeNs itself is stream t0 + firstSample / rate.
/// Samples are stored planar: axis a occupies data[a * count .. (a+1) * count).
struct SampleBlock {
    std::shared_ptr<const DeviceInfo> device;
    std::uint64_t sequence = 0;    ///< contiguous block sequence number within the stream (0, 1, 2, ...)
    std::uint64_t firstSample = 0; ///< index of this block's first sample since the stream started
    std::int64_t startTimeNs = 0;  ///< UTC ns of sample 0 of this block
    std::uint32_t count = 0;       ///< samples per axis
    bool indexInferred = false;    ///< firstSample was inferred from timestamps (gaps are "inferred")
    /// Samples per axis skipped between the previous delivered block of the stream and this one. Set once by
    /// core::BlockOutlet when the block enters the engine (0 for the first block); read, never re-derived, by
    /// DSP, storage and exporters.
    std::uint64_t gapBefore = 0;
    std::vector<float> data; ///< axisCount * count floats, planar

    int axisCount() const { return device ? device->axisCount() : 0; }
    double sampleRate() const { return device ? device->sampleRate : 0.0; }
    std::span<const float> axis(int a) const {
        return {data.data() + static_cast<std::size_t>(a) * count, count};
    }
    std::span<float> axis(int a) { return {data.data() + static_cast<std::size_t>(a) * count, count}; }
    /// UTC ns of sample i of this block.
    std::int64_t timeOfSampleNs(std::uint64_t i) const {
        return startTimeNs + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / sampleRate());
    }
    /// Total samples in the block (all axes): the unit of the accounting counters is samples per axis
    /// ("a 16 kHz device delivers 16000 samples/s"), so use count for accounting.
    std::size_t totalValues() const { return data.size(); }
};

using SampleBlockPtr = std::shared_ptr<const SampleBlock>;
/// A block still being built by a decoder or source; it becomes immutable (SampleBlockPtr) when BlockOutlet
/// delivers it into the engine.
using MutableBlockPtr = std::shared_ptr<SampleBlock>;

/// Maximum samples per axis in one block; decoders split larger inputs. Bounds ring memory.
inline constexpr std::uint32_t kMaxBlockSamples = 65536;

} // namespace vibra::core
