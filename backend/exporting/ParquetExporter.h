#pragma once

#include "exporting/CsvExporter.h"
#include "parquet/ParquetSchema.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace vibra::exporting {

/// Writes the rows of ExportRows as Parquet, with the same selection, columns and unit handling as
/// CsvExporter: the time column as INT64 TIMESTAMP(UTC; MICROS for rollups, NANOS for raw) or, with
/// request.epochNs, plain INT64 `time_ns`; `device` STRING; counts INT64; rollup values DOUBLE; raw samples
/// FLOAT (BYTE_STREAM_SPLIT). Values a device does not have are NaN, where the CSV leaves the field empty.
/// Key/value metadata `vibrascope.export`: ExportRows::describe() (source database, table, unit, range,
/// devices with rate/axes/unit).
///
/// Streams rows in batches of kBatchRows through parquet::ParquetWriter: constant memory (one row group),
/// OUT.partial renamed to OUT only when complete; a failed or cancelled export leaves no OUT. An empty range
/// gives a valid file with the schema and no rows.
///
/// Threads: run() works on the calling thread (CLI main thread, or a GUI worker thread); cancel and progress
/// make it usable from the GUI.
class ParquetExporter {
public:
    using Progress = CsvExporter::Progress;
    static constexpr std::size_t kBatchRows = 4096;

    explicit ParquetExporter(parquet::WriterOptions options = {})
        : m_options(std::move(options)) {}

    bool run(const ExportRequest& request, std::string* error, ExportStats* stats = nullptr,
             Progress progress = {}, const std::atomic<bool>* cancel = nullptr);

private:
    parquet::WriterOptions m_options;
};

} // namespace vibra::exporting
