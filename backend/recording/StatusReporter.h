#pragma once

#include "core/DeviceCounters.h"
#include "io/IngestServer.h"
#include "redis/StreamPublisher.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <string>

namespace vibra::pipeline {
class Pipeline;
}

namespace vibra::recording {

/// The recorder's periodic status, readable at 1 device or 1000: one summary line per interval (devices
/// live/stalled, samples/s, stored, dropped by reason, queue fill, pool load) plus one line per device that
/// has a problem in that interval (stalled, failed or reconnecting, new drops, new gaps); every device with
/// `verbose`.
///
/// Threads: owner thread (reads the pipeline's channels and their counters, which are atomics).
class StatusReporter {
public:
    struct Lines {
        QString summary;
        QStringList devices;
    };

    explicit StatusReporter(const pipeline::Pipeline& pipeline);
    /// With an ingest server: its connection counters join the summary line.
    void setIngest(const io::IngestServer::Stats* stats) { m_ingest = stats; }
    /// "ingest: 3 connections, 1 unauthorized, ..." (cumulative).
    static QString ingestText(const io::IngestServer::Stats& s);
    /// With a Redis publisher: its connection and buffer join the summary line.
    void setPublisher(const redis::StreamPublisher* publisher) { m_publisher = publisher; }
    /// "publish: connected, 3 buffered, 1.2 M published, dropped 0" (cumulative).
    static QString publishText(const redis::StreamPublisher& p);
    /// Computes the interval since the previous call (or since construction).
    Lines sample(double elapsedSeconds, bool verbose);

    /// "ring_overflow 12, malformed 3" (samples; frames for reasons without a sample count) or "".
    static QString dropReasons(const core::CounterSnapshot& c);
    /// 12.3 k / 4.56 M style.
    static QString human(double v);

private:
    struct Last {
        core::CounterSnapshot counters;
        int stalledIntervals = 0;
    };
    const pipeline::Pipeline& m_pipeline;
    const io::IngestServer::Stats* m_ingest = nullptr;
    const redis::StreamPublisher* m_publisher = nullptr;
    std::map<std::string, Last> m_last;
    double m_lastElapsed = 0.0;
    std::uint64_t m_lastPoolBusyNs = 0;
};

} // namespace vibra::recording
