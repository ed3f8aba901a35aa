#pragma once

#include "core/SampleBlock.h"
#include "parquet/ParquetWriter.h"
#include "pipeline/TapFeed.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vibra::service {

/// Stores triggered windows of raw samples: one thread that drains a TapFeed per watched device into a
/// pre-trigger ring (the newest `keepNs` of blocks, at most kMaxBufferedSamples samples per axis), and
/// writes each requested window [startNs, endNs) as DIR/TRIGGER/DEVICE/DEVICE_<startNs>.parquet (columns
/// sample_index, t (timestamp ns), one float per axis), streaming blocks as they arrive so a long window
/// never sits in memory.
///
/// Exactly once per (trigger, device, window start), across restarts: the file appears only complete
/// (written as .partial, renamed on close); a window whose file exists is not written again (counted
/// `existing`); a window whose start is older than the buffered data (e.g. it began before a restart) is
/// not written (counted `incomplete`) and leftover .partial files are removed at start.
///
/// Threads: request()/close()/addTap()/stats from any thread (a mutex-guarded command list); everything
/// else on the engine's thread.
class TriggerEngine {
public:
    struct Stats {
        std::atomic<std::uint64_t> windowsStored{0};
        std::atomic<std::uint64_t> windowsExisting{0};
        std::atomic<std::uint64_t> windowsIncomplete{0};
        std::atomic<std::uint64_t> writeErrors{0};
        std::atomic<std::uint64_t> samplesStored{0};
        std::atomic<std::uint64_t> partialsRemoved{0};
        std::atomic<std::uint64_t> bufferedSamples{0}; ///< per axis, all devices (gauge)
    };
    static constexpr std::uint64_t kMaxBufferedSamples = 1u << 22; ///< per device and axis (16 MB at 3 axes)

    TriggerEngine(std::string dir, bool syncFiles = true);
    ~TriggerEngine();
    TriggerEngine(const TriggerEngine&) = delete;
    TriggerEngine& operator=(const TriggerEngine&) = delete;

    bool start(std::string* error);
    void stop(); ///< finishes windows that have all their data, abandons the rest (counted incomplete)

    /// Watch a device: keep the newest keepNs of its blocks (raise only).
    void addTap(pipeline::TapFeedPtr tap, std::int64_t keepNs);
    /// Store [startNs, endNs) of device for trigger (endNs = INT64_MAX: open until close()).
    void request(const std::string& trigger, const std::string& device, std::int64_t startNs,
                 std::int64_t endNs);
    /// Sets the end of the open window of (trigger, device).
    void close(const std::string& trigger, const std::string& device, std::int64_t endNs);
    const Stats& stats() const { return m_stats; }
    std::string pathFor(const std::string& trigger, const std::string& device, std::int64_t startNs) const;

private:
    struct Window {
        std::string trigger, device;
        std::int64_t startNs = 0, endNs = 0;
        std::unique_ptr<parquet::ParquetWriter> writer;
        std::uint64_t nextIndex = 0; ///< first sample index not yet written
        bool begun = false;
    };
    struct Device {
        std::vector<pipeline::TapFeedPtr> taps;
        std::deque<core::SampleBlockPtr> ring;
        std::uint64_t ringSamples = 0;
        std::int64_t keepNs = 0;
        std::int64_t newestEndNs = 0; ///< time after the newest block
    };
    struct Command {
        enum class Kind { Tap, Request, Close } kind;
        pipeline::TapFeedPtr tap;
        std::int64_t keepNs = 0;
        std::string trigger, device;
        std::int64_t startNs = 0, endNs = 0;
    };
    void run();
    void apply(std::vector<Command>& cmds);
    void onBlock(Device& d, const std::string& id, const core::SampleBlockPtr& b);
    bool feed(Window& w, const core::SampleBlock& b);
    bool begin(Window& w, const Device& d);
    void finish(Window& w);
    static std::int64_t blockEndNs(const core::SampleBlock& b);

    const std::string m_dir;
    const bool m_sync;
    Stats m_stats;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<Command> m_commands;
    bool m_stop = false;
    std::thread m_thread;
    // engine thread only
    std::map<std::string, Device> m_devices;
    std::vector<std::unique_ptr<Window>> m_windows;
};

} // namespace vibra::service
