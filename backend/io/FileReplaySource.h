#pragma once

#include "decode/BlockAssembler.h"
#include "decode/CsvLineParser.h"
#include "io/CsvSourceOptions.h"
#include "io/RateLimitedLog.h"
#include "io/Source.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTimer>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>

namespace vibra::io {

/// Replays a CSV / text-lines file: file:///path/data.csv?rate=...&realtime=1&loop=0 (+ the CsvSourceOptions
/// parameters and id=).
///
/// Pacing: realtime=1 makes each row available no earlier than its time: the time column (relative to the
/// first row) when present, else row index / rate; blocks go out on a 5 ms timer and are dropped (counted)
/// when the engine's queue is full, like a live device. realtime=0 is unpaced and loses nothing: it works in
/// slices, delivers only what the queue has room for and otherwise looks again 1 ms later, so it never blocks
/// the I/O thread it shares with other sources and stop() stays responsive.
/// loop=1 restarts at the end of the file; sample indices continue.
///
/// Threads: constructed anywhere, then everything runs on the source's I/O thread.
/// Memory: one 64 KiB read buffer, at most kMaxPendingRows parsed rows and a few undelivered blocks.
class FileReplaySource : public Source {
    Q_OBJECT
public:
    struct Options {
        QString path;
        CsvSourceOptions text;
        bool realtime = true;
        bool loop = false;
    };

    /// Parses a file:// URI; returns nullptr and sets *error on bad parameters (the file is opened in
    /// start()).
    static std::unique_ptr<FileReplaySource> create(const QString& uri, QString* error);
    /// SourceFactory entry (scheme table): parses uri, returns nullptr and sets *error on bad parameters.
    static std::unique_ptr<Source> fromUri(SourceUri& uri, QString* error);

    FileReplaySource(QString deviceId, QString uri, Options options);
    ~FileReplaySource() override;

    void start(core::BlockOutlet* outlet) override;
    void stop() override;
    bool isFinite() const override { return !m_opt.loop; }

    static constexpr std::size_t kMaxPendingRows = 65536;

private:
    static std::unique_ptr<FileReplaySource> parse(SourceUri& uri, QString* error);
    void tick();
    bool refill();       // parses the next chunk into m_pending; false at end of file (after loop handling)
    bool deliverReady(); // assembler -> outlet; false while blocks wait for room (unpaced)
    void finishRun();
    void fail(const QString& message);

    const Options m_opt;
    // I/O thread only
    core::BlockOutlet* m_outlet = nullptr;
    QFile m_file;
    std::optional<decode::CsvLineParser> m_parser;
    std::optional<decode::BlockAssembler> m_assembler;
    struct Row {
        double rel; // seconds since the first row (pacing)
        decode::CsvRow row;
    };
    std::deque<Row> m_pending;
    QTimer m_timer;
    QElapsedTimer m_clock;
    bool m_running = false;
    bool m_eof = false;
    bool m_haveFirstTime = false;
    double m_firstTime = 0.0;
    double m_loopOffset = 0.0; // seconds added to rel on later loops
    double m_lastRel = 0.0;
    std::uint64_t m_rowIndex = 0; // rows read in this loop (pacing without a time column)
    std::vector<core::MutableBlockPtr> m_blocks;
    RateLimitedLog m_log;
};

} // namespace vibra::io
