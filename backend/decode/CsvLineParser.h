#pragma once

#include "decode/CsvLayout.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::decode {

/// One accepted data line.
struct CsvRow {
    double time = NAN; ///< seconds since timeOriginNs() (device clock or UTC), NaN without a time column
    std::int64_t index = -1; ///< from the index column, -1 without
    std::array<float, 3> values{};
};

/// Arduino-style text lines and Vibrascope CSV exports -> rows. Used by the text decoder (serial format=csv,
/// file replay).
///
/// Lines end with \n, \r\n or a stray \r; fields are separated by ',', ';', tab or spaces (detected per
/// line); a leading "DATA" field (PLX-DAQ) and "label:" prefixes are stripped (labels name the axes).
/// Before the first data line, lines without numbers are headers (the last one names the columns when its
/// field count matches) and lines mixing numbers and words are boot noise; both are counted in headers. A
/// data line has a number and no word, or its words sit under a header of the same width (a device column).
/// The first data line fixes the layout (CsvLayout). After it, a line with another field count, a bad number,
/// time or index, or binary bytes is malformed; a repeat of the header is skipped; a row of another device is
/// skipped (otherDevice). Every malformed line is counted once in stats().malformed.
/// A line longer than maxLineLength is counted (malformed and oversized) the moment it crosses the limit,
/// then skipped up to the next line break, whatever its length: memory stays bounded.
///
/// Threads: owned by one thread. Memory: at most maxLineLength bytes buffered.
class CsvLineParser {
public:
    struct Stats {
        std::uint64_t rows = 0;         ///< data lines accepted
        std::uint64_t headers = 0;      ///< header and boot-noise lines before data, repeated headers after
        std::uint64_t malformed = 0;    ///< rejected lines after data started (including oversized)
        std::uint64_t oversized = 0;    ///< lines longer than maxLineLength
        std::uint64_t partial = 0;      ///< partial first lines dropped (after opening / reconnecting)
        std::uint64_t otherDevice = 0;  ///< rows of another device
        std::uint64_t binaryBytes = 0;  ///< control bytes other than tab, CR, LF (binary data, wrong baud)
        std::uint64_t skippedBytes = 0; ///< bytes of oversized lines beyond the limit
    };

    explicit CsvLineParser(CsvConfig config);

    /// Feeds bytes; calls onRow(const CsvRow&) for every accepted line.
    template <typename OnRow> void feed(std::span<const char> bytes, OnRow&& onRow) {
        for (char c : bytes) {
            if (c == '\n' || c == '\r') {
                endLine(onRow);
                continue;
            }
            const auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7F) {
                ++m_stats.binaryBytes;
                m_lineBinary = true;
            }
            if (m_skipping) {
                ++m_stats.skippedBytes;
                continue;
            }
            if (m_line.size() >= m_cfg.maxLineLength) {
                oversized();
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
    /// After a reconnect: forget the partial line and drop the next one (it may be partial too).
    void resync();
    /// The next byte starts a line (the transport saw silence before it): keep the first line.
    void markBoundary();
    /// Bytes of an unfinished line are buffered (a line lost when the transport drops now).
    bool lineOpen() const { return !m_line.empty() || m_skipping; }

    const Stats& stats() const { return m_stats; }
    /// Valid once the first data row was accepted.
    bool layoutKnown() const { return m_layoutKnown; }
    const CsvLayout& layout() const { return m_layout; }
    int axisCount() const { return static_cast<int>(m_layout.axisColumns.size()); }
    bool hasTime() const { return m_layout.timeColumn >= 0; }
    bool hasIndex() const { return m_layout.indexColumn >= 0; }
    const std::vector<std::string>& axisNames() const { return m_layout.axisNames; }
    /// Time of CsvRow::time == 0: UTC ns when layout().timeAbsolute, else on the device clock.
    std::int64_t timeOriginNs() const { return m_timeOrigin; }
    /// The device column's value being read (empty without a device column).
    const std::string& device() const { return m_device; }
    /// Other devices seen in the device column (the first few).
    const std::vector<std::string>& otherDevices() const { return m_otherDevices; }
    /// Set when the configuration cannot work with this input (a configured column does not exist): every
    /// line would be malformed.
    const std::string& configError() const { return m_configError; }
    /// Reason of the most recent rejected line, for logs.
    const std::string& lastProblem() const { return m_lastProblem; }
    /// Events for the user since the last call (layout chosen, other devices skipped).
    std::vector<std::string> takeNotices();

private:
    template <typename OnRow> void endLine(OnRow&& onRow) {
        const bool binary = m_lineBinary;
        m_lineBinary = false;
        if (m_skipping) {
            m_skipping = false;
            m_dropNext = false;
            m_line.clear();
            return; // counted when it crossed the limit
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
        if (parseLine(m_line, binary, row))
            onRow(static_cast<const CsvRow&>(row));
        m_line.clear();
    }

    void oversized();
    bool parseLine(std::string_view line, bool binary, CsvRow& row);
    bool beforeData(std::string_view line, bool binary);
    bool parseData(CsvRow& row);
    void malformed(std::string why);

    CsvConfig m_cfg;
    std::string m_line;
    bool m_skipping = false;
    bool m_lineBinary = false;
    bool m_dropNext = false;
    bool m_layoutKnown = false;
    CsvLayout m_layout;
    std::vector<std::string> m_header;
    std::vector<std::string_view> m_fields; // scratch
    std::vector<std::string_view> m_labels; // scratch
    bool m_haveOrigin = false;
    std::int64_t m_timeOrigin = 0;
    std::string m_device;
    std::vector<std::string> m_otherDevices; // names seen (a few, for the notice)
    Stats m_stats;
    std::string m_lastProblem;
    std::string m_configError;
    std::vector<std::string> m_notices;
};

} // namespace vibra::decode
