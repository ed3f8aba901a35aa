#include "decode/TextLineDecoder.h"

#include <cmath>

namespace vibra::decode {

namespace {
BlockAssembler::Config assemblerConfig(const StreamDecoder::Config& c) {
    BlockAssembler::Config a;
    a.rateHz = c.rateHz;
    a.maxBlockSamples = c.maxBlockSamples;
    return a;
}
} // namespace

TextLineDecoder::TextLineDecoder(const Config& config)
    : m_cfg(config)
    , m_assembler(config.base, assemblerConfig(config)) {
    CsvConfig csv = config.csv;
    csv.dropFirstLine = !config.startsAtBoundary;
    m_parser.emplace(csv);
}

void TextLineDecoder::applyLayout() {
    if (m_layoutApplied || !m_parser->layoutKnown())
        return;
    m_layoutApplied = true;
    const CsvLayout& l = m_parser->layout();
    core::Unit unit = m_cfg.base.unit;
    if (!m_cfg.unitExplicit && l.unit)
        unit = *l.unit;
    m_assembler.setLayout(l.axisNames, unit);
    if (l.timeAbsolute)
        m_assembler.setAbsoluteClock(m_parser->timeOriginNs());
    if (!m_parser->hasTime() && m_cfg.rateHz <= 0)
        setFatal("the lines have no time column: set the sample rate (rate=...)" +
                 std::string(m_parser->hasIndex() ? " (the index column gives gaps, not the rate)" : ""));
}

void TextLineDecoder::onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) {
    m_rows.clear();
    m_lastFeedNs = hostNowNs;
    m_parser->feed(std::span<const char>(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                   [this](const CsvRow& r) { m_rows.push_back(r); });
    if (m_resuming) {
        if (m_parser->hasTime() || m_parser->hasIndex() || m_assembler.rateHz() <= 0) {
            m_resuming = false; // time stamps or indices place the samples themselves
        } else {
            if (m_resumeStartNs < 0)
                m_resumeStartNs = hostNowNs;
            m_resumeRows.insert(m_resumeRows.end(), m_rows.begin(), m_rows.end());
            m_rows.clear();
            settleResume(hostNowNs, false);
        }
    }
    addRows(hostNowNs);
    m_assembler.take(out, false);
    if (const auto& e = m_parser->configError(); !e.empty())
        setFatal(e);
}

void TextLineDecoder::settleResume(std::int64_t hostNowNs, bool force) {
    if (!m_resuming)
        return;
    const double rate = m_assembler.rateHz();
    const bool settled = m_resumeStartNs >= 0 && hostNowNs - m_resumeStartNs >= kSettleNs;
    const bool full = static_cast<double>(m_resumeRows.size()) > rate; // hold at most a second
    if (!force && !settled && !full)
        return;
    if (m_resumeStartNs >= 0) {
        const double elapsed = m_resumeDowntime + static_cast<double>(hostNowNs - m_resumeStartNs) * 1e-9;
        // a line cut at the loss completes after A: it is among the (t - A) x rate produced, not extra
        const double missing = std::nearbyint(elapsed * rate) - static_cast<double>(m_resumeRows.size());
        if (missing > 0)
            m_assembler.skipSamples(static_cast<std::uint64_t>(missing));
    }
    m_resuming = false;
    m_rows.insert(m_rows.begin(), m_resumeRows.begin(), m_resumeRows.end());
    m_resumeRows.clear();
}

void TextLineDecoder::addRows(std::int64_t hostNowNs) {
    for (const CsvRow& r : m_rows) {
        applyLayout();
        BlockAssembler::Row row;
        row.time = r.time;
        row.index = r.index;
        row.values = r.values;
        if (!m_assembler.add(row, hostNowNs)) {
            ++m_unplaced;
            setFatal(m_assembler.error());
        }
    }
    m_rows.clear();
}

void TextLineDecoder::onFlush(Blocks& out) {
    m_assembler.take(out, true);
}

void TextLineDecoder::releaseResume() {
    if (!m_resuming)
        return;
    settleResume(m_lastFeedNs, true);
    addRows(m_lastFeedNs);
}

bool TextLineDecoder::onFinish(Blocks& out) {
    releaseResume();
    m_rows.clear();
    m_parser->finish([this](const CsvRow& r) { m_rows.push_back(r); });
    addRows(0);
    const bool ok = m_assembler.finish();
    if (!ok && m_parser->stats().rows > 0)
        setFatal(m_assembler.error());
    m_assembler.take(out, true);
    return ok;
}

void TextLineDecoder::transportLost() {
    m_parser->resync();
}

void TextLineDecoder::transportResumed(double downtimeSeconds) {
    releaseResume(); // a second loss before the first settled
    m_resuming = true;
    m_resumeDowntime = std::max(0.0, downtimeSeconds);
    m_resumeStartNs = -1;
}

void TextLineDecoder::rewind() {
    // a new pass over the same text: a fresh parser (it reads the header again); the assembler continues
    m_rowsBefore += m_parser->stats().rows;
    m_malformedBefore += m_parser->stats().malformed;
    m_headersBefore += m_parser->stats().headers;
    m_otherBefore += m_parser->stats().otherDevice;
    CsvConfig csv = m_cfg.csv;
    csv.dropFirstLine = false;
    m_parser.emplace(csv);
    m_layoutApplied = false;
    m_assembler.restartClock(); // the time column starts over: continue one sample after the last row
}

void TextLineDecoder::refreshStats() {
    const auto& p = m_parser->stats();
    m_stats.units = m_rowsBefore + p.rows - std::min(p.rows, m_unplaced);
    m_stats.malformed = m_malformedBefore + p.malformed;
    m_stats.oversized = p.oversized;
    m_stats.resyncs = p.partial;
    m_stats.headers = m_headersBefore + p.headers;
    m_stats.skipped = m_otherBefore + p.otherDevice;
    const auto& t = m_assembler.timing();
    m_stats.duplicates = t.stats().duplicates;
    m_stats.restarts = t.stats().restarts;
    m_stats.rateChanges = t.stats().rateChanges;
    if (m_assembler.timed()) {
        m_stats.rateHz = t.estimatedRateHz();
        m_stats.jitterSeconds = t.jitterSeconds();
    }
    for (auto& n : m_parser->takeNotices())
        notice(std::move(n));
    for (auto& n : m_assembler.timingForNotices().takeNotices())
        notice(std::move(n));
}

std::string TextLineDecoder::explain() const {
    const auto& p = m_parser->stats();
    const std::uint64_t n = m_stats.bytes;
    if (n > 0 && m_zeroBytes == n)
        return "every byte is zero (0x00): this is not text, nor device output";
    if (n > 0 && p.binaryBytes * 10 > n)
        return "binary bytes, not text lines: the device sends frames (format=frame or auto) or the baud "
               "rate "
               "is wrong";
    if (p.oversized > 0 && p.rows == 0)
        return "a line longer than maxline=" + std::to_string(m_cfg.csv.maxLineLength) +
               " bytes: not line-based text, or set a larger maxline=";
    if (m_lineBreaks == 0 && n > 0)
        return "text without a line break yet";
    if (p.otherDevice > 0 && p.rows == 0) {
        std::string others;
        for (const auto& d : m_parser->otherDevices())
            others += (others.empty() ? "" : ", ") + d;
        return "no row of device '" + m_parser->device() + "'; the rows are of " + others + " (device=)";
    }
    if (!m_parser->configError().empty())
        return m_parser->configError();
    if (p.malformed > 0 && p.rows == 0)
        return std::to_string(p.malformed) + " line(s) rejected, the last: " + m_parser->lastProblem();
    if (p.headers > 0 && p.rows == 0)
        return std::to_string(p.headers) +
               " line(s) without numbers (headers or boot messages) and no data line";
    if (p.rows > 0 && m_stats.samples == 0)
        return m_assembler.timed() ? "estimating the rate from the time stamps" : m_assembler.error();
    return {};
}

void TextLineDecoder::onClose(Blocks& out) {
    releaseResume();
    m_assembler.finish();
    m_assembler.take(out, true);
}

} // namespace vibra::decode
