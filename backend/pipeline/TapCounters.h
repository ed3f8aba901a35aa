#pragma once

#include <atomic>
#include <cstdint>

namespace vibra::pipeline {

/// Accounting of one raw tap (DspWorker -> an optional sink such as exporting::ParquetRecordingSink).
/// Owned by the sink, not part of core::DeviceCounters (those belong to the SQLite path).
///
/// Threads: written by the device's DSP worker thread only (single writer per field), read anywhere; final
/// values are read after the worker has been joined.
struct TapCounters {
    std::atomic<std::uint64_t> offeredSamples{0}; ///< samples per axis offered to the tap (pushed or dropped)
    std::atomic<std::uint64_t> droppedSamples{0}; ///< samples per axis in blocks refused by a full tap ring
    std::atomic<std::uint64_t> droppedBlocks{0};  ///< blocks refused by a full tap ring
};

} // namespace vibra::pipeline
