#include "decode/CsvLineParser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

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

bool toNumber(std::string_view s, double& v) {
    if (!s.empty() && s.front() == '+')
        s.remove_prefix(1);
    if (s.empty())
        return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
}

std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

// Seconds per unit implied by a time column name, 0 when it is not a time column.
double timeNameUnit(std::string_view name) {
    const std::string n = lower(name);
    const auto ends = [&](std::string_view suf) { return n.size() >= suf.size() && n.ends_with(suf); };
    const bool timeish = n == "t" || n == "ts" || n.starts_with("time") || n.starts_with("t_") ||
                         n.starts_with("timestamp") || n == "millis" || n == "micros" || n == "ms" ||
                         n == "us" || n == "ns" || n == "s" || n == "seconds";
    if (!timeish)
        return 0.0;
    if (n == "micros" || ends("_us") || n == "us")
        return 1e-6;
    if (ends("_ns") || n == "ns")
        return 1e-9;
    if (n == "s" || n == "seconds" || ends("_s") || ends("_sec"))
        return 1.0;
    return 1e-3; // millis, t_ms, time, timestamp: Arduino millis() is the common case
}

} // namespace

CsvLineParser::CsvLineParser(CsvConfig config)
    : m_cfg(std::move(config))
    , m_dropNext(m_cfg.dropFirstLine) {
    m_line.reserve(m_cfg.maxLineLength);
}

void CsvLineParser::resync() {
    m_line.clear();
    m_skipping = false;
    m_dropNext = true;
}

std::uint64_t CsvLineParser::takeNewMalformed() {
    const std::uint64_t n = m_newMalformed;
    m_newMalformed = 0;
    return n;
}

void CsvLineParser::malformed(const char* why) {
    ++m_stats.malformed;
    ++m_newMalformed;
    m_lastProblem = why;
}

bool CsvLineParser::decideLayout(std::size_t n) {
    m_timeCol = -1;
    m_timeUnit = m_cfg.timeUnitSeconds > 0 ? m_cfg.timeUnitSeconds : 1e-3;
    const bool headerMatches = m_header.size() == n;
    if (m_cfg.timeColumn >= 0) {
        m_timeCol = m_cfg.timeColumn;
    } else if (m_cfg.timeColumn == CsvConfig::kAuto) {
        if (headerMatches) {
            for (std::size_t i = 0; i < n; ++i)
                if (timeNameUnit(m_header[i]) > 0) {
                    m_timeCol = static_cast<int>(i);
                    break;
                }
        } else if (m_cfg.axisColumns.empty() && (n == 4 || n == 7)) {
            m_timeCol = 0;
        }
    }
    if (m_timeCol >= 0 && m_cfg.timeUnitSeconds <= 0 && headerMatches) {
        const double u = timeNameUnit(m_header[static_cast<std::size_t>(m_timeCol)]);
        if (u > 0)
            m_timeUnit = u;
    }
    if (m_timeCol >= static_cast<int>(n))
        return false;
    m_axisCols.clear();
    if (!m_cfg.axisColumns.empty()) {
        for (int c : m_cfg.axisColumns)
            if (c < 0 || c >= static_cast<int>(n))
                return false;
        m_axisCols = m_cfg.axisColumns;
    } else {
        for (int c = 0; c < static_cast<int>(n) && m_axisCols.size() < 3; ++c)
            if (c != m_timeCol)
                m_axisCols.push_back(c);
    }
    if (m_axisCols.empty() || m_axisCols.size() > 3)
        return false;
    static const char* const kDefaultNames[] = {"x", "y", "z"};
    m_axisNames.clear();
    for (std::size_t a = 0; a < m_axisCols.size(); ++a) {
        std::string name;
        const auto col = static_cast<std::size_t>(m_axisCols[a]);
        if (col < m_labels.size() && !m_labels[col].empty())
            name = std::string(m_labels[col]);
        else if (headerMatches && !m_header[col].empty())
            name = m_header[col];
        else
            name = kDefaultNames[a];
        m_axisNames.push_back(std::move(name));
    }
    m_layoutKnown = true;
    return true;
}

bool CsvLineParser::parseLine(std::string_view line, CsvRow& row) {
    split(line, m_fields, m_cfg.maxColumns);
    if (!m_fields.empty() && m_fields.front() == "DATA")
        m_fields.erase(m_fields.begin());
    if (m_fields.size() > m_cfg.maxColumns) {
        malformed("too many columns");
        return false;
    }
    if (m_fields.empty())
        return false;
    // "label:value" -> value, remember labels
    m_labels.assign(m_fields.size(), std::string_view{});
    for (std::size_t i = 0; i < m_fields.size(); ++i) {
        const std::size_t colon = m_fields[i].rfind(':');
        if (colon != std::string_view::npos) {
            m_labels[i] = trim(m_fields[i].substr(0, colon));
            m_fields[i] = trim(m_fields[i].substr(colon + 1));
        }
    }
    // Which fields are numbers?
    const std::size_t n = m_fields.size();
    if (!m_layoutKnown) {
        double tmp;
        const bool allNumeric = std::all_of(m_fields.begin(), m_fields.end(),
                                            [&](std::string_view f) { return toNumber(f, tmp); });
        if (!allNumeric) {
            ++m_stats.headers;
            m_header.clear();
            split(line, m_fields, m_cfg.maxColumns);
            for (std::string_view f : m_fields)
                m_header.emplace_back(f);
            return false;
        }
        if (!decideLayout(n)) {
            malformed("the configured columns do not exist in the first data line");
            return false;
        }
    }
    if (m_timeCol >= 0) {
        double t;
        if (static_cast<std::size_t>(m_timeCol) >= n ||
            !toNumber(m_fields[static_cast<std::size_t>(m_timeCol)], t)) {
            malformed(static_cast<std::size_t>(m_timeCol) >= n ? "short line" : "non-numeric time");
            return false;
        }
        row.time = t * m_timeUnit;
    }
    for (std::size_t a = 0; a < m_axisCols.size(); ++a) {
        const auto col = static_cast<std::size_t>(m_axisCols[a]);
        double v;
        if (col >= n) {
            malformed("short line");
            return false;
        }
        if (!toNumber(m_fields[col], v)) {
            malformed("non-numeric value");
            return false;
        }
        row.values[a] = static_cast<float>(v * m_cfg.scale);
    }
    ++m_stats.rows;
    return true;
}

} // namespace vibra::decode
