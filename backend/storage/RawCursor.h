#pragma once

#include "storage/Database.h"
#include "storage/RawCodec.h"
#include "storage/RollupCursor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vibra::storage {

/// One decoded raw block: a source block as the device delivered it (or its part that was stored).
struct RawBlock {
    std::int64_t sessionId = 0;
    std::int64_t sequence = 0;
    std::uint64_t firstSample = 0; ///< index of the first sample since its stream started
    std::int64_t tNs = 0;          ///< UTC ns of the first sample
    std::int64_t endNs = 0;        ///< UTC ns just after the last sample
    std::uint32_t count = 0;       ///< samples per axis
    int axes = 0;
    std::vector<float> data;        ///< planar: axis a at [a * count, (a + 1) * count)
    std::int64_t sourceStartNs = 0; ///< startTimeNs of the source block (time of its sample 0)
    std::uint32_t offset = 0;       ///< index of this block's sample 0 within the source block

    /// UTC ns of sample k, exactly as SampleBlock::timeOfSampleNs gave it when it was recorded.
    std::int64_t timeOfSampleNs(std::uint32_t k, double rateHz) const {
        return sourceStartNs + static_cast<std::int64_t>(static_cast<double>(offset + k) * 1e9 / rateHz);
    }
};

/// Streams the raw blocks of one device that overlap [fromNs, toNs), in time order, decompressed. A raw_block
/// row may hold several contiguous source blocks (raw_block.parts): they are returned one by one, with their
/// own sequence number and times. Constant memory (one row at a time).
///
/// Threads: the thread that opened the database.
class RawCursor {
public:
    bool open(Database& db, const std::string& device, std::optional<std::int64_t> fromNs,
              std::optional<std::int64_t> toNs, std::string* error);
    const StoredDevice& device() const { return m_device; }
    /// Blocks in the rows that overlap the range (for progress; next() may return fewer when a row reaches
    /// beyond the range).
    std::uint64_t count() const { return m_count; }
    /// Next block; false at the end or on error (check error()).
    bool next(RawBlock* block);
    const std::string& error() const { return m_error; }

private:
    bool nextRow();

    Database* m_db = nullptr;
    StoredDevice m_device;
    Statement m_stmt;
    RawCodec m_codec;
    std::uint64_t m_count = 0;
    std::int64_t m_from = 0, m_to = 0;
    std::string m_error;
    // the current row
    std::int64_t m_session = 0;
    std::uint64_t m_rowFirst = 0, m_rowCount = 0;
    int m_rowAxes = 0;
    std::vector<float> m_rowData;
    std::vector<RawPart> m_parts;
    std::size_t m_part = 0;
    std::uint64_t m_partFirst = 0; ///< offset of m_parts[m_part] in the row
};

} // namespace vibra::storage
