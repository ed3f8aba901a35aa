#pragma once

#include "exporting/CsvExporter.h"
#include "parquet/ParquetSchema.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace vibra::exporting {

/// Writes 1-second rollups as Parquet, with the same selection, column set and unit handling as CsvExporter:
/// `time_utc` (INT64 TIMESTAMP(UTC, MICROS); or `time_ns`, plain INT64, when request.epochNs), `device`
/// (STRING), `samples` (INT64), per axis `<axis>_{min,max,mean,rms,peak}_<unit>` (DOUBLE), per axis
/// `<axis>_kurtosis` (DOUBLE), `gaps` (INT64). Values a device does not have (fewer axes than the widest
/// device) are NaN, where the CSV leaves the field empty. Key/value metadata: `vibrascope.export` (what was
/// exported: source database, range, devices with rate/axes/unit, unit of the values).
///
/// Streams rows in time order in batches of kBatchRows through parquet::ParquetWriter: constant memory
/// (one row group), OUT.partial renamed to OUT only when complete; a failed or cancelled export leaves no
/// OUT. An empty range gives a valid file with the schema and no rows.
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
    /// level Raw: every stored sample, `t` as TIMESTAMP(NANOS) or epoch ns, sample_index, one FLOAT per axis.
    bool runRaw(const ExportRequest& request, std::string* error, ExportStats* stats, Progress progress,
                const std::atomic<bool>* cancel);

    parquet::WriterOptions m_options;
};

} // namespace vibra::exporting
