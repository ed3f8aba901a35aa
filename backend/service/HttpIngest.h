#pragma once

#include "decode/Frame.h"
#include "io/IngestServer.h"
#include "service/HttpMessage.h"

#include <cstdint>

namespace vibra::service {

/// POST /api/ingest?device=ID: JSON blocks (docs/protocol.md, "JSON form") delivered into the same
/// pipeline as WebSocket devices, through the ingest server's per-device state (IngestServer::submit), so
/// a device may switch between the two transports and every block is stored once per (device, seq).
///
/// The body is one block, an array of blocks, or {"blocks":[...]}. All blocks are validated before any is
/// delivered: a bad one answers 400 with {"errors":[{"index":i,"field":"rate_hz","error":"..."}]} and
/// nothing is taken. Sequences must increase within a request. Then the blocks are submitted in order:
///  - 202 {"accepted":n,"duplicates":d,"ack":seq}: every block was stored or was a duplicate of a stored
///    one (a retried request is harmless);
///  - 429 (Retry-After: 1) with the same fields when the device's input queue filled up part way: blocks up
///    to "ack" were taken, the client resends the rest (or the whole request).
/// The server's body limit answers 413 before this runs.
///
/// Threads: the owner thread (where the ingest server runs).
class HttpIngest {
public:
    struct Stats {
        std::uint64_t requests = 0;
        std::uint64_t blocksAccepted = 0;
        std::uint64_t samplesAccepted = 0;
        std::uint64_t duplicates = 0;
        std::uint64_t invalid = 0;   ///< requests answered 400
        std::uint64_t queueFull = 0; ///< requests answered 429
        std::uint64_t refused = 0;   ///< device refused (limit reached)
    };
    static constexpr std::size_t kMaxBlocksPerRequest = 4096;

    explicit HttpIngest(io::IngestServer& server)
        : m_server(server) {}

    HttpResponse handle(const HttpRequest& request);
    const Stats& stats() const { return m_stats; }

private:
    io::IngestServer& m_server;
    Stats m_stats;
    std::vector<decode::DecodedFrame> m_frames; ///< reused between requests
};

} // namespace vibra::service
