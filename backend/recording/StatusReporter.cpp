#include "recording/StatusReporter.h"

#include "pipeline/Pipeline.h"

#include <algorithm>
#include <cmath>

namespace vibra::recording {

StatusReporter::StatusReporter(const pipeline::Pipeline& pipeline)
    : m_pipeline(pipeline) {}

QString StatusReporter::human(double v) {
    if (v >= 1e9)
        return QString::number(v / 1e9, 'f', 2) + QStringLiteral(" G");
    if (v >= 1e6)
        return QString::number(v / 1e6, 'f', 2) + QStringLiteral(" M");
    if (v >= 1e4)
        return QString::number(v / 1e3, 'f', 1) + QStringLiteral(" k");
    return QString::number(v, 'f', 0);
}

QString StatusReporter::dropReasons(const core::CounterSnapshot& c) {
    QStringList parts;
    for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
        const auto name = QString::fromUtf8(core::dropReasonName(static_cast<core::DropReason>(r)).data());
        if (c.samplesDropped[r])
            parts << QStringLiteral("%1 %2").arg(name).arg(c.samplesDropped[r]);
        else if (c.framesDropped[r])
            parts << QStringLiteral("%1 %2 frames").arg(name).arg(c.framesDropped[r]);
    }
    return parts.join(QStringLiteral(", "));
}

QString StatusReporter::ingestText(const io::IngestServer::Stats& st) {
    return QStringLiteral(
               "ingest: %1 connections, %2 unauthorized, %3 refused busy, %4 oversized, %5 relayed, %6 "
               "subscriber drops")
        .arg(st.connections.load())
        .arg(st.unauthorized.load())
        .arg(st.refusedBusy.load())
        .arg(st.oversized.load())
        .arg(st.relayed.load())
        .arg(st.subscriberDrops.load());
}

namespace {
core::CounterSnapshot delta(const core::CounterSnapshot& now, const core::CounterSnapshot& before) {
    core::CounterSnapshot d = now;
    d.samplesReceived -= std::min(d.samplesReceived, before.samplesReceived);
    d.samplesStored -= std::min(d.samplesStored, before.samplesStored);
    for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
        d.samplesDropped[r] -= std::min(d.samplesDropped[r], before.samplesDropped[r]);
        d.framesDropped[r] -= std::min(d.framesDropped[r], before.framesDropped[r]);
    }
    d.gapsDetected -= std::min(d.gapsDetected, before.gapsDetected);
    d.gapsInferred -= std::min(d.gapsInferred, before.gapsInferred);
    d.samplesMissing -= std::min(d.samplesMissing, before.samplesMissing);
    return d;
}
} // namespace

StatusReporter::Lines StatusReporter::sample(double elapsed, bool verbose) {
    const double dt = std::max(1e-3, elapsed - m_lastElapsed);
    m_lastElapsed = elapsed;
    Lines out;
    int live = 0, stalled = 0, finished = 0, failing = 0;
    core::CounterSnapshot interval; // sums over devices
    std::uint64_t stored = 0;
    double inputFill = 0, inputFillMax = 0;
    std::map<std::string, Last> next;
    for (const auto& ch : m_pipeline.channels()) {
        const std::string id = ch->deviceId().toStdString();
        const auto now = ch->counters().snapshot();
        Last& prev = m_last[id];
        const auto d = delta(now, prev.counters);
        const bool done = ch->isFinite() && ch->isFinished();
        const auto state = ch->state();
        const bool bad = state == io::Source::State::Failed || state == io::Source::State::Reconnecting;
        const int stalledFor = (d.samplesReceived == 0 && !done) ? prev.stalledIntervals + 1 : 0;
        if (done)
            ++finished;
        else if (bad)
            ++failing;
        else if (stalledFor > 0)
            ++stalled;
        else
            ++live;
        interval.samplesReceived += d.samplesReceived;
        interval.samplesStored += d.samplesStored;
        for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
            interval.samplesDropped[r] += d.samplesDropped[r];
            interval.framesDropped[r] += d.framesDropped[r];
        }
        interval.gapsDetected += d.gapsDetected + d.gapsInferred;
        stored += now.samplesStored;
        const auto& in = ch->core()->input();
        const double fill = static_cast<double>(in.queuedSamples()) /
                            static_cast<double>(std::max<std::uint64_t>(1, in.sampleBudget()));
        inputFill += fill;
        inputFillMax = std::max(inputFillMax, fill);
        const bool problem =
            bad || stalledFor > 0 || d.droppedTotal() > 0 || d.gapsDetected + d.gapsInferred > 0 || [&] {
                for (auto f : d.framesDropped)
                    if (f)
                        return true;
                return false;
            }();
        if (verbose || problem) {
            QStringList why;
            if (bad)
                why << io::Source::stateName(state) + (ch->stateMessage().isEmpty()
                                                           ? QString()
                                                           : QStringLiteral(" (%1)").arg(ch->stateMessage()));
            if (stalledFor > 0)
                why << QStringLiteral("no data for %1 interval(s)").arg(stalledFor);
            if (const QString r = dropReasons(d); !r.isEmpty())
                why << QStringLiteral("dropped %1").arg(r);
            if (d.gapsDetected + d.gapsInferred)
                why << QStringLiteral("%1 gap(s), %2 samples missing")
                           .arg(d.gapsDetected + d.gapsInferred)
                           .arg(d.samplesMissing);
            if (why.isEmpty())
                why << QStringLiteral("%1 S/s, received %2, stored %3")
                           .arg(human(static_cast<double>(d.samplesReceived) / dt))
                           .arg(now.samplesReceived)
                           .arg(now.samplesStored);
            out.devices << QStringLiteral("  %1: %2").arg(ch->deviceId(), why.join(QStringLiteral("; ")));
        }
        next[id] = {now, stalledFor};
    }
    m_last = std::move(next);
    const auto pool = m_pipeline.pool().stats();
    const double busy =
        static_cast<double>(pool.busyNs - static_cast<std::int64_t>(m_lastPoolBusyNs)) / 1e9 / dt;
    m_lastPoolBusyNs = static_cast<std::uint64_t>(pool.busyNs);
    const std::size_t n = m_pipeline.channels().size();
    const QString drops = dropReasons(interval);
    out.summary =
        QStringLiteral(
            "[%1 s] %2 devices: %3 live, %4 stalled, %5 failing%6 | %7 S/s | stored %8 | dropped %9 | "
            "input queues %10 % (max %11 %) | dsp %12/%13 cores")
            .arg(static_cast<int>(elapsed), 4)
            .arg(n)
            .arg(live)
            .arg(stalled)
            .arg(failing)
            .arg(finished ? QStringLiteral(", %1 finished").arg(finished) : QString())
            .arg(human(static_cast<double>(interval.samplesReceived) / dt))
            .arg(human(static_cast<double>(stored)))
            .arg(drops.isEmpty() ? QStringLiteral("0") : drops)
            .arg(n ? 100.0 * inputFill / static_cast<double>(n) : 0.0, 0, 'f', 0)
            .arg(100.0 * inputFillMax, 0, 'f', 0)
            .arg(busy, 0, 'f', 2)
            .arg(m_pipeline.pool().threadCount());
    if (m_ingest)
        out.summary += QStringLiteral(" | ") + ingestText(*m_ingest);
    if (m_publisher)
        out.summary += QStringLiteral(" | ") + publishText(*m_publisher);
    return out;
}

QString StatusReporter::publishText(const redis::StreamPublisher& p) {
    const auto st = p.status();
    std::uint64_t published = 0, dropped = 0;
    for (const auto& a : p.accounting()) {
        published += a.published;
        dropped += a.droppedOverflow + a.droppedRejected + a.droppedUnpublished + a.droppedTapOverflow;
    }
    QString text = QStringLiteral("publish: %1, %2 buffered, %3 published, dropped %4")
                       .arg(st.connected ? QStringLiteral("connected") : QStringLiteral("DISCONNECTED"))
                       .arg(st.buffered)
                       .arg(human(static_cast<double>(published)))
                       .arg(dropped);
    if (!st.connected && !st.lastError.empty())
        text += QStringLiteral(" (%1)").arg(QString::fromStdString(st.lastError));
    return text;
}

} // namespace vibra::recording
