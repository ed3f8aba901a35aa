#include "exporting/ExportRows.h"

#include "exporting/JsonText.h"

#include <cmath>
#include <limits>

namespace vibra::exporting {

namespace {
constexpr const char* kStats[] = {"min", "max", "mean", "rms", "peak"};
constexpr std::size_t kStatCount = 5;
} // namespace

std::string_view ExportRows::zoneLetter(const std::optional<int>& zone) {
    static constexpr std::string_view kLetters[] = {"A", "B", "C", "D"};
    return zone && *zone >= 0 && *zone < 4 ? kLetters[*zone] : std::string_view();
}

ExportRows::ExportRows() = default;
ExportRows::~ExportRows() = default;

bool ExportRows::open(const ExportRequest& request, std::string* error) {
    m_request = request;
    m_raw = request.level == storage::RollupLevel::Raw;
    if (!m_db.open(request.dbPath, storage::Database::Mode::ReadOnly, error))
        return false;
    if (m_raw) {
        if (!ExportLayout::chooseDevices(m_db, request.devices, &m_devices, error))
            return false;
        m_rawCursors = std::vector<storage::RawCursor>(m_devices.size());
        for (std::size_t i = 0; i < m_devices.size(); ++i) {
            if (!m_rawCursors[i].open(m_db, m_devices[i].name, request.fromNs, request.toNs, error))
                return false;
            m_total += m_rawCursors[i].count();
        }
    } else {
        if (!m_rollups.open(m_db, request.level, request.devices, request.fromNs, request.toNs, error))
            return false;
        m_devices = m_rollups.devices();
        m_total = m_rollups.count();
    }
    m_layout = ExportLayout::of(m_devices);
    buildColumns();
    return true;
}

void ExportRows::buildColumns() {
    m_columns.clear();
    m_columns.push_back({m_request.epochNs ? "time_ns" : "time_utc", Kind::Time});
    m_columns.push_back({"device", Kind::Device});
    const std::string u = m_layout.columnUnit();
    int slot = 0;
    if (m_raw) {
        m_columns.push_back({"sample_index", Kind::Int64, 0});
        for (const auto& n : m_layout.axisNames)
            m_columns.push_back({n + "_" + u, Kind::Float, slot++});
        return;
    }
    m_columns.push_back({"samples", Kind::Int64, 0});
    for (const auto& n : m_layout.axisNames)
        for (const char* stat : kStats)
            m_columns.push_back({n + "_" + stat + "_" + u, Kind::Double, slot++});
    for (const auto& n : m_layout.axisNames)
        m_columns.push_back({n + "_kurtosis", Kind::Double, slot++});
    m_columns.push_back({"gaps", Kind::Int64, 1});
    for (const auto& n : m_layout.axisNames)
        m_columns.push_back({n + "_crest", Kind::Double, slot++});
    for (const auto& n : m_layout.axisNames)
        m_columns.push_back({n + "_velocity_rms_mm_s", Kind::Double, slot++});
    m_columns.push_back({"zone", Kind::Zone});
}

bool ExportRows::next(Row* row) {
    return m_raw ? nextRaw(row) : nextRollup(row);
}

bool ExportRows::nextRollup(Row* row) {
    const auto axes = static_cast<std::size_t>(m_layout.axes);
    const std::size_t values = axes * (kStatCount + 3); // stats, kurtosis, crest, velocity
    while (m_rollups.next(&m_rollupRow)) {
        ++m_done;
        const storage::RollupRow& r = m_rollupRow;
        if (!r.device)
            continue;
        const double scale = m_layout.scaleFor(*r.device);
        row->tNs = r.tNs;
        row->device = r.device;
        row->ints.assign({static_cast<std::int64_t>(r.samples), static_cast<std::int64_t>(r.gaps)});
        row->values.assign(values, std::numeric_limits<double>::quiet_NaN());
        row->has.assign(values, 0);
        row->zone.reset();
        for (std::size_t a = 0; a < axes && a < r.axes.size(); ++a) {
            const auto& s = r.axes[a];
            const double stat[kStatCount] = {s.min, s.max, s.mean, s.rms, s.peak};
            for (std::size_t k = 0; k < kStatCount; ++k) {
                row->values[a * kStatCount + k] = stat[k] * scale;
                row->has[a * kStatCount + k] = 1;
            }
            const auto set = [&](std::size_t slot, double v) {
                row->values[slot] = v;
                row->has[slot] = 1;
            };
            set(axes * kStatCount + a, s.kurtosis);
            set(axes * (kStatCount + 1) + a, s.crest);
            if (s.velocityRms)
                set(axes * (kStatCount + 2) + a, *s.velocityRms);
            if (s.zone) // the device's zone, on every axis row
                row->zone = std::max(row->zone.value_or(*s.zone), *s.zone);
        }
        return true;
    }
    if (!m_rollups.error().empty())
        m_error = "reading '" + m_request.dbPath + "' failed: " + m_rollups.error();
    return false;
}

bool ExportRows::nextRaw(Row* row) {
    const std::int64_t from = m_request.fromNs.value_or(std::numeric_limits<std::int64_t>::min());
    const std::int64_t to = m_request.toNs.value_or(std::numeric_limits<std::int64_t>::max());
    const auto axes = static_cast<std::size_t>(m_layout.axes);
    while (m_rawDevice < m_rawCursors.size()) {
        const storage::StoredDevice& d = m_devices[m_rawDevice];
        if (!m_haveBlock) {
            auto& cursor = m_rawCursors[m_rawDevice];
            if (!cursor.next(&m_block)) {
                if (!cursor.error().empty()) {
                    m_error = "reading '" + m_request.dbPath + "' failed: " + cursor.error();
                    return false;
                }
                ++m_rawDevice;
                continue;
            }
            m_haveBlock = true;
            m_pos = 0;
            ++m_done;
        }
        const auto scale = static_cast<float>(m_layout.scaleFor(d));
        while (m_pos < m_block.count) {
            const std::uint32_t k = m_pos++;
            const std::int64_t t = m_block.timeOfSampleNs(k, d.rateHz);
            if (t < from || t >= to)
                continue;
            row->tNs = t;
            row->device = &d;
            row->ints.assign(1, static_cast<std::int64_t>(m_block.firstSample + k));
            row->values.assign(axes, std::numeric_limits<double>::quiet_NaN());
            row->has.assign(axes, 0);
            for (std::size_t a = 0; a < axes && a < static_cast<std::size_t>(m_block.axes); ++a) {
                const float v = m_block.data[a * m_block.count + k];
                row->values[a] = scale == 1.0f ? v : v * scale;
                row->has[a] = 1;
            }
            return true;
        }
        m_haveBlock = false;
    }
    return false;
}

std::string ExportRows::describe() const {
    const std::string table = m_raw ? "raw_block" : std::string(storage::levelTable(m_request.level));
    std::string meta = "{\"source\":" + jsonString(m_request.dbPath) + ",\"table\":" + jsonString(table) +
                       ",\"unit\":" + jsonString(m_layout.unit) +
                       ",\"converted_units\":" + (m_layout.convertedUnits ? "true" : "false") +
                       ",\"from_ns\":" + (m_request.fromNs ? std::to_string(*m_request.fromNs) : "null") +
                       ",\"to_ns\":" + (m_request.toNs ? std::to_string(*m_request.toNs) : "null") +
                       ",\"devices\":[";
    for (std::size_t i = 0; i < m_devices.size(); ++i) {
        const auto& d = m_devices[i];
        std::string names;
        for (std::size_t a = 0; a < d.axisNames.size(); ++a)
            names += (a ? "," : "") + jsonString(d.axisNames[a]);
        meta += std::string(i ? "," : "") + "{\"name\":" + jsonString(d.name) +
                ",\"rate_hz\":" + jsonNumber(d.rateHz) + ",\"axes\":" + std::to_string(d.axes) +
                ",\"axis_names\":[" + names + "],\"unit\":" + jsonString(d.unit) + "}";
    }
    return meta + "]}";
}

} // namespace vibra::exporting
