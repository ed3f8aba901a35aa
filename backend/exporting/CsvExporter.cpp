#include "exporting/CsvExporter.h"

#include "core/Unit.h"
#include "storage/RollupCursor.h"
#include "storage/TimeText.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace vibra::exporting {

namespace {
struct FileCloser {
    void operator()(std::FILE* f) const {
        if (f)
            std::fclose(f);
    }
};

void appendNumber(std::string& out, double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back exactly
    out.append(buf, ec == std::errc() ? end : buf);
}

std::string columnUnit(const std::string& unit) {
    return unit == "g" ? "g" : "mps2";
}
} // namespace

bool CsvExporter::run(const ExportRequest& request, std::string* error, ExportStats* stats, Progress progress,
                      const std::atomic<bool>* cancel) {
    storage::Database db;
    if (!db.open(request.dbPath, storage::Database::Mode::ReadOnly, error))
        return false;
    storage::RollupCursor cursor;
    if (!cursor.open(db, request.devices, request.fromNs, request.toNs, error))
        return false;

    // Columns: one set per axis position; names and unit shared when the devices agree.
    const auto& devices = cursor.devices();
    int axes = 1;
    bool sameNames = true, sameUnit = true;
    for (const auto& d : devices) {
        axes = std::max(axes, d.axes);
        sameNames = sameNames && d.axisNames == devices.front().axisNames;
        sameUnit = sameUnit && d.unit == devices.front().unit;
    }
    const std::string unit = devices.empty() ? "g" : (sameUnit ? devices.front().unit : "m/s2");
    std::vector<std::string> axisNames;
    for (int a = 0; a < axes; ++a)
        axisNames.push_back(sameNames && !devices.empty() &&
                                    a < static_cast<int>(devices.front().axisNames.size())
                                ? devices.front().axisNames[a]
                                : "a" + std::to_string(a));

    const std::string partial = request.outPath + ".partial";
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(partial.c_str(), "wb"));
    if (!file) {
        *error = "cannot write '" + partial + "': " + std::strerror(errno);
        return false;
    }
    auto abandon = [&](const std::string& message) {
        file.reset();
        std::error_code ec;
        std::filesystem::remove(partial, ec);
        *error = message;
        return false;
    };

    const std::string u = columnUnit(unit);
    std::string line = request.epochNs ? "time_ns" : "time_utc";
    line += ",device,samples";
    for (const auto& n : axisNames)
        for (const char* stat : {"min", "max", "mean", "rms", "peak"})
            line += "," + n + "_" + stat + "_" + u;
    for (const auto& n : axisNames)
        line += "," + n + "_kurtosis";
    line += ",gaps\n";

    std::uint64_t rows = 0, bytes = 0;
    auto write = [&](const std::string& s) {
        bytes += s.size();
        return std::fwrite(s.data(), 1, s.size(), file.get()) == s.size();
    };
    if (!write(line))
        return abandon("writing '" + partial + "' failed: " + std::strerror(errno));

    const std::uint64_t total = cursor.count();
    storage::RollupRow row;
    while (cursor.next(&row)) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return abandon("export cancelled");
        if (!row.device)
            continue;
        const double scale = row.device->unit == unit ? 1.0 : core::kStandardGravity; // only g -> m/s2 occurs
        line.clear();
        if (request.epochNs)
            line += std::to_string(row.tNs);
        else
            line += storage::TimeText::isoMicros(row.tNs);
        line += ',' + row.device->name + ',' + std::to_string(row.samples);
        for (int a = 0; a < axes; ++a) {
            const bool has = a < static_cast<int>(row.axes.size());
            const auto& ax = has ? row.axes[a] : storage::RollupRow::Axis{};
            for (double v : {ax.min, ax.max, ax.mean, ax.rms, ax.peak}) {
                line += ',';
                if (has)
                    appendNumber(line, v * scale);
            }
        }
        for (int a = 0; a < axes; ++a) {
            line += ',';
            if (a < static_cast<int>(row.axes.size()))
                appendNumber(line, row.axes[a].kurtosis);
        }
        line += ',' + std::to_string(row.gaps) + '\n';
        if (!write(line))
            return abandon("writing '" + partial + "' failed: " + std::strerror(errno));
        ++rows;
        if (progress && (rows % 4096 == 0))
            progress(rows, total);
    }
    if (!cursor.error().empty())
        return abandon("reading '" + request.dbPath + "' failed: " + cursor.error());
    if (std::fflush(file.get()) != 0 || std::ferror(file.get()))
        return abandon("writing '" + partial + "' failed: " + std::strerror(errno));
    if (std::fclose(file.release()) != 0)
        return abandon("closing '" + partial + "' failed: " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(partial, request.outPath, ec);
    if (ec)
        return abandon("cannot rename '" + partial + "' to '" + request.outPath + "': " + ec.message());
    if (progress)
        progress(rows, total);
    if (stats) {
        stats->rows = rows;
        stats->bytes = bytes;
        stats->unit = unit;
        stats->convertedUnits = !sameUnit;
    }
    return true;
}

} // namespace vibra::exporting
