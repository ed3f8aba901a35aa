#pragma once

#include <cstdint>

namespace vibra::decode {

/// Cumulative counts of one StreamDecoder. Rejections map to core::DropReason in StreamDecoder::account():
/// malformed -> Malformed, crc -> Crc, duplicates -> Duplicate (all as frames: their samples were never
/// received). The rest describes the input (for state messages and diagnosis) and is not a loss.
struct DecoderStats {
    std::uint64_t bytes = 0;      ///< bytes fed (messages: their size)
    std::uint64_t units = 0;      ///< frames / lines / messages that produced samples
    std::uint64_t samples = 0;    ///< samples per axis in the blocks produced
    std::uint64_t malformed = 0;  ///< undecodable units: bad line, frame or JSON, oversized, wrong shape
    std::uint64_t oversized = 0;  ///<   of which longer than the limit (a line without a line break, ...)
    std::uint64_t crc = 0;        ///< frames failing their CRC-32C
    std::uint64_t duplicates = 0; ///< frames / events received again (sequence or time stamp seen before)
    std::uint64_t resyncs = 0;    ///< partial units discarded after opening or reconnecting (not an error)
    std::uint64_t headers = 0;    ///< header lines and boot text (no data, not an error)
    std::uint64_t skipped = 0; ///< valid data of something else: rows of other devices, other sensors' events
    std::uint64_t restarts = 0;    ///< the device restarted its sequence, index or clock (indices rebased)
    std::uint64_t rateChanges = 0; ///< new streams started because the rate changed
    double rateHz = 0.0;           ///< rate estimated from time stamps (0: configured or carried by frames)
    double jitterSeconds = 0.0;    ///< robust standard deviation of the time stamps around the fitted clock
};

} // namespace vibra::decode
