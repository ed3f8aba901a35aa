#pragma once

#include "storage/Statement.h"

#include <cstdint>
#include <string>

namespace vibra::storage {

/// The relay ledger (table relay_block): raw blocks that arrived through a Redis consumer are recorded by
/// their producer key (device, upstream session = DeviceInfo::origin, sequence) in the transaction that
/// stores them. A block whose key is already there was stored before (a re-delivered entry: the consumer
/// acknowledges only after the commit, so a crash between commit and XACK delivers it again) and is counted
/// as a duplicate instead of being stored twice, across recording sessions. The entries of a features stream
/// (1 s rollups and events, `--publish …?mode=features`) are claimed the same way under their own origin
/// (`SESSION:features`). Each key keeps the samples per axis it carried (edge-vs-centre reports) and its
/// time: retention deletes raw entries' keys with the raw blocks and features entries' keys with the rollups
/// (storage::Retention), so the ledger does not outgrow what it guards.
///
/// Threads: the writer thread.
class RelayLedger {
public:
    bool prepare(sqlite3* db, std::string* error);
    void finalize();
    /// Records the key with the entry's time tNs (UTC ns; retention prunes by it); *fresh = false when it was
    /// already there. False on a database error.
    bool claim(std::int64_t deviceRowId, const std::string& origin, std::uint64_t seq, std::int64_t sessionId,
               std::uint64_t samples, std::int64_t tNs, bool* fresh, std::string* error);

    /// Lookup side, on a connection of its own (e.g. the Redis consumer's thread, read-only): whether a block
    /// is stored already, so a re-delivered entry need not pass the engine again.
    bool prepareLookup(sqlite3* db, std::string* error);
    /// 1: (device name, origin, seq) is in the ledger; 0: not; -1: database error.
    int stored(const std::string& device, const std::string& origin, std::uint64_t seq);

private:
    sqlite3* m_db = nullptr;
    Statement m_insert;
    Statement m_lookup;
};

} // namespace vibra::storage
