#include "exporting/ParquetExporter.h"

#include "core/Clock.h"
#include "exporting/ExportRows.h"
#include "parquet/ParquetWriter.h"

#include <variant>

namespace vibra::exporting {

namespace {

/// One column of the current batch, typed by its kind.
struct Batch {
    ExportRows::Column column;
    std::vector<std::int64_t> i64;
    std::vector<std::string_view> text;
    std::vector<double> f64;
    std::vector<float> f32;

    void clear() {
        i64.clear();
        text.clear();
        f64.clear();
        f32.clear();
    }
    parquet::ColumnValues values() const {
        switch (column.kind) {
        case ExportRows::Kind::Time:
        case ExportRows::Kind::Int64:
            return std::span<const std::int64_t>(i64);
        case ExportRows::Kind::Device:
        case ExportRows::Kind::Zone:
            return std::span<const std::string_view>(text);
        case ExportRows::Kind::Double:
            return std::span<const double>(f64);
        case ExportRows::Kind::Float:
            break;
        }
        return std::span<const float>(f32);
    }
};

parquet::Column schemaOf(const ExportRows::Column& c, bool raw, bool epochNs) {
    using parquet::PhysicalType;
    switch (c.kind) {
    case ExportRows::Kind::Time:
        if (epochNs)
            return {c.name, PhysicalType::Int64, std::nullopt, false};
        return {c.name, PhysicalType::Int64, raw ? parquet::TimeUnit::Nanos : parquet::TimeUnit::Micros,
                false};
    case ExportRows::Kind::Device:
    case ExportRows::Kind::Zone:
        return {c.name, PhysicalType::ByteArray, std::nullopt, false};
    case ExportRows::Kind::Int64:
        return {c.name, PhysicalType::Int64, std::nullopt, false};
    case ExportRows::Kind::Double:
        return {c.name, PhysicalType::Double, std::nullopt, false};
    case ExportRows::Kind::Float:
        break;
    }
    return {c.name, PhysicalType::Float, std::nullopt, true};
}

} // namespace

bool ParquetExporter::run(const ExportRequest& request, std::string* error, ExportStats* stats,
                          Progress progress, const std::atomic<bool>* cancel) {
    ExportRows rows;
    if (!rows.open(request, error))
        return false;
    std::vector<parquet::Column> schema;
    std::vector<Batch> batch;
    for (const auto& c : rows.columns()) {
        schema.push_back(schemaOf(c, rows.isRaw(), request.epochNs));
        batch.push_back({c, {}, {}, {}, {}});
    }
    parquet::ParquetWriter writer;
    if (!writer.open(request.outPath, schema, m_options, error))
        return false;
    writer.setMetadata("vibrascope.export", rows.describe());

    std::size_t pending = 0;
    auto flush = [&]() -> bool {
        if (pending == 0)
            return true;
        std::vector<parquet::ColumnValues> cols;
        cols.reserve(batch.size());
        for (const auto& b : batch)
            cols.push_back(b.values());
        const bool ok = writer.appendRows(cols, error); // on failure the writer removed its partial file
        for (auto& b : batch)
            b.clear();
        pending = 0;
        return ok;
    };
    // Rollup buckets start on whole seconds, so microseconds are exact; raw times stay in ns.
    const bool micros = !rows.isRaw() && !request.epochNs;
    std::uint64_t count = 0;
    ExportRows::Row row;
    while (rows.next(&row)) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            writer.abort();
            *error = "export cancelled";
            return false;
        }
        for (auto& b : batch) {
            const auto slot = static_cast<std::size_t>(b.column.slot);
            switch (b.column.kind) {
            case ExportRows::Kind::Time:
                b.i64.push_back(micros ? core::floorDiv(row.tNs, 1000) : row.tNs);
                break;
            case ExportRows::Kind::Device:
                b.text.push_back(row.device->name); // the device outlives the batch
                break;
            case ExportRows::Kind::Int64:
                b.i64.push_back(row.ints[slot]);
                break;
            case ExportRows::Kind::Double:
                b.f64.push_back(row.values[slot]); // NaN when absent
                break;
            case ExportRows::Kind::Float:
                b.f32.push_back(static_cast<float>(row.values[slot]));
                break;
            case ExportRows::Kind::Zone:
                b.text.push_back(ExportRows::zoneLetter(row.zone)); // a static string
                break;
            }
        }
        ++count;
        if (++pending == kBatchRows && !flush())
            return false;
        if (progress && count % 4096 == 0)
            progress(rows.done(), rows.total());
    }
    if (!rows.error().empty()) {
        writer.abort();
        *error = rows.error();
        return false;
    }
    if (!flush() || !writer.close(error))
        return false;
    if (progress)
        progress(rows.total(), rows.total());
    if (stats) {
        stats->rows = count;
        stats->bytes = writer.bytesWritten();
        stats->unit = rows.layout().unit;
        stats->convertedUnits = rows.layout().convertedUnits;
        stats->note = rows.note();
    }
    return true;
}

} // namespace vibra::exporting
