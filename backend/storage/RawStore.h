#pragma once

#include "core/SampleBlock.h"
#include "storage/EventStore.h"
#include "storage/RawCodec.h"
#include "storage/Statement.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vibra::storage {

/// The raw side of the writer (`record --raw`): every processed block becomes part of a raw_block row keyed
/// by (device, session, first sample), zstd-compressed by RawCodec. A block whose samples were already stored
/// in this session is a duplicate (not stored, counted by the caller); a block whose first sample skips ahead
/// of the device's stored samples adds a `gap` event.
///
/// Threads: the writer thread.
class RawStore {
public:
    /// What became of one block.
    struct Outcome {
        std::uint64_t stored = 0;     ///< samples per axis that will be committed with the transaction
        std::uint64_t duplicates = 0; ///< samples per axis already stored in this session
    };

    bool prepare(sqlite3* db, EventStore* events, std::string* error);
    void finalize();
    /// One processed block of the device row deviceRowId.
    bool add(std::int64_t deviceRowId, std::int64_t sessionId, const core::SampleBlock& b, Outcome* out,
             std::string* error);
    /// Before COMMIT: writes what is still buffered.
    bool flush(std::string* error);
    /// After the transaction: keep (committed) or forget (rolled back) what it wrote.
    void committed();
    void rolledBack();

private:
    struct Device {
        bool have = false;     ///< end is valid
        std::uint64_t end = 0; ///< first sample after the newest stored block (this session)
    };

    sqlite3* m_db = nullptr;
    EventStore* m_events = nullptr;
    Statement m_insert;
    RawCodec m_codec;
    std::vector<std::uint8_t> m_blob;
    std::map<std::int64_t, Device> m_devices, m_committed; ///< by device row id
};

} // namespace vibra::storage
