#pragma once

#include "alarms/AlarmEvaluator.h"
#include "core/BlockOutlet.h"
#include "core/DeviceCounters.h"
#include "core/InputQueue.h"
#include "pipeline/DspProcessor.h"
#include "pipeline/EventLog.h"
#include "pipeline/FeatureTap.h"
#include "pipeline/PoolTask.h"
#include "pipeline/SnapshotSlot.h"
#include "pipeline/StoreFeed.h"
#include "pipeline/TapFeed.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vibra::pipeline {

class WorkerPool;

/// Everything of one device that the engine shares between threads, without Qt: the input queue with its
/// outlet (producer end), the counters, the DSP processor and alarm evaluator (run by the worker pool), the
/// storage feed and raw taps, the snapshot slot, and a control mailbox for the owner.
///
/// Lifetime: shared_ptr. The DeviceChannel (owner side), the pool (while queued or running) and nobody else
/// hold it; storage writers hold only the feeds. Removing a device never frees memory a thread still uses.
///
/// Threads:
///  - the producer (one source's I/O thread or the ingest server) uses outlet() only;
///  - a pool worker runs runSlice(); the pool guarantees one at a time, so "worker-owned" members need no
///  lock;
///  - the owner (and any thread) posts control requests (settings, storage, taps, rules, finish), watches,
///    reads snapshot() and counters; requests are applied by the worker at its next slice (the owner wakes
///    it).
///
/// Slices: at most kSliceBlocks blocks, then the channel goes to the back of the pool's queue (fairness).
/// Back-pressure (StorePolicy::backpressure): when the store feed is full the channel parks instead of
/// taking more input; its input queue then fills and real-time producers drop there (counted ring_overflow),
/// producers that can wait check outlet().hasRoom() and wait. Without back-pressure a full feed drops the
/// item (counted store_overflow).
/// Snapshots: at most settings.snapshotHz per second and only while watched (a summary, plus the display
/// fields while a display watcher exists).
/// Coalescing: while a device streams, it is revisited on a shared 20 ms grid instead of being woken for
/// every block (the pool then wakes about 50 times a second whatever the number of devices); the added
/// latency is at most 20 ms.
class ChannelCore : public PoolTask, public std::enable_shared_from_this<ChannelCore> {
public:
    static constexpr int kSliceBlocks = 16;
    struct StorePolicy {
        bool raw = false;         ///< every processed block goes to the feed too (raw storage)
        bool backpressure = true; ///< wait for a full feed (park) instead of dropping
    };
    struct Options {
        std::size_t inputBlocks = core::InputQueue::kDefaultBlocks;
        dsp::SeverityTable severity = dsp::SeverityTable::defaults();
    };
    /// RAII interest in a device's snapshots: while alive, snapshots are published (display fields too for
    /// a display watch). Movable; release on destruction.
    class Watch {
    public:
        Watch() = default;
        Watch(Watch&& o) noexcept;
        Watch& operator=(Watch&& o) noexcept;
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;
        ~Watch();
        void reset();
        explicit operator bool() const { return m_core != nullptr; }

    private:
        friend class ChannelCore;
        Watch(std::shared_ptr<ChannelCore> core, bool display);
        std::shared_ptr<ChannelCore> m_core;
        bool m_display = false;
    };

    ChannelCore(std::string deviceId, std::string uri, const DspSettings& settings, WorkerPool& pool,
                EventLog* events, std::shared_ptr<const alarms::AlarmRules> rules, Options options);
    ChannelCore(std::string deviceId, std::string uri, const DspSettings& settings, WorkerPool& pool,
                EventLog* events, std::shared_ptr<const alarms::AlarmRules> rules)
        : ChannelCore(std::move(deviceId), std::move(uri), settings, pool, events, std::move(rules),
                      Options{}) {}
    ~ChannelCore() override;

    const std::string& deviceId() const { return m_deviceId; }
    const std::string& uri() const { return m_uri; }

    /// Producer end (one producing thread at a time). Valid as long as the core lives.
    core::BlockOutlet& outlet() { return m_outlet; }
    const std::shared_ptr<core::DeviceCounters>& counters() const { return m_counters; }
    const core::InputQueue& input() const { return m_input; }

    // --- control (any thread; applied by the worker at its next slice) ---
    void setSettings(const DspSettings& settings);
    DspSettings settings() const;
    void setAlarmRules(std::shared_ptr<const alarms::AlarmRules> rules);
    /// Starts storing into feed (replacing and closing a previous one); nullptr stops storing (the current
    /// feed is closed: its partial second is not stored).
    void setStore(StoreFeedPtr feed, StorePolicy policy);
    void addTap(TapFeedPtr tap);
    /// Closes and removes a tap (by pointer).
    void removeTap(const TapFeedPtr& tap);
    /// Every completed second's rollup and every event also go to this tap (Redis features publishing).
    void addFeatureTap(FeatureTapPtr tap);
    void removeFeatureTap(const FeatureTapPtr& tap);
    Watch watch(bool display);
    /// The producer has stopped for good: drain the queue, flush the partial second, close feeds and taps.
    void finish();
    bool isFinished() const { return m_finished.load(std::memory_order_acquire); }
    /// Blocks until finished (or the timeout passes); returns isFinished().
    bool waitFinished(std::int64_t timeoutNs) const;
    /// Newest snapshot (null before the first, or while nobody watches).
    DeviceSnapshotPtr snapshot() const { return m_snapshot.load(); }
    /// Newest completed second (null before the first): what status lines and alarms use, watched or not.
    RollupRecordPtr lastSecond() const;
    int displayWatchers() const { return m_displayWatchers.load(std::memory_order_relaxed); }

    // --- PoolTask (pool worker) ---
    Result runSlice() override;
    bool hasWork() const override;

private:
    struct Control {
        std::optional<DspSettings> settings;
        std::optional<std::shared_ptr<const alarms::AlarmRules>> rules;
        std::vector<std::pair<StoreFeedPtr, StorePolicy>> storeChanges; ///< in order; nullptr = stop storing
        std::vector<TapFeedPtr> addTaps;
        std::vector<TapFeedPtr> removeTaps;
        std::vector<FeatureTapPtr> addFeatureTaps;
        std::vector<FeatureTapPtr> removeFeatureTaps;
        bool watchChanged = false;
        bool finish = false;
    };
    void wake();
    void post(const std::function<void(Control&)>& edit);
    void applyControl();
    /// The bands of the band rules that apply to this device (what the processor must compute).
    std::vector<std::pair<double, double>> bandsOf(const alarms::AlarmRules& rules) const;
    void attachStore(StoreFeedPtr feed, StorePolicy policy);
    void closeStore();
    /// The counters with samplesReceived = processed + input-stage drops. rollupAligned: the samples of the
    /// second still being accumulated are left out (they reach storage with that second's rollup, later).
    core::CounterSnapshot accountedCounters(bool rollupAligned = false) const;
    bool flushPendingStore();
    void pushStore(StoreItemPtr item, std::uint64_t samples, bool countDrop);
    void emitOutputs();
    void handleBlock(const core::SampleBlockPtr& block);
    void tapBlock(const core::SampleBlockPtr& block);
    void maybePublish(bool force);
    Result finishUp();

    // immutable after construction
    const std::string m_deviceId;
    const std::string m_uri;
    WorkerPool& m_pool;
    EventLog* const m_events;
    const std::shared_ptr<core::DeviceCounters> m_counters;

    // producer side (the queue is SPSC; the outlet belongs to the producing thread)
    core::InputQueue m_input;
    core::BlockOutlet m_outlet;

    // any thread
    mutable std::mutex m_controlMutex; // guards m_control and m_settingsView
    Control m_control;
    DspSettings m_settingsView; ///< the newest requested settings (what settings() answers)
    std::atomic<bool> m_controlPending{false};
    std::atomic<int> m_watchers{0};
    std::atomic<int> m_displayWatchers{0};
    std::atomic<bool> m_finished{false};
    mutable std::mutex m_finishedMutex;
    mutable std::condition_variable m_finishedCv;
    SnapshotSlot m_snapshot;
    mutable std::mutex m_lastSecondMutex;
    RollupRecordPtr m_lastSecondShared;

    // worker-owned (one pool worker at a time)
    DspProcessor m_proc;
    alarms::AlarmEvaluator m_alarms;
    StoreFeedPtr m_store;
    StorePolicy m_policy;
    std::deque<std::pair<StoreItemPtr, std::uint64_t>> m_pendingStore; ///< back-pressure overflow (bounded)
    std::vector<TapFeedPtr> m_taps;
    std::vector<FeatureTapPtr> m_featureTaps;
    std::vector<core::EventPtr> m_newEvents;
    std::int64_t m_blockedSinceNs = 0; ///< when the oldest pending store item was refused
    bool m_streaming = false;          ///< the last slice processed data (revisit on the coalescing grid)
    bool m_finishing = false;
    bool m_flushed = false;
    bool m_dirty = false;
    std::int64_t m_lastPublishNs = 0;
    std::uint64_t m_snapshotSeq = 0;
};

using ChannelCorePtr = std::shared_ptr<ChannelCore>;

} // namespace vibra::pipeline
