#pragma once

#include "recording/Recorder.h"

#include <QString>
#include <QTextStream>

namespace vibra::cli {

/// The final accounting of a recording: a table on the terminal (one row per device, then a total) and,
/// for scripts, the same as JSON (schema "vibrascope.record-report/1", written with --report-json FILE).
struct RecordReport {
    recording::Recorder::Report report;
    QString stopReason;
    double seconds = 0.0;
    QString database;
    QString parquetDir;

    /// Prints the table; marks unbalanced devices.
    void print(QTextStream& out) const;
    /// Writes the JSON file (atomically: FILE.partial, then renamed). False with *error on failure.
    bool writeJson(const QString& path, QString* error) const;
    /// The JSON text.
    std::string json() const;
};

/// "features: 3 streams, 120 rollups, 4 events, acked 124, dead 0" (the central side of features publishing).
QString featuresText(const redis::FeatureConsumer::Stats& s);

} // namespace vibra::cli
