#pragma once

#include "core/Unit.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::decode {

/// Configuration of the text-line reader (from a source URI: cols=, tcol=, icol=, tunit=, scale=, maxline=,
/// device=).
struct CsvConfig {
    static constexpr int kAuto = -2;
    static constexpr int kNone = -1;
    std::vector<int> axisColumns; ///< 0-based columns of the axes (1..3), used exactly; empty = auto
    int timeColumn = kAuto;       ///< kAuto: by header name, ISO-8601 values or a 4/7-column layout; kNone; N
    int indexColumn = kAuto; ///< kAuto: by header name (i, n, idx, index, sample, sample_index); kNone; N
    double timeUnitSeconds = 0.0; ///< seconds per time-column unit; 0 = from the header name or the values
    double scale = 1.0;           ///< multiplies every axis value
    std::size_t maxLineLength = 1024; ///< longer lines are counted (malformed, oversized) and skipped
    std::size_t maxColumns = 64;      ///< lines with more fields are malformed
    bool dropFirstLine = false;       ///< the first line may be partial (port opened mid-stream)
    std::string device; ///< rows whose device column differs are skipped; empty = the first seen
};

/// What a field of a line holds.
enum class FieldKind : std::uint8_t { Empty, Number, Time, Text };

/// Number (finite, optional leading '+'), ISO-8601 time (decode::parseIsoTime) or text.
FieldKind classifyField(std::string_view field);
bool parseNumber(std::string_view field, double& out);
bool parseInteger(std::string_view field, std::int64_t& out);

/// Which column means what, decided once from the configuration, the header line (when its field count
/// matches) and the first data line:
///  - time: tcol=, else a header named like a time (t, ts, time..., timestamp, t_us, t_ms, millis, micros,
///    ...), else the first column holding ISO-8601 text, else column 0 of a headerless 4- or 7-column line.
///    Unit: tunit=, else the name (_us/micros: us, _ns: ns, _s/seconds: s, _ms/millis: ms), else the first
///    value: a number in the range of Unix epoch seconds, ms, us or ns (years 2001..2103) is absolute UTC in
///    that unit; otherwise a fractional value is seconds and an integer milliseconds. ISO-8601 is UTC.
///  - index: icol=, else a header named i, n, idx, index, sample, sample_index, sample_idx or sample_no.
///  - device: the first text column (preferably one named device, dev, name, id, sensor or source); rows
///    with another value are skipped (CsvConfig::device chooses).
///  - axes: cols= exactly; else, for a rollup export (x_min_g, x_rms_g, ...), the RMS columns; else the
///    numeric columns left, at most 3. Names from the header (a unit suffix _g / _mps2 is removed and sets
///    the unit), "label:" prefixes, or x, y, z.
struct CsvLayout {
    std::size_t fields = 0; ///< fields per data line
    int timeColumn = -1;
    bool timeIso = false; ///< ISO-8601 text (else a number x timeUnitSeconds)
    double timeUnitSeconds = 1e-3;
    bool timeAbsolute = false; ///< UTC (ISO-8601 or Unix epoch)
    int indexColumn = -1;
    int deviceColumn = -1;
    std::vector<int> axisColumns;
    std::vector<std::string> axisNames;
    std::optional<core::Unit> unit; ///< from the header's unit suffixes
    std::string description;        ///< one line for the user

    /// header: the last non-numeric line before the data (used when it has as many fields); fields and labels
    /// (text before "label:", or empty) of the first data line. Returns false with *error when a configured
    /// column does not exist or does not hold what it should.
    static bool decide(const CsvConfig& cfg, const std::vector<std::string>& header,
                       const std::vector<std::string_view>& fields,
                       const std::vector<std::string_view>& labels, CsvLayout& out, std::string* error);

    /// Parses the time field of a data line into ns (absolute UTC, or on the device clock).
    bool parseTime(std::string_view field, std::int64_t& ns) const;
};

} // namespace vibra::decode
