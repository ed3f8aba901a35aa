#include "exporting/CsvExporter.h"

#include "exporting/ExportLayout.h"
#include "exporting/PartialFile.h"

#include "core/Unit.h"
#include "storage/RawCursor.h"
#include "storage/RollupCursor.h"
#include "storage/TimeText.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

namespace vibra::exporting {

namespace {
void appendNumber(std::string& out, double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back exactly
    out.append(buf, ec == std::errc() ? end : buf);
}

void appendFloat(std::string& out, float v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back as this float
    out.append(buf, ec == std::errc() ? end : buf);
}
} // namespace

bool CsvExporter::runRaw(const ExportRequest& request, std::string* error, ExportStats* stats,
                         Progress progress, const std::atomic<bool>* cancel) {
    storage::Database db;
    if (!db.open(request.dbPath, storage::Database::Mode::ReadOnly, error))
        return false;
    std::vector<storage::StoredDevice> chosen;
    if (!ExportLayout::chooseDevices(db, request.devices, &chosen, error))
        return false;
    const ExportLayout layout = ExportLayout::of(chosen);
    const int axes = layout.axes;
    PartialFile file(request.outPath);
    if (!file.open()) {
        *error = file.error();
        return false;
    }
    auto abandon = [&](const std::string& message) {
        file.abandon(message);
        *error = file.error();
        return false;
    };
    std::string line = request.epochNs ? "time_ns" : "time_utc";
    line += ",device,sample_index";
    for (const auto& n : layout.axisNames)
        line += "," + n + "_" + layout.columnUnit();
    line += '\n';
    std::uint64_t rows = 0, blocksDone = 0, blocksTotal = 0;
    auto write = [&](const std::string& text) { return file.write(text); };
    if (!write(line))
        return abandon(file.error());
    const std::int64_t from = request.fromNs.value_or(std::numeric_limits<std::int64_t>::min());
    const std::int64_t to = request.toNs.value_or(std::numeric_limits<std::int64_t>::max());
    std::vector<storage::RawCursor> cursors(chosen.size());
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        if (!cursors[i].open(db, chosen[i].name, request.fromNs, request.toNs, error))
            return abandon(*error);
        blocksTotal += cursors[i].count();
    }
    storage::RawBlock block;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const auto& d = chosen[i];
        const auto scale = static_cast<float>(layout.scaleFor(d));
        while (cursors[i].next(&block)) {
            if (cancel && cancel->load(std::memory_order_relaxed))
                return abandon("export cancelled");
            line.clear();
            for (std::uint32_t k = 0; k < block.count; ++k) {
                // the same time formula as SampleBlock::timeOfSampleNs
                const std::int64_t t =
                    block.tNs + static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / d.rateHz);
                if (t < from || t >= to)
                    continue;
                line += request.epochNs ? std::to_string(t) : storage::TimeText::isoMicros(t);
                line += ',' + d.name + ',' + std::to_string(block.firstSample + k);
                for (int a = 0; a < axes; ++a) {
                    line += ',';
                    if (a < block.axes) {
                        const float v = block.data[static_cast<std::size_t>(a) * block.count + k];
                        appendFloat(line, scale == 1.0f ? v : v * scale);
                    }
                }
                line += '\n';
                ++rows;
            }
            if (!write(line))
                return abandon(file.error());
            if (progress && (++blocksDone % 64 == 0))
                progress(blocksDone, blocksTotal);
        }
        if (!cursors[i].error().empty())
            return abandon("reading '" + request.dbPath + "' failed: " + cursors[i].error());
    }
    if (!file.commit()) {
        *error = file.error();
        return false;
    }
    if (progress)
        progress(blocksTotal, blocksTotal);
    if (stats) {
        stats->rows = rows;
        stats->bytes = file.bytes();
        stats->unit = layout.unit;
        stats->convertedUnits = layout.convertedUnits;
    }
    return true;
}

bool CsvExporter::run(const ExportRequest& request, std::string* error, ExportStats* stats, Progress progress,
                      const std::atomic<bool>* cancel) {
    if (request.level == storage::RollupLevel::Raw)
        return runRaw(request, error, stats, std::move(progress), cancel);
    storage::Database db;
    if (!db.open(request.dbPath, storage::Database::Mode::ReadOnly, error))
        return false;
    storage::RollupCursor cursor;
    if (!cursor.open(db, request.level, request.devices, request.fromNs, request.toNs, error))
        return false;

    const ExportLayout layout = ExportLayout::of(cursor.devices());
    const int axes = layout.axes;
    const std::string& unit = layout.unit;
    const std::vector<std::string>& axisNames = layout.axisNames;
    PartialFile file(request.outPath);
    if (!file.open()) {
        *error = file.error();
        return false;
    }
    auto abandon = [&](const std::string& message) {
        file.abandon(message);
        *error = file.error();
        return false;
    };

    const std::string u = layout.columnUnit();
    std::string line = request.epochNs ? "time_ns" : "time_utc";
    line += ",device,samples";
    for (const auto& n : axisNames)
        for (const char* stat : {"min", "max", "mean", "rms", "peak"})
            line += "," + n + "_" + stat + "_" + u;
    for (const auto& n : axisNames)
        line += "," + n + "_kurtosis";
    line += ",gaps\n";

    std::uint64_t rows = 0;
    auto write = [&](const std::string& text) { return file.write(text); };
    if (!write(line))
        return abandon(file.error());

    const std::uint64_t total = cursor.count();
    storage::RollupRow row;
    while (cursor.next(&row)) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return abandon("export cancelled");
        if (!row.device)
            continue;
        const double scale = layout.scaleFor(*row.device);
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
            return abandon(file.error());
        ++rows;
        if (progress && (rows % 4096 == 0))
            progress(rows, total);
    }
    if (!cursor.error().empty())
        return abandon("reading '" + request.dbPath + "' failed: " + cursor.error());
    if (!file.commit()) {
        *error = file.error();
        return false;
    }
    if (progress)
        progress(rows, total);
    if (stats) {
        stats->rows = rows;
        stats->bytes = file.bytes();
        stats->unit = unit;
        stats->convertedUnits = layout.convertedUnits;
    }
    return true;
}

} // namespace vibra::exporting
