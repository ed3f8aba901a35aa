#include "pipeline/ChannelCore.h"

#include "core/Clock.h"
#include "pipeline/WorkerPool.h"

#include <algorithm>

namespace vibra::pipeline {

namespace {
constexpr std::int64_t kParkNs = 2'000'000;                  ///< retry a full store feed after 2 ms
constexpr std::int64_t kMaxBlockedNs = 10 * core::kSecondNs; ///< then give up on a writer that stopped
constexpr std::int64_t kCoalesceNs = 20'000'000; ///< grid on which streaming devices are revisited
constexpr core::DropReason kInputStage[] = {core::DropReason::RingOverflow, core::DropReason::Malformed,
                                            core::DropReason::Crc, core::DropReason::Duplicate,
                                            core::DropReason::Unauthorized};
} // namespace

// --- Watch ---

ChannelCore::Watch::Watch(std::shared_ptr<ChannelCore> core, bool display)
    : m_core(std::move(core))
    , m_display(display) {
    m_core->m_watchers.fetch_add(1, std::memory_order_relaxed);
    if (m_display)
        m_core->m_displayWatchers.fetch_add(1, std::memory_order_relaxed);
    m_core->post([](Control& c) { c.watchChanged = true; });
}

ChannelCore::Watch::Watch(Watch&& o) noexcept
    : m_core(std::move(o.m_core))
    , m_display(o.m_display) {}

ChannelCore::Watch& ChannelCore::Watch::operator=(Watch&& o) noexcept {
    if (this != &o) {
        reset();
        m_core = std::move(o.m_core);
        m_display = o.m_display;
    }
    return *this;
}

ChannelCore::Watch::~Watch() {
    reset();
}

void ChannelCore::Watch::reset() {
    if (!m_core)
        return;
    m_core->m_watchers.fetch_sub(1, std::memory_order_relaxed);
    if (m_display)
        m_core->m_displayWatchers.fetch_sub(1, std::memory_order_relaxed);
    m_core->post([](Control& c) { c.watchChanged = true; });
    m_core.reset();
}

// --- ChannelCore ---

ChannelCore::ChannelCore(std::string deviceId, std::string uri, const DspSettings& settings, WorkerPool& pool,
                         EventLog* events, std::shared_ptr<const alarms::AlarmRules> rules, Options options)
    : m_deviceId(std::move(deviceId))
    , m_uri(std::move(uri))
    , m_pool(pool)
    , m_events(events)
    , m_counters(std::make_shared<core::DeviceCounters>())
    , m_input(options.inputBlocks)
    , m_outlet(m_input, *m_counters)
    , m_settingsView(settings)
    , m_proc(settings, std::move(options.severity))
    , m_alarms(m_deviceId, rules) {
    if (rules)
        m_proc.setBands(bandsOf(*rules));
    m_input.setWake([this] { wake(); });
}

ChannelCore::~ChannelCore() {
    // Normally finish() ran; if not (abnormal teardown), never leave a writer waiting for a feed.
    if (m_store) {
        m_store->setEnd(accountedCounters());
        m_store->close();
    }
    for (auto& t : m_taps)
        t->close();
    for (auto& t : m_featureTaps)
        t->close();
}

void ChannelCore::wake() {
    if (auto self = weak_from_this().lock())
        m_pool.schedule(self);
}

void ChannelCore::post(const std::function<void(Control&)>& edit) {
    {
        std::lock_guard lock(m_controlMutex);
        edit(m_control);
        m_controlPending.store(true, std::memory_order_seq_cst);
    }
    wake();
}

void ChannelCore::setSettings(const DspSettings& settings) {
    {
        std::lock_guard lock(m_controlMutex);
        m_settingsView = settings;
    }
    post([&](Control& c) { c.settings = settings; });
}

DspSettings ChannelCore::settings() const {
    std::lock_guard lock(m_controlMutex);
    return m_settingsView;
}

void ChannelCore::setAlarmRules(std::shared_ptr<const alarms::AlarmRules> rules) {
    post([&](Control& c) { c.rules = rules; });
}

void ChannelCore::setStore(StoreFeedPtr feed, StorePolicy policy) {
    post([&](Control& c) { c.storeChanges.emplace_back(feed, policy); });
}

void ChannelCore::addTap(TapFeedPtr tap) {
    post([&](Control& c) { c.addTaps.push_back(tap); });
}

void ChannelCore::removeTap(const TapFeedPtr& tap) {
    post([&](Control& c) { c.removeTaps.push_back(tap); });
}

void ChannelCore::addFeatureTap(FeatureTapPtr tap) {
    post([&](Control& c) { c.addFeatureTaps.push_back(tap); });
}

void ChannelCore::removeFeatureTap(const FeatureTapPtr& tap) {
    post([&](Control& c) { c.removeFeatureTaps.push_back(tap); });
}

ChannelCore::Watch ChannelCore::watch(bool display) {
    return Watch(shared_from_this(), display);
}

void ChannelCore::finish() {
    post([](Control& c) { c.finish = true; });
}

bool ChannelCore::waitFinished(std::int64_t timeoutNs) const {
    std::unique_lock lock(m_finishedMutex);
    return m_finishedCv.wait_for(lock, std::chrono::nanoseconds(timeoutNs), [this] { return isFinished(); });
}

RollupRecordPtr ChannelCore::lastSecond() const {
    std::lock_guard lock(m_lastSecondMutex);
    return m_lastSecondShared;
}

bool ChannelCore::hasWork() const {
    return m_controlPending.load(std::memory_order_seq_cst) || !m_input.empty();
}

core::CounterSnapshot ChannelCore::accountedCounters(bool rollupAligned) const {
    core::CounterSnapshot c = m_counters->snapshot();
    if (rollupAligned) {
        const std::uint64_t open = std::min(m_proc.bucketSamples(), c.samplesProcessed);
        c.samplesProcessed -= open;
    }
    c.samplesReceived = c.samplesProcessed;
    for (auto r : kInputStage)
        c.samplesReceived += c.dropped(r);
    return c;
}

std::vector<std::pair<double, double>> ChannelCore::bandsOf(const alarms::AlarmRules& rules) const {
    std::vector<std::pair<double, double>> out;
    for (const auto& b : alarms::bandsFor(rules, m_deviceId))
        out.emplace_back(b.lowHz, b.highHz);
    return out;
}

void ChannelCore::applyControl() {
    Control c;
    {
        std::lock_guard lock(m_controlMutex);
        c = std::move(m_control);
        m_control = Control{};
        m_controlPending.store(false, std::memory_order_seq_cst);
    }
    if (c.settings) {
        m_proc.applySettings(*c.settings);
        m_dirty = true;
    }
    if (c.rules) {
        m_proc.setBands(*c.rules ? bandsOf(**c.rules) : std::vector<std::pair<double, double>>{});
        m_alarms.setRules(*c.rules);
    }
    // In the order requested: a feed attached and detached before the worker got here is still attached and
    // closed (with an empty share), so its writer is never left waiting.
    for (auto& [feed, policy] : c.storeChanges) {
        closeStore();
        if (feed)
            attachStore(std::move(feed), policy);
    }
    for (auto& t : c.removeTaps) {
        const auto it = std::find(m_taps.begin(), m_taps.end(), t);
        if (it != m_taps.end()) {
            (*it)->close();
            m_taps.erase(it);
        }
    }
    for (auto& t : c.addTaps)
        if (std::find(m_taps.begin(), m_taps.end(), t) == m_taps.end())
            m_taps.push_back(std::move(t));
    for (auto& t : c.removeFeatureTaps) {
        const auto it = std::find(m_featureTaps.begin(), m_featureTaps.end(), t);
        if (it != m_featureTaps.end()) {
            (*it)->close();
            m_featureTaps.erase(it);
        }
    }
    for (auto& t : c.addFeatureTaps)
        if (std::find(m_featureTaps.begin(), m_featureTaps.end(), t) == m_featureTaps.end())
            m_featureTaps.push_back(std::move(t));
    if (c.watchChanged) {
        m_proc.setDisplay(m_displayWatchers.load(std::memory_order_relaxed) > 0);
        m_dirty = true;
    }
    if (c.finish)
        m_finishing = true;
}

void ChannelCore::attachStore(StoreFeedPtr feed, StorePolicy policy) {
    // A feed attached before the first processed block (the recorder attaches new devices before they start)
    // owns everything from the stream's start, drops before this moment included.
    // Rollups-only storage counts a sample as stored with its second's rollup, so a feed attached mid-second
    // owns that whole second (and a feed closed mid-second does not): both ends align to the open rollup.
    feed->setBaseline(m_proc.processed() == 0 ? core::CounterSnapshot{} : accountedCounters(!policy.raw));
    m_store = std::move(feed);
    m_policy = policy;
}

void ChannelCore::closeStore() {
    if (!m_store)
        return;
    m_store->setEnd(accountedCounters(!m_policy.raw));
    m_store->close();
    m_store.reset();
}

bool ChannelCore::flushPendingStore() {
    while (!m_pendingStore.empty()) {
        if (!m_store) { // detached meanwhile (cannot happen: control waits for this) - account and forget
            m_pendingStore.clear();
            return true;
        }
        if (m_store->ring.tryPush(m_pendingStore.front().first)) {
            m_pendingStore.pop_front();
            continue;
        }
        if (core::monotonicNs() - m_blockedSinceNs < kMaxBlockedNs)
            return false;
        // The writer has not taken anything for 10 s: it is gone or wedged. Drop (counted) rather than hang.
        for (const auto& [item, samples] : m_pendingStore)
            if (samples > 0)
                m_counters->addDropped(core::DropReason::StoreOverflow, samples, 1);
        m_pendingStore.clear();
    }
    return true;
}

void ChannelCore::pushStore(StoreItemPtr item, std::uint64_t samples, bool countDrop) {
    if (m_pendingStore.empty() && m_store->ring.tryPush(item))
        return;
    if (m_policy.backpressure) {
        if (m_pendingStore.empty())
            m_blockedSinceNs = core::monotonicNs();
        m_pendingStore.emplace_back(std::move(item), countDrop ? samples : 0);
        return;
    }
    if (countDrop)
        m_counters->addDropped(core::DropReason::StoreOverflow, samples, 1);
}

void ChannelCore::emitOutputs() {
    auto& done = m_proc.completed();
    for (auto& rec : done) {
        m_alarms.evaluate(*rec, m_newEvents);
        if (m_store || !m_featureTaps.empty()) {
            auto item = std::make_shared<StoreItem>();
            item->rollup = rec;
            for (auto& t : m_featureTaps)
                t->offer(item);
            // With raw storage samples are accounted by their raw blocks; rollups are derived data then.
            if (m_store)
                pushStore(std::move(item), rec->samples, !m_policy.raw);
        }
    }
    if (!done.empty()) {
        std::lock_guard lock(m_lastSecondMutex);
        m_lastSecondShared = done.back();
    }
    done.clear();
    for (auto& e : m_newEvents) {
        if (m_events)
            m_events->append(e);
        if (m_store || !m_featureTaps.empty()) {
            auto item = std::make_shared<StoreItem>();
            item->event = e;
            for (auto& t : m_featureTaps)
                t->offer(item);
            if (m_store)
                pushStore(std::move(item), 0, false);
        }
    }
    m_newEvents.clear();
}

void ChannelCore::handleBlock(const core::SampleBlockPtr& block) {
    m_proc.process(*block);
    m_counters->samplesProcessed.fetch_add(block->count, std::memory_order_relaxed);
    emitOutputs();
    if (m_store && m_policy.raw && block->device && block->count > 0) {
        auto item = std::make_shared<StoreItem>();
        item->raw = block;
        pushStore(std::move(item), block->count, true);
    }
    tapBlock(block);
    m_dirty = true;
}

void ChannelCore::tapBlock(const core::SampleBlockPtr& block) {
    if (!block->device || block->count == 0 || block->device->sampleRate <= 0)
        return;
    for (auto& tap : m_taps) {
        tap->counters.offeredSamples.fetch_add(block->count, std::memory_order_relaxed);
        if (!tap->ring.tryPush(block)) {
            tap->counters.droppedSamples.fetch_add(block->count, std::memory_order_relaxed);
            tap->counters.droppedBlocks.fetch_add(1, std::memory_order_relaxed);
        }
    }
}

void ChannelCore::maybePublish(bool force) {
    if (m_watchers.load(std::memory_order_relaxed) == 0 || !m_proc.hasDevice())
        return;
    const std::int64_t now = core::monotonicNs();
    const std::int64_t period = core::kSecondNs / m_proc.settings().snapshotHz;
    if (!force && (!m_dirty || now - m_lastPublishNs < period))
        return;
    m_snapshot.store(m_proc.makeSnapshot(m_counters->snapshot(), ++m_snapshotSeq));
    m_lastPublishNs = now;
    m_dirty = false;
}

PoolTask::Result ChannelCore::finishUp() {
    if (!m_flushed) {
        m_proc.flush();
        emitOutputs();
        m_flushed = true;
        maybePublish(true);
        if (!m_pendingStore.empty())
            return {Outcome::Park, kParkNs};
    }
    closeStore();
    for (auto& t : m_taps)
        t->close();
    m_taps.clear();
    for (auto& t : m_featureTaps)
        t->close();
    m_featureTaps.clear();
    {
        std::lock_guard lock(m_finishedMutex);
        m_finished.store(true, std::memory_order_release);
    }
    m_finishedCv.notify_all();
    return {Outcome::Done, 0};
}

PoolTask::Result ChannelCore::runSlice() {
    if (m_finished.load(std::memory_order_acquire))
        return {Outcome::Done, 0};
    if (!flushPendingStore())
        return {Outcome::Park, kParkNs};
    if (m_controlPending.load(std::memory_order_seq_cst))
        applyControl();
    core::SampleBlockPtr block;
    int taken = 0;
    for (; taken < kSliceBlocks && m_pendingStore.empty() && m_input.tryPop(block); ++taken) {
        handleBlock(block);
        block.reset();
    }
    if (!m_pendingStore.empty()) {
        maybePublish(false);
        return {Outcome::Park, kParkNs};
    }
    if (m_finishing && m_input.empty())
        return finishUp();
    maybePublish(false);
    if (!m_input.empty())
        return {Outcome::Again, 0};
    const std::int64_t now = core::monotonicNs();
    std::int64_t wake = -1; // absolute monotonic time to run again, -1: only when new work arrives
    if (m_dirty && m_watchers.load(std::memory_order_relaxed) > 0) // a watcher has not seen the newest data
        wake = m_lastPublishNs + core::kSecondNs / m_proc.settings().snapshotHz;
    // Coalescing: a device that is streaming comes back on the next tick of a shared grid instead of being
    // woken for every block, so the pool wakes ~1/kCoalesceNs times a second whatever the number of devices
    // (one futex wake per block was the largest cost of a busy ingest). A stream that stops goes idle after
    // one empty look.
    const bool streaming = taken > 0 || m_streaming;
    m_streaming = taken > 0;
    if (streaming) {
        const std::int64_t tick = (now / kCoalesceNs + 1) * kCoalesceNs;
        wake = wake < 0 ? tick : std::min(wake, tick);
    }
    if (wake >= 0)
        return {Outcome::Park, std::max<std::int64_t>(wake - now, 0)};
    return {Outcome::Idle, 0};
}

} // namespace vibra::pipeline
