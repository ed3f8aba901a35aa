#pragma once

#include "storage/RollupLevel.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vibra::exporting {

/// What to export from a history database.
struct ExportRequest {
    std::string dbPath;
    std::string outPath;
    std::vector<std::string> devices;   ///< empty = all
    std::optional<std::int64_t> fromNs; ///< inclusive, UTC ns (bucket start)
    std::optional<std::int64_t> toNs;   ///< exclusive
    bool epochNs = false;               ///< time column as epoch ns instead of ISO-8601
    storage::RollupLevel level = storage::RollupLevel::Second; ///< raw samples or a rollup level
};

struct ExportStats {
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0;
    std::string unit;            ///< unit of the value columns
    bool convertedUnits = false; ///< devices had mixed units, everything was converted to m/s²
};

/// Writes rollups (request.level: 1 s by default, 1 min, 1 h) as CSV: one row per device and bucket, a header
/// naming every column with its unit (x_rms_g, ...), UTC timestamps. With level Raw it writes every stored
/// sample instead: time, device, sample_index and one column per axis, rows grouped by device and in time
/// order within a device; values are the shortest decimal text that reads back as the identical float32.
/// Streams rows in time order with constant memory, writes to OUT.partial and renames it to OUT when complete
/// (a failed or cancelled export leaves no OUT). An empty range gives a file with the header only.
///
/// Threads: run() works on the calling thread (CLI main thread, or a GUI worker thread); cancel and
/// progress make it usable from the GUI.
class CsvExporter {
public:
    using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

    bool run(const ExportRequest& request, std::string* error, ExportStats* stats = nullptr,
             Progress progress = {}, const std::atomic<bool>* cancel = nullptr);

private:
    bool runRaw(const ExportRequest& request, std::string* error, ExportStats* stats, Progress progress,
                const std::atomic<bool>* cancel);
};

} // namespace vibra::exporting
