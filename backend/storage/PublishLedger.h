#pragma once

#include "storage/Statement.h"

#include <cstdint>
#include <string>

namespace vibra::storage {

/// What an edge's Redis publisher did with one device's data in this session (`--publish`), kept in the
/// edge's own database next to the session accounting (table publish_device), so an edge-vs-centre report
/// (`vibrascope query compare`) can be made from the two databases alone. Samples per axis:
///   received = published + droppedTapOverflow + droppedOverflow + droppedRejected + droppedUnpublished
/// and, in features mode, eventsOffered = eventsPublished + eventsDropped. Plain value type.
struct PublishCounts {
    std::string device;
    std::string origin; ///< how the centre's relay ledger files these entries (the publisher's session, and
                        ///< ":features" in features mode)
    std::string mode;   ///< "raw" | "features"
    std::string stream; ///< the Redis stream key
    std::uint64_t received = 0, published = 0, entries = 0;
    std::uint64_t droppedTapOverflow = 0, droppedOverflow = 0, droppedRejected = 0, droppedUnpublished = 0;
    std::uint64_t eventsOffered = 0, eventsPublished = 0, eventsDropped = 0;
};

/// Upserts publish_device rows in the writer's transactions (with the session accounting).
///
/// Threads: the writer thread.
class PublishLedger {
public:
    bool prepare(sqlite3* db, std::string* error);
    void finalize();
    bool write(std::int64_t sessionId, std::int64_t deviceRowId, const PublishCounts& c, std::string* error);

private:
    sqlite3* m_db = nullptr;
    Statement m_upsert;
};

} // namespace vibra::storage
