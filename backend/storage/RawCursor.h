#pragma once

#include "storage/Database.h"
#include "storage/RawCodec.h"
#include "storage/RollupCursor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vibra::storage {

/// One decoded raw block.
struct RawBlock {
    std::int64_t sessionId = 0;
    std::int64_t sequence = 0;
    std::uint64_t firstSample = 0; ///< index of the first sample since its stream started
    std::int64_t tNs = 0;          ///< UTC ns of the first sample
    std::int64_t endNs = 0;        ///< UTC ns just after the last sample
    std::uint32_t count = 0;       ///< samples per axis
    int axes = 0;
    std::vector<float> data; ///< planar: axis a at [a * count, (a + 1) * count)
};

/// Streams the raw blocks of one device that overlap [fromNs, toNs), in time order, decompressed.
/// Constant memory (one block at a time).
///
/// Threads: the thread that opened the database.
class RawCursor {
public:
    bool open(Database& db, const std::string& device, std::optional<std::int64_t> fromNs,
              std::optional<std::int64_t> toNs, std::string* error);
    const StoredDevice& device() const { return m_device; }
    /// Blocks in the range (for progress).
    std::uint64_t count() const { return m_count; }
    /// Next block; false at the end or on error (check error()).
    bool next(RawBlock* block);
    const std::string& error() const { return m_error; }

private:
    Database* m_db = nullptr;
    StoredDevice m_device;
    Statement m_stmt;
    RawCodec m_codec;
    std::uint64_t m_count = 0;
    std::string m_error;
};

} // namespace vibra::storage
