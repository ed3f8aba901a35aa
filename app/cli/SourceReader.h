#pragma once

#include "core/DeviceCounters.h"
#include "core/DeviceInfo.h"

#include <QString>

#include <memory>
#include <vector>

namespace vibra::io {
class Source;
}

namespace vibra::cli {

/// Reads a finite source to its end into memory (planar per axis), unpaced, for offline commands.
/// Bounded: stops with an error past maxSamplesPerAxis.
///
/// Threads: the source runs on its own I/O thread; the caller's thread drains the ring and waits.
struct SourceRecording {
    std::shared_ptr<const core::DeviceInfo> device;
    std::vector<std::vector<float>> axes;
    core::CounterSnapshot counters;
};

bool readWholeSource(std::unique_ptr<io::Source> source, std::size_t maxSamplesPerAxis, SourceRecording* out,
                     QString* error);

} // namespace vibra::cli
