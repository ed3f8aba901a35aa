#include "decode/CsvLineParser.h"

#include <algorithm>

namespace vibra::decode {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

void split(std::string_view line, std::vector<std::string_view>& out, std::size_t maxFields) {
    out.clear();
    char sep = ' ';
    if (line.find(',') != std::string_view::npos)
        sep = ',';
    else if (line.find(';') != std::string_view::npos)
        sep = ';';
    else if (line.find('\t') != std::string_view::npos)
        sep = '\t';
    if (sep == ' ') {
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && line[i] == ' ')
                ++i;
            if (i >= line.size())
                break;
            const std::size_t j = std::min(line.find(' ', i), line.size());
            out.push_back(line.substr(i, j - i));
            if (out.size() > maxFields)
                return;
            i = j;
        }
        return;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t j = line.find(sep, start);
        out.push_back(
            trim(line.substr(start, j == std::string_view::npos ? std::string_view::npos : j - start)));
        if (out.size() > maxFields || j == std::string_view::npos)
            return;
        start = j + 1;
    }
}

} // namespace

CsvLineParser::CsvLineParser(CsvConfig config)
    : m_cfg(std::move(config))
    , m_dropNext(m_cfg.dropFirstLine) {
    m_cfg.maxLineLength = std::max<std::size_t>(m_cfg.maxLineLength, 16);
    m_line.reserve(m_cfg.maxLineLength);
    m_device = m_cfg.device;
}

void CsvLineParser::resync() {
    m_line.clear();
    m_skipping = false;
    m_lineBinary = false;
    m_dropNext = true;
}

void CsvLineParser::markBoundary() {
    if (m_line.empty() && !m_skipping)
        m_dropNext = false;
}

std::vector<std::string> CsvLineParser::takeNotices() {
    std::vector<std::string> out;
    out.swap(m_notices);
    return out;
}

void CsvLineParser::malformed(std::string why) {
    ++m_stats.malformed;
    m_lastProblem = std::move(why);
}

void CsvLineParser::oversized() {
    m_skipping = true;
    m_line.clear();
    ++m_stats.oversized;
    ++m_stats.skippedBytes;
    malformed("a line longer than " + std::to_string(m_cfg.maxLineLength) +
              " bytes (maxline=): skipped up to the next line break");
}

bool CsvLineParser::parseLine(std::string_view line, bool binary, CsvRow& row) {
    split(line, m_fields, m_cfg.maxColumns);
    if (!m_fields.empty() && m_fields.front() == "DATA")
        m_fields.erase(m_fields.begin());
    // "label:value" -> value, remember labels (a field that is a number or a time as a whole keeps its ':')
    m_labels.assign(m_fields.size(), std::string_view{});
    for (std::size_t i = 0; i < m_fields.size(); ++i) {
        const std::size_t colon = m_fields[i].find(':');
        if (colon != std::string_view::npos && classifyField(m_fields[i]) == FieldKind::Text) {
            m_labels[i] = trim(m_fields[i].substr(0, colon));
            m_fields[i] = trim(m_fields[i].substr(colon + 1));
        }
    }
    if (!m_layoutKnown && !beforeData(line, binary))
        return false;
    if (binary) {
        malformed("binary bytes in a text line (wrong baud rate or format?)");
        return false;
    }
    return parseData(row);
}

// Before the first data line: headers and boot noise, or the line that fixes the layout (returns true).
bool CsvLineParser::beforeData(std::string_view line, bool binary) {
    std::size_t numbers = 0, words = 0;
    for (std::string_view f : m_fields) {
        const FieldKind k = classifyField(f);
        numbers += k == FieldKind::Number;
        words += k == FieldKind::Text;
    }
    if (binary || m_fields.empty() || m_fields.size() > m_cfg.maxColumns) {
        ++m_stats.headers;
        return false;
    }
    if (numbers == 0) {
        ++m_stats.headers;
        m_header.clear();
        split(line, m_fields, m_cfg.maxColumns);
        if (!m_fields.empty() && m_fields.front() == "DATA")
            m_fields.erase(m_fields.begin());
        for (std::string_view f : m_fields)
            m_header.emplace_back(f);
        return false;
    }
    if (words > 0 && m_header.size() != m_fields.size()) {
        ++m_stats.headers; // words without a header naming them: boot noise
        return false;
    }
    std::string error;
    if (!CsvLayout::decide(m_cfg, m_header, m_fields, m_labels, m_layout, &error)) {
        m_configError = error;
        malformed(error);
        return false;
    }
    m_layoutKnown = true;
    m_notices.push_back("text lines: " + m_layout.description);
    return true;
}

bool CsvLineParser::parseData(CsvRow& row) {
    const std::size_t n = m_fields.size();
    if (n == m_header.size() && std::equal(m_fields.begin(), m_fields.end(), m_header.begin(),
                                           [](std::string_view f, const std::string& h) { return f == h; })) {
        ++m_stats.headers; // the header again (concatenated files, a device that rebooted)
        return false;
    }
    if (n != m_layout.fields) {
        malformed(std::to_string(n) + " fields, expected " + std::to_string(m_layout.fields));
        return false;
    }
    if (m_layout.deviceColumn >= 0) {
        const std::string_view dev = m_fields[static_cast<std::size_t>(m_layout.deviceColumn)];
        if (m_device.empty()) {
            m_device = std::string(dev);
        } else if (dev != m_device) {
            ++m_stats.otherDevice;
            if (m_otherDevices.size() < 8 &&
                std::find(m_otherDevices.begin(), m_otherDevices.end(), dev) == m_otherDevices.end()) {
                m_otherDevices.emplace_back(dev);
                m_notices.push_back("rows of device '" + std::string(dev) + "' are skipped: reading '" +
                                    m_device + "' (choose with device=)");
            }
            return false;
        }
    }
    if (m_layout.timeColumn >= 0) {
        std::int64_t ns = 0;
        const std::string_view f = m_fields[static_cast<std::size_t>(m_layout.timeColumn)];
        if (!m_layout.parseTime(f, ns)) {
            malformed("bad time value '" + std::string(f.substr(0, 40)) + "'");
            return false;
        }
        if (!m_haveOrigin) {
            m_haveOrigin = true;
            // whole seconds keep absolute times readable; relative clocks start at their first value
            m_timeOrigin =
                m_layout.timeAbsolute ? ns - ((ns % 1'000'000'000) + 1'000'000'000) % 1'000'000'000 : ns;
        }
        row.time = static_cast<double>(ns - m_timeOrigin) * 1e-9;
    }
    if (m_layout.indexColumn >= 0) {
        const std::string_view f = m_fields[static_cast<std::size_t>(m_layout.indexColumn)];
        if (!parseInteger(f, row.index) || row.index < 0) {
            malformed("bad index value '" + std::string(f.substr(0, 40)) + "'");
            return false;
        }
    }
    for (std::size_t a = 0; a < m_layout.axisColumns.size(); ++a) {
        const auto c = static_cast<std::size_t>(m_layout.axisColumns[a]);
        double v = 0.0;
        if (!parseNumber(m_fields[c], v)) {
            malformed("column " + std::to_string(c) + " is not a number: '" +
                      std::string(m_fields[c].substr(0, 40)) + "'");
            return false;
        }
        row.values[a] = static_cast<float>(v * m_cfg.scale);
    }
    ++m_stats.rows;
    return true;
}

} // namespace vibra::decode
