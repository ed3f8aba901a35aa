#include "storage/SessionRecovery.h"

#include "core/Clock.h"
#include "storage/SessionLock.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace vibra::storage {

bool SessionRecovery::run(Database& db, EventStore& events, Report* report, std::string* error) {
    *report = {};
    if (!db.recoveredUncleanSession())
        return true;
    report->quickCheck = db.quickCheckResult();
    sqlite3* h = db.handle();
    std::string err;
    // Inside the write transaction: a writer starting now inserts its session and takes its lock in one
    // transaction (SqliteWriter), so every open session seen here is either locked (live) or dead.
    if (!db.exec("BEGIN IMMEDIATE", &err)) {
        *error = "cannot recover '" + db.path() + "': " + err;
        return false;
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> sessions;
    {
        Statement open(h, "SELECT id, started_ns FROM session WHERE stopped_ns IS NULL ORDER BY id");
        while (open.fetch(&err))
            if (!SessionLock::held(db.path(), open.int64(0))) // another writer process still running
                sessions.emplace_back(open.int64(0), open.int64(1));
    }
    if (!err.empty()) {
        db.exec("ROLLBACK", nullptr);
        *error = "cannot recover '" + db.path() + "': " + err;
        return false;
    }
    report->unclean = !sessions.empty();
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        const auto [id, started] = sessions[i];
        const std::int64_t nextStart =
            i + 1 < sessions.size() ? sessions[i + 1].second : std::numeric_limits<std::int64_t>::max();
        // Newest committed data of the session: its raw blocks, or the 1 s rollups written between its start
        // and the next session's start.
        Statement last(
            h, "SELECT max(v) FROM (SELECT max(end_ns) AS v FROM raw_block WHERE session_id=?1 "
               "UNION ALL SELECT max(t_ns) + 1000000000 FROM rollup_1s WHERE t_ns >= ?2 AND t_ns < ?3)");
        last.bind(1, id).bind(2, core::secondStart(started)).bind(3, nextStart);
        std::int64_t lastNs = started;
        if (last.fetch(&err) && !last.isNull(0))
            lastNs = std::max(started, last.int64(0));
        Statement close(h, "UPDATE session SET stopped_ns=?, clean=0 WHERE id=?");
        close.bind(1, lastNs).bind(2, id);
        core::Event e;
        e.tNs = lastNs;
        e.kind = "unclean_shutdown";
        e.detail = "quick_check: " + report->quickCheck;
        if (!err.empty() || close.step() != SQLITE_DONE || !events.insert(std::nullopt, id, e, &err)) {
            *error = "cannot record the recovery: " + (err.empty() ? std::string(sqlite3_errmsg(h)) : err);
            db.exec("ROLLBACK", nullptr);
            return false;
        }
        report->sessions.push_back(id);
        report->lostAfterNs = std::max(report->lostAfterNs, lastNs);
    }
    if (!db.exec("COMMIT", &err)) {
        *error = "cannot recover '" + db.path() + "': " + err;
        return false;
    }
    return true;
}

} // namespace vibra::storage
