#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::decode {

/// Configuration of CsvLineParser (from a source URI).
struct CsvConfig {
    static constexpr int kAuto = -2;
    static constexpr int kNone = -1;
    std::vector<int> axisColumns; ///< 0-based columns of the axes (1..3); empty = auto
    int timeColumn = kAuto;       ///< kAuto: from the header name or a 4/7-column layout; kNone; or a column
    double timeUnitSeconds = 0.0; ///< seconds per time-column unit; 0 = from the header name, else ms
    double scale = 1.0;           ///< multiplies every axis value
    std::size_t maxLineLength = 1024; ///< longer lines are discarded (bounded memory) and counted
    std::size_t maxColumns = 16;      ///< lines with more fields are malformed
    bool dropFirstLine = false;       ///< the first line is partial (port opened mid-stream)
};

/// One accepted data line.
struct CsvRow {
    double time = NAN; ///< seconds on the device clock (time column * unit), NaN without a time column
    std::array<float, 3> values{};
};

/// Arduino-style text lines -> rows. Used by the serial source (format=csv) and by file replay.
///
/// Lines end with \n, \r\n or a stray \r; fields are separated by ',', ';', tab or spaces (detected per
/// line); a leading "DATA" field (PLX-DAQ) and "label:" prefixes are stripped (labels name the axes).
/// Non-numeric lines before the first data line are headers (the last one names the columns when its
/// field count matches); after it they are malformed, as are short lines and lines with too many fields.
/// The column layout is fixed by the first data line.
///
/// Threads: owned by one thread. Memory: at most maxLineLength bytes buffered.
class CsvLineParser {
public:
    struct Stats {
        std::uint64_t rows = 0;      ///< data lines accepted
        std::uint64_t headers = 0;   ///< header / boot-noise lines before data
        std::uint64_t malformed = 0; ///< non-numeric, short or too-wide lines after data started
        std::uint64_t overlong = 0;  ///< lines longer than maxLineLength (also malformed for accounting)
        std::uint64_t partial = 0;   ///< partial first line dropped
    };

    explicit CsvLineParser(CsvConfig config);

    /// Feeds bytes; calls onRow(const CsvRow&) for every accepted line.
    template <typename OnRow> void feed(std::span<const char> bytes, OnRow&& onRow) {
        for (char c : bytes) {
            if (c == '\n' || c == '\r') {
                endLine(onRow);
                continue;
            }
            if (m_skipping)
                continue;
            if (m_line.size() >= m_cfg.maxLineLength) {
                m_skipping = true;
                m_line.clear();
                continue;
            }
            m_line.push_back(c);
        }
    }
    /// End of input (file): parses a last line without a terminator.
    template <typename OnRow> void finish(OnRow&& onRow) {
        if (!m_line.empty() || m_skipping)
            endLine(onRow);
    }
    /// After a reconnect: forget the partial line and drop the next (partial) one.
    void resync();

    const Stats& stats() const { return m_stats; }
    /// Valid once the first data row was accepted.
    bool layoutKnown() const { return m_layoutKnown; }
    int axisCount() const { return static_cast<int>(m_axisCols.size()); }
    bool hasTime() const { return m_timeCol >= 0; }
    const std::vector<std::string>& axisNames() const { return m_axisNames; }
    /// Lines dropped as malformed (including overlong) since the last call; the caller accounts them.
    std::uint64_t takeNewMalformed();
    /// Text of the most recent rejected line's reason, for rate-limited logs.
    const std::string& lastProblem() const { return m_lastProblem; }

private:
    template <typename OnRow> void endLine(OnRow&& onRow) {
        if (m_skipping) {
            m_skipping = false;
            m_line.clear();
            if (m_dropNext) {
                m_dropNext = false;
                ++m_stats.partial;
            } else {
                ++m_stats.overlong;
                ++m_newMalformed;
                m_lastProblem = "line longer than the limit";
            }
            return;
        }
        if (m_line.empty())
            return; // blank line or the \n of \r\n
        if (m_dropNext) {
            m_dropNext = false;
            ++m_stats.partial;
            m_line.clear();
            return;
        }
        CsvRow row;
        if (parseLine(m_line, row))
            onRow(static_cast<const CsvRow&>(row));
        m_line.clear();
    }

    bool parseLine(std::string_view line, CsvRow& row);
    bool decideLayout(std::size_t fields);
    void malformed(const char* why);

    CsvConfig m_cfg;
    std::string m_line;
    bool m_skipping = false;
    bool m_dropNext = false;
    bool m_layoutKnown = false;
    int m_timeCol = -1;
    double m_timeUnit = 1e-3;
    std::vector<int> m_axisCols;
    std::vector<std::string> m_axisNames;
    std::vector<std::string> m_header;
    std::vector<std::string_view> m_fields; // scratch
    std::vector<std::string_view> m_labels; // scratch
    Stats m_stats;
    std::uint64_t m_newMalformed = 0;
    std::string m_lastProblem;
};

} // namespace vibra::decode
