#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vibra::storage {

/// The edge-vs-centre report (`vibrascope query compare --edge E.db --central C.db`): for every edge
/// session (overlapping [fromNs, toNs)) and device that published to Redis, what the edge produced and what
/// its publisher did with it (publish_device, written by the edge's writer with its session accounting), next
/// to what the centre stored of that upstream session (the relay ledger: one key per stored entry, with the
/// samples it carried, under the origin the edge recorded).
///
///   lost at the edge  = received - published (dropped by reason: tap_overflow, buffer_overflow, rejected,
///                       unpublished; known and counted by the edge)
///   missing after publish = published - stored at the centre (entries Redis acknowledged that the centre
///                       does not hold: trimmed or deleted from the stream before a consumer read them, lost
///                       with a Redis that had not persisted them, deleted from the central database)
///   verdict: "balanced" (nothing lost anywhere: received = stored), "in flight" (the edge session is still
///   open, or the centre holds a gap-free prefix of the entries and is still recording: the rest may be on
///   its way), "lost" (only known edge drops), "missing" (published entries absent at the centre).
///
/// Raw streams count at the centre only when it records with --raw (the ledger is written with raw blocks);
/// ledger rows written before schema 8 carry no sample counts.
/// Plain functions over two open connections (any thread that owns them).
class RelayComparison {
public:
    struct Row {
        std::string device;
        std::int64_t edgeSession = 0;
        std::int64_t startedNs = 0;
        std::optional<std::int64_t> stoppedNs; ///< nullopt: the edge session is open (or crashed unrecovered)
        std::string mode, origin, stream;
        std::uint64_t received = 0, published = 0, entries = 0;
        std::uint64_t droppedTapOverflow = 0, droppedOverflow = 0, droppedRejected = 0,
                      droppedUnpublished = 0;
        std::uint64_t eventsOffered = 0, eventsPublished = 0, eventsDropped = 0;
        // the centre
        std::uint64_t centralEntries = 0, centralSamples = 0, centralEvents = 0;
        std::int64_t centralMaxSeq = -1;
        bool centralRecording = false; ///< the centre has an open session

        std::uint64_t droppedAtEdge() const {
            return droppedTapOverflow + droppedOverflow + droppedRejected + droppedUnpublished;
        }
        bool edgeBalanced() const { return received == published + droppedAtEdge(); }
        /// Published samples the centre does not hold (negative: it holds more, which cannot happen).
        std::int64_t missing() const {
            return static_cast<std::int64_t>(published) - static_cast<std::int64_t>(centralSamples);
        }
        std::uint64_t missingEntries() const {
            return entries > centralEntries ? entries - centralEntries : 0;
        }
        /// "balanced", "in flight", "lost", "missing" or "excess".
        std::string verdict() const;
        bool balanced() const { return verdict() == "balanced"; }
    };

    /// The rows; false with a message (e.g. an edge database without publisher accounting).
    static bool run(sqlite3* edge, sqlite3* central, std::optional<std::int64_t> fromNs,
                    std::optional<std::int64_t> toNs, const std::string& device, std::vector<Row>* out,
                    std::string* error);
};

} // namespace vibra::storage
