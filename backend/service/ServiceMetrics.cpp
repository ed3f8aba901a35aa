#include "service/ServiceMetrics.h"

#include "core/Clock.h"
#include "core/Unit.h"
#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"
#include "recording/Recorder.h"
#include "service/HttpIngest.h"
#include "service/HttpServer.h"
#include "service/JsonViews.h"
#include "service/QueryWorkers.h"
#include "service/Router.h"

#include <cmath>

namespace vibra::service {

namespace {
using L = PrometheusText::Labels;
L dev(const QString& id) {
    return {{QStringLiteral("device"), id}};
}
L dev(const QString& id, const char* k, const QString& v) {
    return {{QStringLiteral("device"), id}, {QString::fromLatin1(k), v}};
}
} // namespace

QByteArray ServiceMetrics::render() const {
    PrometheusText t;
    t.family("vibrascope_build_info", "gauge", "Build information; always 1.");
    t.sample("vibrascope_build_info", {{QStringLiteral("version"), m_parts.version}}, 1);
    if (m_parts.pipeline)
        devices(t);
    engine(t);
    http(t);
    for (const auto& s : m_sections)
        s(t);
    return t.text();
}

void ServiceMetrics::devices(PrometheusText& t) const {
    const auto& channels = m_parts.pipeline->channels();
    struct Row {
        QString id;
        core::CounterSnapshot c;
        pipeline::RollupRecordPtr last;
        std::size_t depth, capacity;
        std::uint64_t queued, budget;
        bool live;
    };
    std::vector<Row> rows;
    rows.reserve(channels.size());
    for (const auto& ch : channels) {
        const auto& core = ch->core();
        rows.push_back({ch->deviceId(), core->counters()->snapshot(), core->lastSecond(),
                        core->input().size(), core->input().capacity(), core->input().queuedSamples(),
                        core->input().sampleBudget(), ch->state() == io::Source::State::Live});
    }
    t.family("vibrascope_devices", "gauge", "Devices in the engine.");
    t.sample("vibrascope_devices", static_cast<double>(rows.size()));
    t.family("vibrascope_device_up", "gauge", "1 while the device's source is live (connected), else 0.");
    for (const auto& r : rows)
        t.sample("vibrascope_device_up", dev(r.id), r.live ? 1 : 0);
    t.family("vibrascope_samples_received_total", "counter", "Samples per axis received from the device.");
    for (const auto& r : rows)
        t.sample("vibrascope_samples_received_total", dev(r.id), static_cast<double>(r.c.samplesReceived));
    t.family("vibrascope_samples_processed_total", "counter", "Samples per axis through the DSP chain.");
    for (const auto& r : rows)
        t.sample("vibrascope_samples_processed_total", dev(r.id), static_cast<double>(r.c.samplesProcessed));
    t.family("vibrascope_samples_stored_total", "counter", "Samples per axis committed to storage.");
    for (const auto& r : rows)
        t.sample("vibrascope_samples_stored_total", dev(r.id), static_cast<double>(r.c.samplesStored));
    t.family("vibrascope_samples_dropped_total", "counter",
             "Samples per axis discarded before storage, by reason.");
    for (const auto& r : rows)
        for (std::size_t i = 0; i < core::kDropReasonCount; ++i)
            t.sample("vibrascope_samples_dropped_total",
                     dev(r.id, "reason",
                         QString::fromLatin1(core::dropReasonName(static_cast<core::DropReason>(i)).data())),
                     static_cast<double>(r.c.samplesDropped[i]));
    t.family("vibrascope_frames_dropped_total", "counter", "Frames discarded before storage, by reason.");
    for (const auto& r : rows)
        for (std::size_t i = 0; i < core::kDropReasonCount; ++i)
            t.sample("vibrascope_frames_dropped_total",
                     dev(r.id, "reason",
                         QString::fromLatin1(core::dropReasonName(static_cast<core::DropReason>(i)).data())),
                     static_cast<double>(r.c.framesDropped[i]));
    t.family("vibrascope_gaps_total", "counter",
             "Stream discontinuities, detected from sequence numbers or inferred from timestamps.");
    for (const auto& r : rows) {
        t.sample("vibrascope_gaps_total", dev(r.id, "kind", QStringLiteral("detected")),
                 static_cast<double>(r.c.gapsDetected));
        t.sample("vibrascope_gaps_total", dev(r.id, "kind", QStringLiteral("inferred")),
                 static_cast<double>(r.c.gapsInferred));
    }
    t.family("vibrascope_samples_missing_total", "counter", "Samples per axis never received (inside gaps).");
    for (const auto& r : rows)
        t.sample("vibrascope_samples_missing_total", dev(r.id), static_cast<double>(r.c.samplesMissing));
    t.family("vibrascope_reconnects_total", "counter", "Source reconnections.");
    for (const auto& r : rows)
        t.sample("vibrascope_reconnects_total", dev(r.id), static_cast<double>(r.c.reconnects));
    t.family("vibrascope_received_bytes_total", "counter", "Raw bytes received from the transport.");
    for (const auto& r : rows)
        t.sample("vibrascope_received_bytes_total", dev(r.id), static_cast<double>(r.c.bytes));

    const std::int64_t now = core::utcNowNs();
    t.family("vibrascope_last_sample_age_seconds", "gauge",
             "Time since the end of the newest completed second of the device.");
    for (const auto& r : rows)
        if (r.last)
            t.sample("vibrascope_last_sample_age_seconds", dev(r.id),
                     static_cast<double>(now - r.last->bucketStartNs - core::kSecondNs) / 1e9);
    t.family("vibrascope_sample_rate_hertz", "gauge", "Samples per axis in the newest completed second.");
    for (const auto& r : rows)
        if (r.last)
            t.sample("vibrascope_sample_rate_hertz", dev(r.id), static_cast<double>(r.last->samples));
    t.family("vibrascope_acceleration_rms_meters_per_second_squared", "gauge",
             "AC RMS of the newest completed second, per axis.");
    for (const auto& r : rows) {
        if (!r.last || !r.last->device)
            continue;
        const double k = r.last->device->unit == core::Unit::G ? core::kStandardGravity : 1.0;
        for (std::size_t a = 0; a < r.last->axes.size() && a < r.last->device->axisNames.size(); ++a)
            t.sample("vibrascope_acceleration_rms_meters_per_second_squared",
                     dev(r.id, "axis", QString::fromStdString(r.last->device->axisNames[a])),
                     r.last->axes[a].rms * k);
    }
    t.family("vibrascope_velocity_rms_meters_per_second", "gauge",
             "Velocity RMS (ISO band) of the newest completed second, per axis.");
    for (const auto& r : rows) {
        if (!r.last || !r.last->device)
            continue;
        for (std::size_t a = 0; a < r.last->velocityRmsMmS.size() && a < r.last->device->axisNames.size();
             ++a)
            if (std::isfinite(r.last->velocityRmsMmS[a]))
                t.sample("vibrascope_velocity_rms_meters_per_second",
                         dev(r.id, "axis", QString::fromStdString(r.last->device->axisNames[a])),
                         r.last->velocityRmsMmS[a] / 1000.0);
    }
    t.family("vibrascope_zone", "gauge",
             "ISO 10816 severity zone of the newest second: 0=A 1=B 2=C 3=D, -1 unknown.");
    for (const auto& r : rows)
        if (r.last)
            t.sample("vibrascope_zone", dev(r.id), JsonViews::summarize(*r.last).zone);
    t.family("vibrascope_queue_depth", "gauge",
             "Items waiting in a queue (input: blocks from the source; store: items for SQLite; tap: blocks "
             "for Parquet).");
    std::vector<recording::Recorder::FeedLevel> feeds;
    if (m_parts.recorder)
        feeds = m_parts.recorder->feedLevels();
    for (const auto& r : rows)
        t.sample("vibrascope_queue_depth", dev(r.id, "queue", QStringLiteral("input")),
                 static_cast<double>(r.depth));
    for (const auto& f : feeds) {
        const QString id = QString::fromStdString(f.device);
        if (f.storeCapacity)
            t.sample("vibrascope_queue_depth", dev(id, "queue", QStringLiteral("store")),
                     static_cast<double>(f.storeDepth));
        if (f.tapCapacity)
            t.sample("vibrascope_queue_depth", dev(id, "queue", QStringLiteral("tap")),
                     static_cast<double>(f.tapDepth));
    }
    t.family("vibrascope_queue_capacity", "gauge", "Capacity of a queue (items).");
    for (const auto& r : rows)
        t.sample("vibrascope_queue_capacity", dev(r.id, "queue", QStringLiteral("input")),
                 static_cast<double>(r.capacity));
    for (const auto& f : feeds) {
        const QString id = QString::fromStdString(f.device);
        if (f.storeCapacity)
            t.sample("vibrascope_queue_capacity", dev(id, "queue", QStringLiteral("store")),
                     static_cast<double>(f.storeCapacity));
        if (f.tapCapacity)
            t.sample("vibrascope_queue_capacity", dev(id, "queue", QStringLiteral("tap")),
                     static_cast<double>(f.tapCapacity));
    }
    t.family("vibrascope_input_queue_samples", "gauge",
             "Samples per axis waiting in the device's input queue.");
    for (const auto& r : rows)
        t.sample("vibrascope_input_queue_samples", dev(r.id), static_cast<double>(r.queued));
    t.family("vibrascope_input_queue_sample_budget", "gauge", "Most samples per axis the input queue holds.");
    for (const auto& r : rows)
        t.sample("vibrascope_input_queue_sample_budget", dev(r.id), static_cast<double>(r.budget));
}

void ServiceMetrics::engine(PrometheusText& t) const {
    if (m_parts.pipeline) {
        const auto s = m_parts.pipeline->pool().stats();
        t.family("vibrascope_pool_threads", "gauge", "DSP worker threads.");
        t.sample("vibrascope_pool_threads", m_parts.pipeline->pool().threadCount());
        t.family("vibrascope_pool_slices_total", "counter", "DSP slices run by the worker pool.");
        t.sample("vibrascope_pool_slices_total", static_cast<double>(s.slices));
        t.family("vibrascope_pool_busy_seconds_total", "counter", "Time the pool's workers spent in slices.");
        t.sample("vibrascope_pool_busy_seconds_total", static_cast<double>(s.busyNs) / 1e9);
        t.family("vibrascope_pool_ready_tasks", "gauge",
                 "Devices waiting for a DSP worker (the pool's ready queue; at most one entry per device).");
        t.sample("vibrascope_pool_ready_tasks", static_cast<double>(s.ready));
        t.family("vibrascope_pool_parked_tasks", "gauge", "Devices parked by back-pressure from storage.");
        t.sample("vibrascope_pool_parked_tasks", static_cast<double>(s.parked));
        t.family("vibrascope_events_total", "counter", "Events (alarms, zone changes) raised by the engine.");
        t.sample("vibrascope_events_total", static_cast<double>(m_parts.pipeline->events().lastSequence()));
    }
    const storage::SqliteWriter* w = m_parts.recorder ? m_parts.recorder->writer() : nullptr;
    t.family("vibrascope_recording", "gauge", "1 while recording into the database / Parquet.");
    t.sample("vibrascope_recording", m_parts.recorder && m_parts.recorder->isRecording() ? 1 : 0);
    t.family("vibrascope_db_commits_total", "counter", "SQLite transactions committed by the writer.");
    t.sample("vibrascope_db_commits_total", w ? static_cast<double>(w->commits()) : 0);
    t.family("vibrascope_db_write_failed", "gauge",
             "1 after the database refused a write (disk full, I/O error).");
    t.sample("vibrascope_db_write_failed", w && w->failed() ? 1 : 0);
    t.family("vibrascope_db_commit_duration_seconds", "histogram",
             "Time from BEGIN to COMMIT of each writer transaction.");
    const auto h = w ? w->commitLatency().snapshot() : core::LatencyHistogram::Snapshot{};
    t.histogram("vibrascope_db_commit_duration_seconds", {}, core::LatencyHistogram::kBounds, h.cumulative,
                h.count, h.sumSeconds);
}

void ServiceMetrics::http(PrometheusText& t) const {
    if (m_parts.router) {
        t.family("vibrascope_http_requests_total", "counter", "HTTP responses by route and status code.");
        for (const auto& [key, n] : m_parts.router->counts())
            t.sample(
                "vibrascope_http_requests_total",
                {{QStringLiteral("route"), key.first}, {QStringLiteral("code"), QString::number(key.second)}},
                static_cast<double>(n));
        const auto& l = m_parts.router->latency();
        t.family("vibrascope_http_request_duration_seconds", "histogram",
                 "Time from a complete request to its response (all routes).");
        t.histogram("vibrascope_http_request_duration_seconds", {}, Router::Latency::kBounds, l.buckets,
                    l.count, l.sum);
    }
    if (m_parts.http) {
        const auto& s = m_parts.http->stats();
        t.family("vibrascope_http_connections_open", "gauge", "HTTP connections open.");
        t.sample("vibrascope_http_connections_open", static_cast<double>(s.open.load()));
        t.family("vibrascope_http_connections_total", "counter", "HTTP connections accepted.");
        t.sample("vibrascope_http_connections_total", static_cast<double>(s.accepted.load()));
        t.family("vibrascope_http_refused_total", "counter",
                 "HTTP connections or requests refused by a limit, by reason.");
        const std::pair<const char*, std::uint64_t> reasons[] = {
            {"too_many_connections", s.refusedConnections.load()},
            {"head_timeout", s.headTimeouts.load()},
            {"body_timeout", s.bodyTimeouts.load()},
            {"head_too_large", s.oversizedHeads.load()},
            {"body_too_large", s.oversizedBodies.load()},
            {"bad_request", s.badRequests.load()},
            {"tls_error", s.tlsErrors.load()}};
        for (const auto& [name, n] : reasons)
            t.sample("vibrascope_http_refused_total", {{QStringLiteral("reason"), QString::fromLatin1(name)}},
                     static_cast<double>(n));
        t.family("vibrascope_http_idle_closed_total", "counter",
                 "Keep-alive connections closed after the idle timeout.");
        t.sample("vibrascope_http_idle_closed_total", static_cast<double>(s.idleClosed.load()));
        t.family("vibrascope_websocket_upgrades_total", "counter",
                 "WebSocket connections (/ingest, /stream) handed to the ingest server.");
        t.sample("vibrascope_websocket_upgrades_total", static_cast<double>(s.upgrades.load()));
    }
    if (m_parts.queries) {
        t.family("vibrascope_query_queue_depth", "gauge", "History queries waiting for a query worker.");
        t.sample("vibrascope_query_queue_depth", static_cast<double>(m_parts.queries->depth()));
        t.family("vibrascope_query_queue_capacity", "gauge", "Most history queries that may wait.");
        t.sample("vibrascope_query_queue_capacity", static_cast<double>(m_parts.queries->capacity()));
        t.family("vibrascope_query_rejected_total", "counter",
                 "History queries refused (503) because the queue was full.");
        t.sample("vibrascope_query_rejected_total", static_cast<double>(m_parts.queries->rejected()));
    }
    if (m_parts.httpIngest) {
        const auto& s = m_parts.httpIngest->stats();
        t.family("vibrascope_http_ingest_blocks_total", "counter",
                 "Blocks posted to /api/ingest, by result.");
        t.sample("vibrascope_http_ingest_blocks_total",
                 {{QStringLiteral("result"), QStringLiteral("accepted")}},
                 static_cast<double>(s.blocksAccepted));
        t.sample("vibrascope_http_ingest_blocks_total",
                 {{QStringLiteral("result"), QStringLiteral("duplicate")}},
                 static_cast<double>(s.duplicates));
        t.family("vibrascope_http_ingest_rejected_total", "counter",
                 "Requests to /api/ingest refused, by reason.");
        t.sample("vibrascope_http_ingest_rejected_total",
                 {{QStringLiteral("reason"), QStringLiteral("invalid")}}, static_cast<double>(s.invalid));
        t.sample("vibrascope_http_ingest_rejected_total",
                 {{QStringLiteral("reason"), QStringLiteral("queue_full")}},
                 static_cast<double>(s.queueFull));
        t.sample("vibrascope_http_ingest_rejected_total",
                 {{QStringLiteral("reason"), QStringLiteral("device_refused")}},
                 static_cast<double>(s.refused));
    }
    if (m_parts.ingest) {
        const auto& s = m_parts.ingest->stats();
        t.family("vibrascope_websocket_refused_total", "counter",
                 "WebSocket connections or messages refused by the ingest server, by reason.");
        const std::pair<const char*, std::uint64_t> reasons[] = {{"unauthorized", s.unauthorized.load()},
                                                                 {"busy", s.refusedBusy.load()},
                                                                 {"bad_request", s.badRequests.load()},
                                                                 {"oversized", s.oversized.load()},
                                                                 {"no_device", s.rejectedNoDevice.load()}};
        for (const auto& [name, n] : reasons)
            t.sample("vibrascope_websocket_refused_total",
                     {{QStringLiteral("reason"), QString::fromLatin1(name)}}, static_cast<double>(n));
        t.family("vibrascope_stream_blocks_total", "counter",
                 "Blocks relayed to /stream subscribers, by result.");
        t.sample("vibrascope_stream_blocks_total", {{QStringLiteral("result"), QStringLiteral("sent")}},
                 static_cast<double>(s.relayed.load()));
        t.sample("vibrascope_stream_blocks_total", {{QStringLiteral("result"), QStringLiteral("dropped")}},
                 static_cast<double>(s.subscriberDrops.load()));
    }
}

} // namespace vibra::service
