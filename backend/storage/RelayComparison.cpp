#include "storage/RelayComparison.h"

#include "storage/Statement.h"

#include <limits>

namespace vibra::storage {

std::string RelayComparison::Row::verdict() const {
    if (missing() < 0)
        return "excess";
    const bool centreHasPrefix = centralMaxSeq + 1 == static_cast<std::int64_t>(centralEntries);
    if (!stoppedNs || (missing() > 0 && centralRecording && centreHasPrefix))
        return "in flight";
    if (missing() > 0 || missingEntries() > 0)
        return "missing";
    if (droppedAtEdge() > 0 || eventsDropped > 0 || !edgeBalanced())
        return "lost";
    return "balanced";
}

bool RelayComparison::run(sqlite3* edge, sqlite3* central, std::optional<std::int64_t> fromNs,
                          std::optional<std::int64_t> toNs, const std::string& device, std::vector<Row>* out,
                          std::string* error) {
    Statement q(edge,
                "SELECT v.name, s.id, s.started_ns, s.stopped_ns, p.mode, p.origin, p.stream, p.received, "
                "p.published, p.entries, p.dropped_tap_overflow, p.dropped_overflow, p.dropped_rejected, "
                "p.dropped_unpublished, p.events_offered, p.events_published, p.events_dropped "
                "FROM publish_device p JOIN session s ON s.id = p.session_id "
                "JOIN device v ON v.id = p.device_id "
                "WHERE (?1 = '' OR v.name = ?1) AND coalesce(s.stopped_ns, ?3) >= ?2 AND s.started_ns < ?3 "
                "ORDER BY v.name, s.started_ns");
    if (!q.isValid()) {
        *error = "the edge database has no publisher accounting (written by --publish since schema 8): " +
                 q.error();
        return false;
    }
    Statement c(central,
                "SELECT count(*), coalesce(sum(r.samples), 0), coalesce(max(r.seq), -1), "
                "coalesce(sum(r.samples = 0), 0) FROM relay_block r JOIN device v ON v.id = r.device_id "
                "WHERE v.name = ? AND r.origin = ?");
    Statement open(central, "SELECT count(*) FROM session WHERE stopped_ns IS NULL");
    if (!c.isValid() || !open.isValid()) {
        *error = "the central database has no relay ledger with sample counts (schema 8): " +
                 (c.isValid() ? open.error() : c.error());
        return false;
    }
    std::string err;
    bool centralRecording = false;
    if (open.fetch(&err))
        centralRecording = open.int64(0) > 0;
    q.bind(1, std::string_view(device));
    q.bind(2, fromNs.value_or(std::numeric_limits<std::int64_t>::min()));
    q.bind(3, toNs.value_or(std::numeric_limits<std::int64_t>::max()));
    const auto u = [&q](int col) { return static_cast<std::uint64_t>(q.int64(col)); };
    while (q.fetch(&err)) {
        Row r;
        r.device = q.text(0);
        r.edgeSession = q.int64(1);
        r.startedNs = q.int64(2);
        if (!q.isNull(3))
            r.stoppedNs = q.int64(3);
        r.mode = q.text(4);
        r.origin = q.text(5);
        r.stream = q.text(6);
        r.received = u(7);
        r.published = u(8);
        r.entries = u(9);
        r.droppedTapOverflow = u(10);
        r.droppedOverflow = u(11);
        r.droppedRejected = u(12);
        r.droppedUnpublished = u(13);
        r.eventsOffered = u(14);
        r.eventsPublished = u(15);
        r.eventsDropped = u(16);
        r.centralRecording = centralRecording;
        c.reset();
        c.bind(1, std::string_view(r.device)).bind(2, std::string_view(r.origin));
        if (c.fetch(&err)) {
            r.centralEntries = static_cast<std::uint64_t>(c.int64(0));
            r.centralSamples = static_cast<std::uint64_t>(c.int64(1));
            r.centralMaxSeq = c.int64(2);
            r.centralEvents = r.mode == "features" ? static_cast<std::uint64_t>(c.int64(3)) : 0;
        }
        if (!err.empty())
            break;
        out->push_back(std::move(r));
    }
    if (!err.empty()) {
        *error = err;
        return false;
    }
    return true;
}

} // namespace vibra::storage
