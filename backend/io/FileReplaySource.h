#pragma once

#include "decode/InputFormat.h"
#include "io/CsvSourceOptions.h"
#include "io/DecoderPump.h"
#include "io/Source.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTimer>

#include <deque>
#include <memory>

namespace vibra::io {

/// Replays a recorded file: file:///path/data.csv?format=auto|csv|frame&rate=...&realtime=1&loop=0 (+ the
/// CsvSourceOptions parameters and id=).
///
/// Decoding is decode::StreamDecoder's (through DecoderPump), as for a serial port: format=auto (default)
/// detects text lines (CSV, including every CSV `vibrascope export` writes) or Vibrascope frames (a capture
/// of a serial stream), and says which. The file is read ahead of the replay in 64 KiB pieces into at most
/// kMaxPendingSamples decoded samples.
///
/// Pacing: realtime=1 makes each sample available no earlier than its time (block start times relative to
/// the first block: the time column, the frames' clock, or index / rate), splitting blocks as needed, on a
/// 5 ms timer; blocks the engine's queue cannot take are dropped and counted, like a live device.
/// realtime=0 is unpaced and loses nothing: it delivers only what the queue has room for and otherwise looks
/// again 1 ms later, so it never blocks the I/O thread it shares with other sources and stop() stays
/// responsive. loop=1 starts over at the end of the file; sample indices and times continue.
///
/// A file that cannot be read as configured fails (state Failed with the reason, then finished()): it
/// cannot be opened, a configured column does not exist, untimed lines without rate=, no sample in the first
/// megabyte (binary garbage, a file of zero bytes, a line without a line break), or no sample at all.
///
/// Threads: constructed anywhere, then everything runs on the source's I/O thread.
class FileReplaySource : public Source {
    Q_OBJECT
public:
    struct Options {
        QString path;
        decode::InputFormat format = decode::InputFormat::Auto;
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

    static constexpr std::uint64_t kMaxPendingSamples = 1u << 17;

private:
    static std::unique_ptr<FileReplaySource> parse(SourceUri& uri, QString* error);
    void tick();
    bool readAhead();  // decodes more of the file; false when the source failed
    bool deliverDue(); // false while blocks wait for room (unpaced)
    void finishRun();
    void fail(const QString& message);

    const Options m_opt;
    // I/O thread only
    core::BlockOutlet* m_outlet = nullptr;
    QFile m_file;
    DecoderPump m_pump;
    std::deque<core::MutableBlockPtr> m_queue;
    std::uint64_t m_queuedSamples = 0;
    QTimer m_timer;
    QElapsedTimer m_clock;
    bool m_running = false;
    bool m_eof = false;
    bool m_haveT0 = false;
    std::int64_t m_t0Ns = 0; // start time of the first block (pacing)
};

} // namespace vibra::io
