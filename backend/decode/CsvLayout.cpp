#include "decode/CsvLayout.h"

#include "decode/IsoTime.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace vibra::decode {

namespace {

std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return o;
}

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool isTimeName(const std::string& n) {
    static constexpr std::array<std::string_view, 9> kExact{"t",  "ts", "millis", "micros", "ms",
                                                            "us", "ns", "s",      "seconds"};
    return std::find(kExact.begin(), kExact.end(), n) != kExact.end() || n.starts_with("time") ||
           n.starts_with("t_") || n == "datetime" || n == "date_time" || n == "utc";
}

bool isIndexName(const std::string& n) {
    static constexpr std::array<std::string_view, 8> kNames{
        "i", "n", "idx", "index", "sample", "sample_index", "sample_idx", "sample_no"};
    return std::find(kNames.begin(), kNames.end(), n) != kNames.end();
}

bool isDeviceName(const std::string& n) {
    static constexpr std::array<std::string_view, 7> kNames{"device", "dev",    "device_id", "name",
                                                            "id",     "sensor", "source"};
    return std::find(kNames.begin(), kNames.end(), n) != kNames.end();
}

// Seconds per unit implied by a time column's name; 0 when the name does not say.
double unitFromName(const std::string& n) {
    if (n == "micros" || n == "us" || endsWith(n, "_us"))
        return 1e-6;
    if (n == "ns" || endsWith(n, "_ns"))
        return 1e-9;
    if (n == "millis" || n == "ms" || endsWith(n, "_ms"))
        return 1e-3;
    if (n == "s" || n == "seconds" || endsWith(n, "_s") || endsWith(n, "_sec"))
        return 1.0;
    return 0.0;
}

bool isEpochSeconds(double s) {
    return s >= 1e9 && s <= 4.3e9; // 2001 .. 2106
}

// "x_rms_g" -> ("x", true) when the name is a rollup statistic column.
bool rollupColumn(const std::string& name, std::string_view stat, std::string& axis) {
    for (std::string_view unit : {"_g", "_mps2"}) {
        const std::string suffix = "_" + std::string(stat) + std::string(unit);
        if (name.size() > suffix.size() && endsWith(name, suffix)) {
            axis = name.substr(0, name.size() - suffix.size());
            return true;
        }
    }
    return false;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

} // namespace

bool parseNumber(std::string_view s, double& v) {
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

bool parseInteger(std::string_view s, std::int64_t& v) {
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

FieldKind classifyField(std::string_view f) {
    if (f.empty())
        return FieldKind::Empty;
    double d;
    if (parseNumber(f, d))
        return FieldKind::Number;
    std::int64_t ns;
    if (f.size() >= 16 && parseIsoTime(f, ns))
        return FieldKind::Time;
    return FieldKind::Text;
}

bool CsvLayout::parseTime(std::string_view field, std::int64_t& ns) const {
    if (timeIso)
        return parseIsoTime(field, ns);
    std::int64_t i = 0;
    const double unitNs = timeUnitSeconds * 1e9;
    if (parseInteger(field, i) && unitNs >= 1.0 && std::abs(static_cast<double>(i)) * unitNs < 9e18) {
        ns = i * static_cast<std::int64_t>(std::llround(unitNs)); // exact for epoch ns
        return true;
    }
    double v = 0.0;
    if (!parseNumber(field, v) || !(std::abs(v * unitNs) < 9e18))
        return false;
    ns = static_cast<std::int64_t>(std::llround(v * unitNs));
    return true;
}

bool CsvLayout::decide(const CsvConfig& cfg, const std::vector<std::string>& header,
                       const std::vector<std::string_view>& fields,
                       const std::vector<std::string_view>& labels, CsvLayout& out, std::string* error) {
    const std::size_t n = fields.size();
    const bool named = header.size() == n;
    const auto name = [&](std::size_t c) { return named ? lower(header[c]) : std::string(); };
    std::vector<FieldKind> kind(n);
    for (std::size_t c = 0; c < n; ++c)
        kind[c] = classifyField(fields[c]);
    const auto fail = [&](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    out = CsvLayout{};
    out.fields = n;
    const auto exists = [&](int c) { return c >= 0 && static_cast<std::size_t>(c) < n; };

    // index column
    if (cfg.indexColumn >= 0) {
        if (!exists(cfg.indexColumn) || kind[static_cast<std::size_t>(cfg.indexColumn)] != FieldKind::Number)
            return fail("icol=" + std::to_string(cfg.indexColumn) +
                        ": the first data line has no number there");
        out.indexColumn = cfg.indexColumn;
    } else if (cfg.indexColumn == CsvConfig::kAuto && named) {
        for (std::size_t c = 0; c < n && out.indexColumn < 0; ++c) {
            std::int64_t v;
            if (isIndexName(name(c)) && parseInteger(fields[c], v) && v >= 0 &&
                std::find(cfg.axisColumns.begin(), cfg.axisColumns.end(), static_cast<int>(c)) ==
                    cfg.axisColumns.end())
                out.indexColumn = static_cast<int>(c);
        }
    }
    // time column
    const auto usable = [&](std::size_t c) {
        return static_cast<int>(c) != out.indexColumn &&
               std::find(cfg.axisColumns.begin(), cfg.axisColumns.end(), static_cast<int>(c)) ==
                   cfg.axisColumns.end();
    };
    if (cfg.timeColumn >= 0) {
        if (!exists(cfg.timeColumn) || (kind[static_cast<std::size_t>(cfg.timeColumn)] != FieldKind::Number &&
                                        kind[static_cast<std::size_t>(cfg.timeColumn)] != FieldKind::Time))
            return fail("tcol=" + std::to_string(cfg.timeColumn) +
                        ": the first data line has no number or ISO-8601 time there");
        out.timeColumn = cfg.timeColumn;
    } else if (cfg.timeColumn == CsvConfig::kAuto) {
        for (std::size_t c = 0; c < n && out.timeColumn < 0; ++c)
            if (kind[c] == FieldKind::Time && usable(c))
                out.timeColumn = static_cast<int>(c);
        for (std::size_t c = 0; c < n && out.timeColumn < 0 && named; ++c)
            if (isTimeName(name(c)) && kind[c] == FieldKind::Number && usable(c))
                out.timeColumn = static_cast<int>(c);
        if (out.timeColumn < 0 && !named && cfg.axisColumns.empty() && out.indexColumn < 0 &&
            (n == 4 || n == 7) &&
            std::all_of(kind.begin(), kind.end(), [](FieldKind k) { return k == FieldKind::Number; }))
            out.timeColumn = 0;
    }
    if (out.timeColumn >= 0) {
        const auto c = static_cast<std::size_t>(out.timeColumn);
        out.timeIso = kind[c] == FieldKind::Time;
        if (out.timeIso) {
            out.timeAbsolute = true;
            out.timeUnitSeconds = 1e-9;
        } else {
            double v = 0.0;
            parseNumber(fields[c], v);
            const bool fractional = fields[c].find_first_of(".eE") != std::string_view::npos;
            double unit = cfg.timeUnitSeconds > 0 ? cfg.timeUnitSeconds : unitFromName(name(c));
            if (unit > 0) {
                out.timeAbsolute = isEpochSeconds(v * unit);
            } else {
                for (double u : {1.0, 1e-3, 1e-6, 1e-9})
                    if (unit == 0 && isEpochSeconds(v * u) && (u == 1.0 || !fractional)) {
                        unit = u;
                        out.timeAbsolute = true;
                    }
                if (unit == 0)
                    unit = fractional ? 1.0 : 1e-3;
            }
            out.timeUnitSeconds = unit;
        }
    }
    // device column: the first text column, preferably one named like a device
    for (std::size_t c = 0; c < n && out.deviceColumn < 0; ++c)
        if (kind[c] == FieldKind::Text && isDeviceName(name(c)))
            out.deviceColumn = static_cast<int>(c);
    for (std::size_t c = 0; c < n && out.deviceColumn < 0; ++c)
        if (kind[c] == FieldKind::Text && static_cast<int>(c) != out.timeColumn)
            out.deviceColumn = static_cast<int>(c);

    // axes
    std::vector<std::string> names;
    std::string note;
    if (!cfg.axisColumns.empty()) {
        for (int c : cfg.axisColumns) {
            if (!exists(c))
                return fail("cols: column " + std::to_string(c) +
                            " does not exist (the first data line has " + std::to_string(n) +
                            " fields, numbered from 0)");
            if (kind[static_cast<std::size_t>(c)] != FieldKind::Number)
                return fail("cols: column " + std::to_string(c) + " holds '" +
                            std::string(fields[static_cast<std::size_t>(c)]) + "', not a number");
            out.axisColumns.push_back(c);
        }
    } else {
        std::string axis;
        for (std::size_t c = 0; c < n && named; ++c)
            if (kind[c] == FieldKind::Number && rollupColumn(name(c), "rms", axis) &&
                out.axisColumns.size() < 3)
                out.axisColumns.push_back(static_cast<int>(c));
        if (!out.axisColumns.empty()) {
            note = " (rollup export: the RMS columns; choose others with cols=)";
        } else {
            std::vector<int> candidates;
            for (std::size_t c = 0; c < n; ++c)
                if (kind[c] == FieldKind::Number && static_cast<int>(c) != out.timeColumn &&
                    static_cast<int>(c) != out.indexColumn)
                    candidates.push_back(static_cast<int>(c));
            if (candidates.size() > 3)
                note = " (" + std::to_string(candidates.size()) + " numeric columns: the first 3 are read; " +
                       "choose others with cols=)";
            candidates.resize(std::min<std::size_t>(candidates.size(), 3));
            out.axisColumns = candidates;
        }
        if (out.axisColumns.empty())
            return fail("no numeric column left for the axes");
    }
    // names and unit
    static const char* const kDefault[] = {"x", "y", "z"};
    int gUnits = 0, siUnits = 0;
    for (std::size_t a = 0; a < out.axisColumns.size(); ++a) {
        const auto c = static_cast<std::size_t>(out.axisColumns[a]);
        std::string nm;
        std::string axis;
        if (c < labels.size() && !labels[c].empty()) {
            nm = std::string(labels[c]);
        } else if (named && rollupColumn(lower(header[c]), "rms", axis)) {
            nm = header[c].substr(0, axis.size());
            ++(endsWith(lower(header[c]), "_g") ? gUnits : siUnits);
            names.push_back(nm);
            continue;
        } else if (named && !header[c].empty()) {
            nm = header[c];
        } else {
            nm = kDefault[a];
        }
        const std::string l = lower(nm);
        if (endsWith(l, "_g") && l.size() > 2) {
            nm.resize(nm.size() - 2);
            ++gUnits;
        } else if (endsWith(l, "_mps2") && l.size() > 5) {
            nm.resize(nm.size() - 5);
            ++siUnits;
        }
        names.push_back(nm);
    }
    const auto axes = static_cast<int>(out.axisColumns.size());
    if (gUnits == axes)
        out.unit = core::Unit::G;
    else if (siUnits == axes)
        out.unit = core::Unit::MetersPerSecond2;
    out.axisNames = names;

    // description
    const auto col = [&](int c) {
        return named ? "'" + header[static_cast<std::size_t>(c)] + "'" : "column " + std::to_string(c);
    };
    std::string d = std::to_string(n) + " fields";
    if (out.timeColumn >= 0)
        d += "; time " + col(out.timeColumn) +
             (out.timeIso                   ? " (ISO-8601, UTC)"
              : out.timeAbsolute            ? " (Unix epoch)"
              : out.timeUnitSeconds == 1.0  ? " (s)"
              : out.timeUnitSeconds == 1e-3 ? " (ms)"
              : out.timeUnitSeconds == 1e-6 ? " (us)"
                                            : " (ns)");
    if (out.indexColumn >= 0)
        d += "; index " + col(out.indexColumn);
    if (out.deviceColumn >= 0)
        d += "; device " + col(out.deviceColumn);
    d += "; axes " + joined(names);
    if (out.unit)
        d += *out.unit == core::Unit::G ? " in g" : " in m/s2";
    out.description = d + note;
    return true;
}

} // namespace vibra::decode
