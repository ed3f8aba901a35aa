#pragma once

#include "exporting/ExportRequest.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace vibra::exporting {

/// Writes the rows of ExportRows as CSV: a header naming every column with its unit (x_rms_g, ...), UTC
/// timestamps (ISO-8601 with microseconds, or epoch ns), rollup values as the shortest decimal text that
/// reads back as the identical double, raw values as the shortest text that reads back as the identical
/// float32; a value a device does not have is an empty field. Streams with constant memory, writes to
/// OUT.partial and renames it to OUT when complete (a failed or cancelled export leaves no OUT). An empty
/// range gives a file with the header only.
///
/// Threads: run() works on the calling thread (CLI main thread, or a GUI worker thread); cancel and
/// progress make it usable from the GUI.
class CsvExporter {
public:
    using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

    bool run(const ExportRequest& request, std::string* error, ExportStats* stats = nullptr,
             Progress progress = {}, const std::atomic<bool>* cancel = nullptr);
};

} // namespace vibra::exporting
