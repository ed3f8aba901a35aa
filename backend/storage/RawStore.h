#pragma once

#include "core/SampleBlock.h"
#include "storage/EventStore.h"
#include "storage/RawCodec.h"
#include "storage/Statement.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vibra::storage {

/// The raw side of the writer (`record --raw`). Contiguous blocks of a device are gathered into one raw_block
/// row of up to kRowValues values (all axes; 64 KiB of float32) before they are compressed (RawCodec), so
/// rows fill SQLite's overflow pages instead of wasting most of a page each (one row per ~2.7 KB block
/// took 1.36x the float32 size on disk; see docs/storage.md). What is gathered is written at the latest at
/// the end of the transaction (flush()), so the durability promise is unchanged; a row written that way stays
/// open and is rewritten with the next transaction's contiguous blocks while it holds fewer than kRowValues /
/// 2 values (so a slow device still gets large rows, at the cost of rewriting its small rows a few times).
/// Every source block stays exactly readable: raw_block.parts keeps each block's sample count, sequence
/// number, start time and offset (RawCursor returns the blocks again, with their own times).
///
/// Idempotent per (device, session, sample index): samples already stored in this session are duplicates (a
/// re-delivered block; a block that overlaps stored samples keeps only its new samples). Rows stay unique by
/// (device, session, first sample). A block whose first sample skips ahead of the device's stored samples
/// adds a `gap` event.
///
/// Threads: the writer thread.
class RawStore {
public:
    static constexpr std::size_t kRowValues = 16384;

    /// What became of one block: stored + duplicates = its samples per axis.
    struct Outcome {
        std::uint64_t stored = 0;        ///< samples per axis that will be committed with the transaction
        std::uint64_t duplicates = 0;    ///< samples per axis already stored in this session
        std::uint64_t alreadyStored = 0; ///< relayed: the relay ledger holds its producer key (SqliteWriter)
        bool relayDuplicate = false; ///< a relayed rollup/event the relay ledger already holds (SqliteWriter)
    };

    bool prepare(sqlite3* db, EventStore* events, std::string* error);
    void finalize();
    /// One processed block of the device row deviceRowId.
    bool add(std::int64_t deviceRowId, std::int64_t sessionId, const core::SampleBlock& b, Outcome* out,
             std::string* error);
    /// Before COMMIT: writes every gathered row.
    bool flush(std::string* error);
    /// After the transaction: keep (committed) or forget (rolled back) what it wrote.
    void committed();
    void rolledBack();

private:
    /// Contiguous samples of one device gathered for one row.
    struct Run {
        std::int64_t sessionId = 0;
        std::uint64_t first = 0; ///< sample index of the first sample
        std::uint64_t count = 0; ///< samples per axis
        int axes = 0;
        double rate = 0;
        std::vector<RawPart> parts;
        std::vector<std::vector<float>> axis; ///< per axis
        std::int64_t rowId = -1;              ///< its raw_block row once written (it may still grow)
        bool dirty = false;                   ///< holds samples its row does not have yet
        bool empty() const { return parts.empty(); }
        void reset() {
            parts.clear();
            count = 0;
            rowId = -1;
            dirty = false;
        }
    };
    /// What the session holds of a device (committed, or up to now in this transaction).
    struct Stored {
        bool have = false;             ///< end is valid
        std::uint64_t end = 0;         ///< first sample after the newest stored (or gathered) sample
        std::uint64_t maxRowCount = 0; ///< largest n of its rows: bounds the overlap search
    };
    struct Device {
        Stored stored;
        Run run;
    };

    bool append(std::int64_t deviceRowId, std::int64_t sessionId, Device& d, const core::SampleBlock& b,
                std::uint32_t offset, std::uint32_t n, std::string* error);
    bool writeRun(std::int64_t deviceRowId, Device& d, std::string* error);
    /// Stored sample ranges [first, end) of the device in this session that overlap [from, to), in order.
    bool storedRanges(std::int64_t deviceRowId, std::int64_t sessionId, const Stored& s, std::uint64_t from,
                      std::uint64_t to, std::vector<std::pair<std::uint64_t, std::uint64_t>>* out,
                      std::string* error);

    sqlite3* m_db = nullptr;
    EventStore* m_events = nullptr;
    Statement m_insert, m_update, m_overlaps;
    RawCodec m_codec;
    std::vector<std::uint8_t> m_blob, m_parts;
    std::vector<float> m_planar;
    std::map<std::int64_t, Device> m_devices;   ///< by device row id
    std::map<std::int64_t, Stored> m_committed; ///< as of the last commit
};

} // namespace vibra::storage
