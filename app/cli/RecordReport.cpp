#include "cli/RecordReport.h"

#include "recording/StatusReporter.h"

#include <QFile>
#include <QSaveFile>

#include <nlohmann/json.hpp>

namespace vibra::cli {

namespace {
QString pad(const QString& s, int width, bool right = true) {
    return right ? s.rightJustified(width) : s.leftJustified(width);
}
} // namespace

void RecordReport::print(QTextStream& out) const {
    out << "vibrascope record: stopped (" << stopReason << ") after " << QString::number(seconds, 'f', 1)
        << " s;" << (database.isEmpty() ? QString() : QStringLiteral(" database ") + database)
        << (parquetDir.isEmpty() ? QString() : QStringLiteral(" parquet ") + parquetDir) << "\n";
    int idWidth = 6;
    for (const auto& d : report.devices)
        idWidth = std::max(idWidth, static_cast<int>(d.id.size()));
    idWidth = std::min(idWidth, 32);
    const bool db = !database.isEmpty();
    out << "  " << pad(QStringLiteral("device"), idWidth, false) << pad(QStringLiteral("received"), 14)
        << (db ? pad(QStringLiteral("stored"), 14) : QString()) << pad(QStringLiteral("dropped"), 12)
        << pad(QStringLiteral("gaps"), 7) << "  " << (db ? QStringLiteral("balanced    ") : QString())
        << QStringLiteral("drop reasons") << "\n";
    core::CounterSnapshot total;
    for (const auto& d : report.devices) {
        const auto& c = d.counters;
        out << "  " << pad(QString::fromStdString(d.id), idWidth, false)
            << pad(QString::number(c.samplesReceived), 14)
            << (db ? pad(QString::number(c.samplesStored), 14) : QString())
            << pad(QString::number(c.droppedTotal()), 12)
            << pad(QString::number(c.gapsDetected + c.gapsInferred), 7) << "  "
            << (db ? (d.balanced() ? QStringLiteral("yes         ") : QStringLiteral("UNBALANCED  "))
                   : QString())
            << recording::StatusReporter::dropReasons(c) << "\n";
        total.samplesReceived += c.samplesReceived;
        total.samplesStored += c.samplesStored;
        for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
            total.samplesDropped[r] += c.samplesDropped[r];
            total.framesDropped[r] += c.framesDropped[r];
        }
        total.gapsDetected += c.gapsDetected + c.gapsInferred;
    }
    if (report.devices.size() > 1)
        out << "  " << pad(QStringLiteral("TOTAL"), idWidth, false)
            << pad(QString::number(total.samplesReceived), 14)
            << (db ? pad(QString::number(total.samplesStored), 14) : QString())
            << pad(QString::number(total.droppedTotal()), 12) << pad(QString::number(total.gapsDetected), 7)
            << "  "
            << (db ? (report.balanced ? QStringLiteral("yes         ") : QStringLiteral("UNBALANCED  "))
                   : QString())
            << recording::StatusReporter::dropReasons(total) << "\n";
    if (report.devices.empty())
        out << "  (no devices)\n";
    for (const auto& d : report.devices) {
        if (!d.hasParquet)
            continue;
        const auto& a = d.parquet;
        out << "  " << QString::fromStdString(d.id) << " (parquet): received " << a.received << " = written "
            << a.written << " + dropped " << a.dropped() << " (tap_overflow " << a.droppedTapOverflow
            << ", write_error " << a.droppedWriteError << "); " << a.files << " file(s), " << a.bytes
            << " bytes" << (a.balanced() ? "" : "  [UNBALANCED]") << "\n";
    }
    for (const auto& d : report.devices) {
        if (!d.hasPublish)
            continue;
        const auto& a = d.publish;
        out << "  " << QString::fromStdString(d.id) << " (redis): received " << a.received << " = published "
            << a.published << " (" << a.entries << " entries) + dropped " << a.dropped() << " (tap_overflow "
            << a.droppedTapOverflow << ", buffer_overflow " << a.droppedOverflow << ", rejected "
            << a.droppedRejected << ", unpublished " << a.droppedUnpublished << ")";
        if (a.eventsOffered > 0)
            out << "; events " << a.eventsOffered << " = published " << a.eventsPublished << " + dropped "
                << a.eventsDropped;
        out << (a.balanced() ? "" : "  [UNBALANCED]") << "\n";
    }
}

std::string RecordReport::json() const {
    using nlohmann::json;
    json devices = json::array();
    for (const auto& d : report.devices) {
        const auto& c = d.counters;
        json dropped = json::object(), framesDropped = json::object();
        for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
            const std::string name(core::dropReasonName(static_cast<core::DropReason>(r)));
            dropped[name] = c.samplesDropped[r];
            framesDropped[name] = c.framesDropped[r];
        }
        json dev = {{"device", d.id},
                    {"received", c.samplesReceived},
                    {"stored", c.samplesStored},
                    {"dropped", dropped},
                    {"frames_dropped", framesDropped},
                    {"dropped_total", c.droppedTotal()},
                    {"gaps", c.gapsDetected + c.gapsInferred},
                    {"samples_missing", c.samplesMissing},
                    {"reconnects", c.reconnects},
                    {"balanced", d.balanced()}};
        if (d.hasParquet)
            dev["parquet"] = {{"received", d.parquet.received},
                              {"written", d.parquet.written},
                              {"dropped_tap_overflow", d.parquet.droppedTapOverflow},
                              {"dropped_write_error", d.parquet.droppedWriteError},
                              {"files", d.parquet.files},
                              {"bytes", d.parquet.bytes},
                              {"balanced", d.parquet.balanced()}};
        if (d.hasPublish)
            dev["publish"] = {{"received", d.publish.received},
                              {"published", d.publish.published},
                              {"entries", d.publish.entries},
                              {"dropped_tap_overflow", d.publish.droppedTapOverflow},
                              {"dropped_buffer_overflow", d.publish.droppedOverflow},
                              {"dropped_rejected", d.publish.droppedRejected},
                              {"dropped_unpublished", d.publish.droppedUnpublished},
                              {"events_offered", d.publish.eventsOffered},
                              {"events_published", d.publish.eventsPublished},
                              {"events_dropped", d.publish.eventsDropped},
                              {"balanced", d.publish.balanced()}};
        devices.push_back(std::move(dev));
    }
    json doc = {{"schema", "vibrascope.record-report/1"},
                {"stop_reason", stopReason.toStdString()},
                {"seconds", seconds},
                {"database", database.toStdString()},
                {"parquet_dir", parquetDir.toStdString()},
                {"balanced", report.balanced},
                {"failed", report.failed},
                {"error", report.error},
                {"devices", devices}};
    return doc.dump(2) + "\n";
}

bool RecordReport::writeJson(const QString& path, QString* error) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    const std::string text = json();
    f.write(text.data(), static_cast<qint64>(text.size()));
    if (!f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

QString featuresText(const redis::FeatureConsumer::Stats& s) {
    QString text =
        QStringLiteral("features: %1 streams, %2 rollups (%3 samples), %4 events, acked %5, dead %6, "
                       "claimed %7")
            .arg(s.streams)
            .arg(s.rollups)
            .arg(s.samples)
            .arg(s.events)
            .arg(s.acked)
            .arg(s.deadLettered)
            .arg(s.claimed);
    if (!s.lastError.empty())
        text += QStringLiteral(" (last error: %1)").arg(QString::fromStdString(s.lastError));
    return text;
}

} // namespace vibra::cli
