#include "exporting/ParquetExporter.h"

#include "exporting/JsonText.h"

#include "exporting/ExportLayout.h"
#include "storage/RawCursor.h"

#include "core/Unit.h"
#include "parquet/ParquetWriter.h"
#include "storage/RollupCursor.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

namespace vibra::exporting {

namespace {

/// floor(ns / 1000): bucket starts are whole seconds, so this is exact for rollups.
std::int64_t toMicros(std::int64_t ns) {
    return ns >= 0 ? ns / 1000 : -((-(ns + 1)) / 1000) - 1;
}

} // namespace

bool ParquetExporter::runRaw(const ExportRequest& request, std::string* error, ExportStats* stats,
                             Progress progress, const std::atomic<bool>* cancel) {
    storage::Database db;
    if (!db.open(request.dbPath, storage::Database::Mode::ReadOnly, error))
        return false;
    std::vector<storage::StoredDevice> chosen;
    if (!ExportLayout::chooseDevices(db, request.devices, &chosen, error))
        return false;
    const ExportLayout layout = ExportLayout::of(chosen);
    std::vector<storage::RawCursor> cursors(chosen.size());
    std::uint64_t blocksTotal = 0, blocksDone = 0, rows = 0;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        if (!cursors[i].open(db, chosen[i].name, request.fromNs, request.toNs, error))
            return false;
        blocksTotal += cursors[i].count();
    }
    using parquet::Column;
    using parquet::PhysicalType;
    std::vector<Column> schema;
    if (request.epochNs)
        schema.push_back({"time_ns", PhysicalType::Int64, std::nullopt, false});
    else
        schema.push_back({"time_utc", PhysicalType::Int64, parquet::TimeUnit::Nanos, false});
    schema.push_back({"device", PhysicalType::ByteArray, std::nullopt, false});
    schema.push_back({"sample_index", PhysicalType::Int64, std::nullopt, false});
    for (const auto& n : layout.axisNames)
        schema.push_back({n + "_" + layout.columnUnit(), PhysicalType::Float, std::nullopt, true});
    parquet::ParquetWriter writer;
    if (!writer.open(request.outPath, schema, m_options, error))
        return false;
    writer.setMetadata("vibrascope.export",
                       "{\"source\":" + jsonString(request.dbPath) +
                           ",\"table\":\"raw_block\",\"unit\":" + jsonString(layout.unit) + "}");
    std::vector<std::int64_t> time, index;
    std::vector<std::string_view> device;
    std::vector<std::vector<float>> values(static_cast<std::size_t>(layout.axes));
    auto flush = [&]() -> bool {
        if (time.empty())
            return true;
        std::vector<parquet::ColumnValues> cols;
        cols.emplace_back(std::span<const std::int64_t>(time));
        cols.emplace_back(std::span<const std::string_view>(device));
        cols.emplace_back(std::span<const std::int64_t>(index));
        for (const auto& v : values)
            cols.emplace_back(std::span<const float>(v));
        const bool ok = writer.appendRows(cols, error);
        time.clear();
        index.clear();
        device.clear();
        for (auto& v : values)
            v.clear();
        return ok;
    };
    const std::int64_t from = request.fromNs.value_or(std::numeric_limits<std::int64_t>::min());
    const std::int64_t to = request.toNs.value_or(std::numeric_limits<std::int64_t>::max());
    storage::RawBlock block;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const auto& d = chosen[i];
        const auto scale = static_cast<float>(layout.scaleFor(d));
        while (cursors[i].next(&block)) {
            if (cancel && cancel->load(std::memory_order_relaxed)) {
                writer.abort();
                *error = "export cancelled";
                return false;
            }
            for (std::uint32_t k = 0; k < block.count; ++k) {
                // the same time formula as SampleBlock::timeOfSampleNs
                const std::int64_t t =
                    block.tNs + static_cast<std::int64_t>(static_cast<double>(k) * 1e9 / d.rateHz);
                if (t < from || t >= to)
                    continue;
                time.push_back(t);
                device.push_back(d.name);
                index.push_back(static_cast<std::int64_t>(block.firstSample + k));
                for (int a = 0; a < layout.axes; ++a)
                    values[static_cast<std::size_t>(a)].push_back(
                        a < block.axes ? block.data[static_cast<std::size_t>(a) * block.count + k] * scale
                                       : std::numeric_limits<float>::quiet_NaN());
                ++rows;
                if (time.size() == kBatchRows && !flush())
                    return false; // the writer removed its partial file
            }
            if (progress && (++blocksDone % 64 == 0))
                progress(blocksDone, blocksTotal);
        }
        if (!cursors[i].error().empty()) {
            writer.abort();
            *error = "reading '" + request.dbPath + "' failed: " + cursors[i].error();
            return false;
        }
    }
    if (!flush() || !writer.close(error))
        return false;
    if (progress)
        progress(blocksTotal, blocksTotal);
    if (stats) {
        stats->rows = rows;
        stats->bytes = writer.bytesWritten();
        stats->unit = layout.unit;
        stats->convertedUnits = layout.convertedUnits;
    }
    return true;
}

bool ParquetExporter::run(const ExportRequest& request, std::string* error, ExportStats* stats,
                          Progress progress, const std::atomic<bool>* cancel) {
    if (request.level == storage::RollupLevel::Raw)
        return runRaw(request, error, stats, std::move(progress), cancel);
    storage::Database db;
    if (!db.open(request.dbPath, storage::Database::Mode::ReadOnly, error))
        return false;
    storage::RollupCursor cursor;
    if (!cursor.open(db, request.level, request.devices, request.fromNs, request.toNs, error))
        return false;

    // Column naming and unit choice exactly as CsvExporter.
    const auto& devices = cursor.devices();
    const ExportLayout layout = ExportLayout::of(devices);
    const int axes = layout.axes;
    const std::string& unit = layout.unit;
    const std::vector<std::string>& axisNames = layout.axisNames;
    const std::string u = layout.columnUnit();

    using parquet::Column;
    using parquet::PhysicalType;
    std::vector<Column> schema;
    if (request.epochNs)
        schema.push_back({"time_ns", PhysicalType::Int64, std::nullopt, false});
    else
        schema.push_back({"time_utc", PhysicalType::Int64, parquet::TimeUnit::Micros, false});
    schema.push_back({"device", PhysicalType::ByteArray, std::nullopt, false});
    schema.push_back({"samples", PhysicalType::Int64, std::nullopt, false});
    static constexpr const char* kStats[] = {"min", "max", "mean", "rms", "peak"};
    for (const auto& n : axisNames)
        for (const char* stat : kStats)
            schema.push_back({n + "_" + stat + "_" + u, PhysicalType::Double, std::nullopt, false});
    for (const auto& n : axisNames)
        schema.push_back({n + "_kurtosis", PhysicalType::Double, std::nullopt, false});
    schema.push_back({"gaps", PhysicalType::Int64, std::nullopt, false});
    const std::size_t valueColumns = static_cast<std::size_t>(axes) * 6;

    parquet::ParquetWriter writer;
    if (!writer.open(request.outPath, schema, m_options, error))
        return false;

    std::string meta = "{\"source\":" + jsonString(request.dbPath) +
                       ",\"table\":" + jsonString(std::string(storage::levelTable(request.level))) +
                       ",\"unit\":" + jsonString(unit) +
                       ",\"converted_units\":" + (layout.convertedUnits ? "true" : "false") +
                       ",\"from_ns\":" + (request.fromNs ? std::to_string(*request.fromNs) : "null") +
                       ",\"to_ns\":" + (request.toNs ? std::to_string(*request.toNs) : "null") +
                       ",\"devices\":[";
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const auto& d = devices[i];
        std::string names;
        for (std::size_t a = 0; a < d.axisNames.size(); ++a)
            names += (a ? "," : "") + jsonString(d.axisNames[a]);
        meta += std::string(i ? "," : "") + "{\"name\":" + jsonString(d.name) +
                ",\"rate_hz\":" + jsonNumber(d.rateHz) + ",\"axes\":" + std::to_string(d.axes) +
                ",\"axis_names\":[" + names + "],\"unit\":" + jsonString(d.unit) + "}";
    }
    meta += "]}";
    writer.setMetadata("vibrascope.export", meta);

    // One batch of columns, reused.
    std::vector<std::int64_t> time, samples, gaps;
    std::vector<std::string_view> device;
    std::vector<std::vector<double>> values(valueColumns);
    auto clearBatch = [&] {
        time.clear();
        samples.clear();
        gaps.clear();
        device.clear();
        for (auto& v : values)
            v.clear();
    };
    auto flush = [&]() -> bool {
        if (time.empty())
            return true;
        std::vector<parquet::ColumnValues> cols;
        cols.reserve(schema.size());
        cols.emplace_back(std::span<const std::int64_t>(time));
        cols.emplace_back(std::span<const std::string_view>(device));
        cols.emplace_back(std::span<const std::int64_t>(samples));
        for (const auto& v : values)
            cols.emplace_back(std::span<const double>(v));
        cols.emplace_back(std::span<const std::int64_t>(gaps));
        const bool ok = writer.appendRows(cols, error);
        clearBatch();
        return ok;
    };

    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const std::uint64_t total = cursor.count();
    std::uint64_t rows = 0;
    storage::RollupRow row;
    while (cursor.next(&row)) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            writer.abort();
            *error = "export cancelled";
            return false;
        }
        if (!row.device)
            continue;
        const double scale = layout.scaleFor(*row.device);
        time.push_back(request.epochNs ? row.tNs : toMicros(row.tNs));
        device.push_back(row.device->name); // cursor.devices() outlives the batch
        samples.push_back(static_cast<std::int64_t>(row.samples));
        gaps.push_back(static_cast<std::int64_t>(row.gaps));
        for (int a = 0; a < axes; ++a) {
            const bool has = a < static_cast<int>(row.axes.size());
            const auto& ax = has ? row.axes[static_cast<std::size_t>(a)] : storage::RollupRow::Axis{};
            const double stat[5] = {ax.min, ax.max, ax.mean, ax.rms, ax.peak};
            for (std::size_t s = 0; s < 5; ++s)
                values[static_cast<std::size_t>(a) * 5 + s].push_back(has ? stat[s] * scale : kNaN);
            values[static_cast<std::size_t>(axes) * 5 + static_cast<std::size_t>(a)].push_back(
                has ? ax.kurtosis : kNaN);
        }
        ++rows;
        if (time.size() == kBatchRows && !flush())
            return false; // the writer removed its partial file
        if (progress && (rows % 4096 == 0))
            progress(rows, total);
    }
    if (!cursor.error().empty()) {
        writer.abort();
        *error = "reading '" + request.dbPath + "' failed: " + cursor.error();
        return false;
    }
    if (!flush() || !writer.close(error))
        return false;
    if (progress)
        progress(rows, total);
    if (stats) {
        stats->rows = rows;
        stats->bytes = writer.bytesWritten();
        stats->unit = unit;
        stats->convertedUnits = layout.convertedUnits;
    }
    return true;
}

} // namespace vibra::exporting
