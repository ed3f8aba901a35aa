#pragma once

#include "core/SampleBlock.h"
#include "core/SpscRing.h"
#include "parquet/ParquetSchema.h"
#include "pipeline/TapFeed.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace vibra::parquet {
class ParquetWriter;
}

namespace vibra::exporting {

/// Records every raw sample of every device to Parquet, one file per device per rotation period:
/// `DIR/<device>/<device>_<YYYYmmddTHHMMSSZ of the period start>.parquet` (a `_2`, `_3`, ... suffix when that
/// name or its .partial already exists). Periods are aligned to UTC multiples of Options::rotateNs; a block
/// that spans a boundary is split at the first sample whose time is >= the boundary.
///
/// Schema: `t` INT64 TIMESTAMP(NANOS, UTC) = block.timeOfSampleNs(i), `sample_index` INT64, one FLOAT column
/// per axis (the device's axis names), floats BYTE_STREAM_SPLIT, all ZSTD; row groups of about
/// Options::rowGroupSeconds of data. Key/value metadata: see docs/parquet.md "Recording to Parquet".
///
/// A file is written as .partial and renamed (after fsync) when it is closed: when the first sample of a
/// later period (or of a changed device description) arrives, when its period has ended by the wall clock
/// and no data arrived for Options::idleCloseNs, and at stop(). A crash loses the open file only.
///
/// Accounting per device: received (TapCounters::offeredSamples) = written (in closed files) +
/// dropped{tap_overflow} (the DSP worker found the tap full) + dropped{write_error} (the file could not be
/// opened, written or closed: its samples, and the rest of that period's samples, are dropped; the next
/// period tries a new file). Errors are kept as messages (takeErrors) and make failed() true.
///
/// Devices arrive as pipeline::TapFeeds (a raw-block ring + TapCounters, shared with the producer), before or
/// after start(): a device that appears while recording (e.g. over `record --listen`) is recorded from its
/// first tapped block. When the producer closes a feed (device removed, recording stopped), the sink drains
/// it, closes and renames its open file and keeps its accounting for the final report; the feed is released.
///
/// Threads: start/stop on the owner's thread; addFeed on any thread (a mutex-guarded hand-over picked up by
/// the sink thread within one poll interval). One sink thread owns every writer and all per-file state; it is
/// the single consumer of the tap rings (the DSP workers are the producers). accounting(), failed() and
/// takeErrors() may be called from any thread (counters are relaxed atomics, exact after stop()).
class ParquetRecordingSink {
public:
    struct Options {
        std::string dir;
        std::int64_t rotateNs = 600'000'000'000; ///< period length, >= 1 s
        std::size_t tapBlocks = 1024;            ///< capacity of each device's tap ring (blocks)
        double rowGroupSeconds = 5.0; ///< rows per row group = rate * this, clamped to [1024, 1 Mi]
        std::int64_t idleCloseNs =
            2'000'000'000;             ///< close an ended period's file after this long without data
        parquet::WriterOptions writer; ///< compression etc.; rowGroupRows is set per device
        std::string createdBy = "vibrascope";
    };

    struct DeviceAccounting {
        std::string name;
        std::uint64_t received = 0;           ///< samples per axis offered to the tap
        std::uint64_t written = 0;            ///< samples per axis in closed, renamed files
        std::uint64_t droppedTapOverflow = 0; ///< refused by the full tap ring (DSP thread)
        std::uint64_t droppedWriteError = 0;  ///< in files that failed, or arriving while their period failed
        std::uint64_t files = 0;              ///< files closed
        std::uint64_t bytes = 0;              ///< bytes in closed files
        std::uint64_t dropped() const { return droppedTapOverflow + droppedWriteError; }
        bool balanced() const { return received == written + dropped(); }
    };

    explicit ParquetRecordingSink(Options options);
    ~ParquetRecordingSink();
    ParquetRecordingSink(const ParquetRecordingSink&) = delete;
    ParquetRecordingSink& operator=(const ParquetRecordingSink&) = delete;

    /// Any thread, before or after start(): records the device of `feed` (name = feed->deviceId; used, made
    /// file-name safe, for the folder and file names). A device added again later (a new feed with the same
    /// id) continues in the same folder and adds to the same accounting entry. Adding the same feed twice, or
    /// after stop(), has no effect.
    void addFeed(pipeline::TapFeedPtr feed);

    /// Creates DIR and DIR/<device> (for the feeds added so far) if missing and checks that files can be
    /// created there; then starts the sink thread. Returns false with a message (nothing started) when the
    /// directory is unusable. Folders of devices added later are created with their first file.
    bool start(std::string* error);
    /// Drains every feed completely (closed or not), closes every open file and joins the thread. Call after
    /// the producers feeding the taps have stopped.
    void stop();
    bool isRunning() const { return m_thread.joinable(); }

    /// Any thread: true once any write error happened.
    bool failed() const { return m_failed.load(std::memory_order_acquire); }
    /// Any thread: error messages since the last call (bounded: at most kMaxQueuedErrors are kept).
    std::vector<std::string> takeErrors();
    /// Any thread; one entry per device name in order of arrival; exact after stop().
    std::vector<DeviceAccounting> accounting() const;

    /// `*.parquet.partial` files found in the device folders by start(): segments left open by an earlier run
    /// that crashed (no footer, unreadable). They are never overwritten; recovery is not implemented.
    const std::vector<std::string>& leftoverPartials() const { return m_leftovers; }
    const Options& options() const { return m_options; }
    /// `<device>_<YYYYmmddTHHMMSSZ>` for a period starting at periodStartNs (UTC).
    static std::string baseName(const std::string& device, std::int64_t periodStartNs);
    /// Folder/file-name-safe form of a device id: [A-Za-z0-9._-] kept, anything else '_'.
    static std::string safeName(const std::string& device);

    static constexpr std::size_t kMaxQueuedErrors = 100;

private:
    struct Device;

    void run();
    /// Sink thread: takes the feeds added since the last call.
    void adoptFeeds();
    /// Sink thread: a closed feed is empty now; its file is closed and its counters are kept.
    void retire(Device& d);
    bool drain(Device& d, std::size_t maxBlocks);
    void handle(Device& d, const core::SampleBlock& block);
    void writeChunk(Device& d, const core::SampleBlock& block, std::uint32_t pos, std::uint32_t n,
                    std::int64_t periodStart);
    bool openFile(Device& d, const core::SampleBlock& block, std::int64_t periodStart);
    void closeFile(Device& d);
    void failFile(Device& d, const std::string& message, std::uint64_t extraSamples);
    void reportError(const std::string& message);
    std::string uniquePath(const Device& d, std::int64_t periodStart) const;

    const Options m_options;

    // any thread
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_failed{false};
    mutable std::mutex m_mutex; // guards m_devices (structure), m_incoming, m_errors, m_droppedErrors, m_wake
    std::condition_variable m_wake;
    std::vector<std::unique_ptr<Device>> m_devices; ///< grows under m_mutex; per-device fields as documented
    std::vector<pipeline::TapFeedPtr> m_incoming;   ///< added, not yet taken by the sink thread
    std::vector<std::string> m_errors;
    std::uint64_t m_droppedErrors = 0;
    bool m_stopped = false; ///< stop() returned: addFeed is ignored

    // owner thread only
    std::thread m_thread;
    std::vector<std::string> m_leftovers;
};

} // namespace vibra::exporting
