#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace vibra::core {

/// Why samples (or frames) were discarded before storage. Names are stable: they appear in the database,
/// in CSV/JSON output and in metrics.
enum class DropReason : std::size_t {
    RingOverflow,  ///< source -> DSP ring full (drop-newest)
    StoreOverflow, ///< DSP -> storage queue full (drop-newest)
    WriteError,    ///< the database refused the write (disk full, I/O error)
    Malformed,     ///< undecodable input (bad line, bad frame, bad JSON)
    Crc,           ///< frame checksum mismatch
    Duplicate,     ///< frame already received (resumed sender)
    Unauthorized,  ///< rejected by authentication
    AlreadyStored, ///< a relayed block (Redis) whose producer key the database holds already (re-delivery)
    Count
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::Count);

constexpr std::string_view dropReasonName(DropReason r) {
    constexpr std::array<std::string_view, kDropReasonCount> kNames{
        "ring_overflow", "store_overflow", "write_error",  "malformed",
        "crc",           "duplicate",      "unauthorized", "already_stored"};
    return kNames[static_cast<std::size_t>(r)];
}

} // namespace vibra::core
