#include "exporting/CsvExporter.h"

#include "exporting/ExportRows.h"
#include "exporting/PartialFile.h"
#include "storage/TimeText.h"

#include <charconv>

namespace vibra::exporting {

namespace {
template <typename T> void appendShortest(std::string& out, T v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back exactly
    out.append(buf, ec == std::errc() ? end : buf);
}

void appendRow(std::string& line, const std::vector<ExportRows::Column>& columns, const ExportRows::Row& row,
               bool epochNs) {
    bool first = true;
    for (const auto& c : columns) {
        if (!first)
            line += ',';
        first = false;
        switch (c.kind) {
        case ExportRows::Kind::Time:
            line += epochNs ? std::to_string(row.tNs) : storage::TimeText::isoMicros(row.tNs);
            break;
        case ExportRows::Kind::Device:
            line += row.device->name;
            break;
        case ExportRows::Kind::Int64:
            line += std::to_string(row.ints[static_cast<std::size_t>(c.slot)]);
            break;
        case ExportRows::Kind::Double:
            if (row.has[static_cast<std::size_t>(c.slot)])
                appendShortest(line, row.values[static_cast<std::size_t>(c.slot)]);
            break;
        case ExportRows::Kind::Float:
            if (row.has[static_cast<std::size_t>(c.slot)])
                appendShortest(line, static_cast<float>(row.values[static_cast<std::size_t>(c.slot)]));
            break;
        case ExportRows::Kind::Zone:
            line += ExportRows::zoneLetter(row.zone);
            break;
        }
    }
    line += '\n';
}
} // namespace

bool CsvExporter::run(const ExportRequest& request, std::string* error, ExportStats* stats, Progress progress,
                      const std::atomic<bool>* cancel) {
    ExportRows rows;
    if (!rows.open(request, error))
        return false;
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
    std::string text;
    for (const auto& c : rows.columns())
        text += (text.empty() ? "" : ",") + c.name;
    text += '\n';
    constexpr std::size_t kFlushBytes = 1 << 16;
    std::uint64_t count = 0;
    ExportRows::Row row;
    while (rows.next(&row)) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return abandon("export cancelled");
        appendRow(text, rows.columns(), row, request.epochNs);
        ++count;
        if (text.size() >= kFlushBytes) {
            if (!file.write(text))
                return abandon(file.error());
            text.clear();
        }
        if (progress && count % 4096 == 0)
            progress(rows.done(), rows.total());
    }
    if (!rows.error().empty())
        return abandon(rows.error());
    if (!file.write(text) || !file.commit()) {
        *error = file.error();
        return false;
    }
    if (progress)
        progress(rows.total(), rows.total());
    if (stats) {
        stats->rows = count;
        stats->bytes = file.bytes();
        stats->unit = rows.layout().unit;
        stats->convertedUnits = rows.layout().convertedUnits;
        stats->note = rows.note();
    }
    return true;
}

} // namespace vibra::exporting
