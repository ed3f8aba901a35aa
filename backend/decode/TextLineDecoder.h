#pragma once

#include "decode/BlockAssembler.h"
#include "decode/CsvLineParser.h"
#include "decode/StreamDecoder.h"

#include <optional>

namespace vibra::decode {

/// Text lines (format=csv) on a byte stream: CsvLineParser -> BlockAssembler.
///
/// The first line after opening a port is dropped as possibly partial, unless the stream starts at a
/// boundary (a file) or markBoundary() says the transport saw silence before the first byte.
///
/// After a loss, an untimed stream turns the downtime into an inferred gap. What counts is which clock and
/// which moments: the host clock, from the last read before the loss (A: every line completed by then was
/// received; a line cut at A completes after A) to a moment t after the reconnect when the backlog the port
/// and the device buffered has been read (every line then received was completed after A). So the rows of
/// the first kSettleNs after the reconnect are held, then
///     missing = round((t - A) x rate) - rows received since the reconnect
/// samples are skipped before them (the line cut at A and the partial first line dropped after the
/// reconnect are among the missing). Time stamps (a time column) place samples by themselves; an index column
/// detects gaps exactly.
///
/// Threads: owned by one thread.
class TextLineDecoder : public StreamDecoder {
public:
    /// How long after a reconnect rows are held to measure the backlog.
    static constexpr std::int64_t kSettleNs = 250'000'000;

    explicit TextLineDecoder(const Config& config);

    std::string lastRejection() const override { return m_parser->lastProblem(); }
    std::string formatName() const override { return "csv"; }
    std::shared_ptr<const core::DeviceInfo> device() const override { return m_assembler.device(); }
    void transportLost() override;
    void transportResumed(double downtimeSeconds) override;
    void markBoundary() override { m_parser->markBoundary(); }
    void rewind() override;

    const CsvLineParser& parser() const { return *m_parser; }
    const BlockAssembler& assembler() const { return m_assembler; }

protected:
    void onBytes(std::span<const std::uint8_t> bytes, std::int64_t hostNowNs, Blocks& out) override;
    void onClose(Blocks& out) override;
    void onFlush(Blocks& out) override;
    bool onFinish(Blocks& out) override;
    std::string explain() const override;
    void refreshStats() override;

private:
    void addRows(std::int64_t hostNowNs);
    void applyLayout();
    void settleResume(std::int64_t hostNowNs, bool force);
    void releaseResume();

    Config m_cfg;
    std::optional<CsvLineParser> m_parser;
    BlockAssembler m_assembler;
    std::vector<CsvRow> m_rows; // rows parsed by the current feed
    bool m_layoutApplied = false;
    // reconnect of an untimed stream: rows held until the backlog is read (see the class comment)
    bool m_resuming = false;
    double m_resumeDowntime = 0.0;     // seconds from the last read before the loss to the first after
    std::int64_t m_resumeStartNs = -1; // host time of the first read after the reconnect
    std::int64_t m_lastFeedNs = 0;
    std::vector<CsvRow> m_resumeRows;
    std::uint64_t m_rowsBefore = 0; // parser rows of earlier passes (loop)
    std::uint64_t m_malformedBefore = 0;
    std::uint64_t m_headersBefore = 0;
    std::uint64_t m_otherBefore = 0;
    std::uint64_t m_unplaced = 0; // rows the assembler refused (no rate)
};

} // namespace vibra::decode
