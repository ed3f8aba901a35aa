#pragma once

#include "storage/Database.h"
#include "storage/EventStore.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vibra::storage {

/// After an unclean shutdown (a session without stopped_ns: crash, kill -9, power loss): closes every such
/// session at the time of its newest committed data (clean = 0) and adds an `unclean_shutdown` event with the
/// quick_check result Database::open obtained. One transaction; runs before the new session starts.
///
/// Threads: the writer thread.
class SessionRecovery {
public:
    /// What the writer found about the previous run.
    struct Report {
        bool unclean = false;               ///< a previous session never closed
        std::string quickCheck;             ///< PRAGMA quick_check result ("ok") when unclean
        std::vector<std::int64_t> sessions; ///< the sessions closed by this recovery
        std::int64_t lostAfterNs = 0;       ///< newest committed data time of those sessions
    };

    /// Nothing to do (report->unclean = false) when the database was closed cleanly.
    static bool run(Database& db, EventStore& events, Report* report, std::string* error);
};

} // namespace vibra::storage
