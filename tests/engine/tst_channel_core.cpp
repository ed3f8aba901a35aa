// ChannelCore on the worker pool, without Qt (also under ThreadSanitizer): exact accounting with queues of
// capacity one, back-pressure versus drop-newest, overflow of a real-time producer, device removal while a
// writer still drains (no access to freed memory, accounting exact), the snapshot rate limit for block
// sizes 16..4096 and several worker counts, and display work only while watched.
#include "Check.h"

#include "core/Clock.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/WorkerPool.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

using namespace vibra;

namespace {
constexpr double kRate = 1000.0;
constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;

std::shared_ptr<const core::DeviceInfo> device() {
    static const auto info = [] {
        auto d = std::make_shared<core::DeviceInfo>();
        d->id = "d";
        d->sampleRate = kRate;
        d->axisNames = {"x", "y"};
        return d;
    }();
    return info;
}

core::MutableBlockPtr makeBlock(std::uint64_t first, std::uint32_t n) {
    auto b = std::make_shared<core::SampleBlock>();
    b->device = device();
    b->firstSample = first;
    b->count = n;
    b->startTimeNs = kT0 + static_cast<std::int64_t>(std::llround(static_cast<double>(first) * 1e9 / kRate));
    b->data.resize(2 * static_cast<std::size_t>(n));
    for (std::uint32_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(first + i) / kRate;
        b->data[i] = static_cast<float>(std::sin(2 * M_PI * 50 * t));
        b->data[n + i] = static_cast<float>(0.5 * std::sin(2 * M_PI * 120 * t));
    }
    return b;
}

bool waitUntil(const std::function<bool()>& cond, int seconds = 30) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (!cond()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

std::shared_ptr<pipeline::ChannelCore> makeCore(pipeline::WorkerPool& pool, std::size_t inputBlocks,
                                                pipeline::EventLog* log = nullptr,
                                                pipeline::DspSettings settings = {}) {
    pipeline::ChannelCore::Options o;
    o.inputBlocks = inputBlocks;
    return std::make_shared<pipeline::ChannelCore>("d", "test://d", settings, pool, log,
                                                   std::make_shared<const alarms::AlarmRules>(), o);
}

/// Drains a feed on its own thread (like the SQLite writer) until it is closed and empty.
struct FeedDrainer {
    pipeline::StoreFeedPtr feed;
    std::uint64_t rollupSamples = 0, rawSamples = 0, rollups = 0, events = 0;
    std::thread thread;
    explicit FeedDrainer(pipeline::StoreFeedPtr f, bool slow = false)
        : feed(std::move(f)) {
        thread = std::thread([this, slow] {
            pipeline::StoreItemPtr item;
            for (;;) {
                const bool closed = feed->closed(); // read before the final drain (acquire)
                while (feed->ring.tryPop(item)) {
                    if (item->rollup) {
                        rollupSamples += item->rollup->samples;
                        ++rollups;
                    } else if (item->raw) {
                        rawSamples += item->raw->count;
                    } else if (item->event) {
                        ++events;
                    }
                    if (slow)
                        std::this_thread::sleep_for(std::chrono::microseconds(300));
                }
                if (closed)
                    return;
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            }
        });
    }
    void join() { thread.join(); }
};

void capacityOneQueuesLoseNothingWithBackpressure() {
    for (bool raw : {false, true}) {
        pipeline::WorkerPool pool(2);
        auto core = makeCore(pool, 1);
        auto feed = std::make_shared<pipeline::StoreFeed>("d", "test://d", core->counters(), 1);
        core->setStore(feed, {raw, true});
        FeedDrainer drainer(feed, /*slow=*/true);
        // A producer that can wait (like a file replay): it asks for room before each block.
        std::uint64_t next = 0;
        const std::uint64_t total = 10 * static_cast<std::uint64_t>(kRate) + 37;
        while (next < total) {
            const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(97, total - next));
            if (!core->outlet().hasRoom(n)) {
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                continue;
            }
            CHECK(core->outlet().deliver(makeBlock(next, n)));
            next += n;
        }
        core->finish();
        CHECK(core->waitFinished(30 * core::kSecondNs));
        drainer.join();
        const auto c = core->counters()->snapshot();
        CHECK_EQ(c.samplesReceived, total);
        CHECK_EQ(c.samplesProcessed, total);
        CHECK_EQ(c.droppedTotal(), std::uint64_t{0});
        CHECK_EQ(drainer.rollupSamples, total); // every second's rollup arrived: 11 buckets
        CHECK_EQ(drainer.rollups, std::uint64_t{11});
        CHECK_EQ(drainer.rawSamples, raw ? total : 0);
        const auto s = feed->sessionCounters();
        CHECK_EQ(s.samplesReceived, total);
    }
}

void dropNewestWhenFullWithoutBackpressure() {
    pipeline::WorkerPool pool(1);
    auto core = makeCore(pool, 256);
    auto feed = std::make_shared<pipeline::StoreFeed>("d", "test://d", core->counters(), 2); // never drained
    core->setStore(feed, {false, false});
    const std::uint64_t total = 20 * static_cast<std::uint64_t>(kRate);
    for (std::uint64_t first = 0; first < total; first += 100) {
        while (!core->outlet().hasRoom(100))
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        core->outlet().deliver(makeBlock(first, 100));
    }
    core->finish();
    CHECK(core->waitFinished(30 * core::kSecondNs));
    const auto c = core->counters()->snapshot();
    CHECK_EQ(c.samplesProcessed, total);
    // 20 rollups of 1000 samples: 2 fit into the feed, 18 were dropped newest and counted.
    CHECK_EQ(c.dropped(core::DropReason::StoreOverflow), total - 2 * static_cast<std::uint64_t>(kRate));
    CHECK(feed->closed());
}

void realTimeProducerOverflowIsCounted() {
    // The writer is stuck (feed full, back-pressure on): the core parks, its input fills, and a producer that
    // does not wait (a live device) loses blocks at the input queue - counted, never blocking. When the
    // writer resumes, everything balances.
    pipeline::WorkerPool pool(2);
    auto core = makeCore(pool, 8);
    auto feed = std::make_shared<pipeline::StoreFeed>("d", "test://d", core->counters(), 2);
    core->setStore(feed, {true, true});
    std::uint64_t next = 0, refused = 0;
    for (int i = 0; i < 200; ++i) {
        if (!core->outlet().deliver(makeBlock(next, 250)))
            ++refused;
        next += 250;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    CHECK(refused > 0);
    FeedDrainer drainer(feed);
    core->finish();
    CHECK(core->waitFinished(30 * core::kSecondNs));
    drainer.join();
    const auto c = core->counters()->snapshot();
    CHECK_EQ(c.samplesReceived, next);
    CHECK_EQ(c.dropped(core::DropReason::RingOverflow), refused * 250);
    CHECK_EQ(c.samplesProcessed + c.dropped(core::DropReason::RingOverflow), c.samplesReceived);
    CHECK_EQ(drainer.rawSamples, c.samplesProcessed);
    const auto s = feed->sessionCounters();
    CHECK_EQ(s.samplesReceived, s.samplesProcessed + s.dropped(core::DropReason::RingOverflow));
}

void removeWhileTheWriterDrains() {
    // Many times: a device is removed (producer stops, owner lets go of the core at once) while a writer
    // still drains its feed. The feed keeps the memory alive; the final accounting balances exactly.
    pipeline::WorkerPool pool(2);
    for (int round = 0; round < 100; ++round) {
        auto core = makeCore(pool, 4);
        auto feed = std::make_shared<pipeline::StoreFeed>("d", "test://d", core->counters(), 4);
        core->setStore(feed, {true, true});
        FeedDrainer drainer(feed, round % 2 == 0);
        const std::uint64_t total = 200 + static_cast<std::uint64_t>(round) * 37;
        for (std::uint64_t first = 0; first < total;) {
            const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(64, total - first));
            if (core->outlet().deliver(makeBlock(first, n)))
                first += n;
            else
                first += n; // refused: counted as ring_overflow
        }
        std::weak_ptr<pipeline::ChannelCore> weak = core;
        core->finish();
        core.reset(); // the owner is gone; the pool finishes the core, the writer keeps the feed
        drainer.join();
        CHECK(feed->closed());
        const auto s = feed->sessionCounters();
        CHECK_EQ(s.samplesReceived, total);
        CHECK_EQ(s.samplesProcessed + s.dropped(core::DropReason::RingOverflow), total);
        CHECK_EQ(drainer.rawSamples, s.samplesProcessed);
        CHECK(waitUntil([&] { return weak.expired(); })); // and the pool let go of it too
    }
}

void snapshotRateHoldsForAnyBlockSize() {
    for (int workers : {1, 2, 4})
        for (std::uint32_t block : {16u, 64u, 256u, 1024u, 4096u}) {
            pipeline::WorkerPool pool(workers);
            pipeline::DspSettings s;
            s.snapshotHz = 20;
            auto core = makeCore(pool, 256, nullptr, s);
            auto watch = core->watch(true);
            const auto t0 = std::chrono::steady_clock::now();
            std::uint64_t first = 0;
            while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(700)) {
                if (core->outlet().hasRoom(block)) {
                    core->outlet().deliver(makeBlock(first, block));
                    first += block;
                } else {
                    std::this_thread::yield();
                }
            }
            core->finish();
            CHECK(core->waitFinished(30 * core::kSecondNs));
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const auto snap = core->snapshot();
            CHECK(snap != nullptr);
            if (!snap)
                continue;
            // At most snapshotHz per second (+1 for the first and +1 for the final flush at finish).
            const double bound = s.snapshotHz * seconds + 2;
            if (!(static_cast<double>(snap->sequence) <= bound))
                vibra::test::fail(__FILE__, __LINE__,
                                  "block " + std::to_string(block) + " workers " + std::to_string(workers) +
                                      ": " + std::to_string(snap->sequence) + " snapshots in " +
                                      std::to_string(seconds) + " s");
            CHECK(snap->sequence >= 2); // and it did publish while data flowed
            CHECK(snap->display);
        }
}

void displayOnlyWhileWatched() {
    pipeline::WorkerPool pool(1);
    auto core = makeCore(pool, 256);
    std::uint64_t first = 0;
    auto feed = [&](int blocks) {
        for (int i = 0; i < blocks; ++i) {
            while (!core->outlet().hasRoom(512))
                std::this_thread::sleep_for(std::chrono::microseconds(100));
            core->outlet().deliver(makeBlock(first, 512));
            first += 512;
        }
    };
    feed(8);
    CHECK(waitUntil([&] { return core->counters()->samplesProcessed.load() == first; }));
    CHECK(core->snapshot() == nullptr); // nobody watches: no snapshots at all
    {
        auto summary = core->watch(false);
        feed(8);
        CHECK(waitUntil([&] { return core->snapshot() && core->snapshot()->samplesProcessed == first; }));
        CHECK(!core->snapshot()->display);
        CHECK(core->snapshot()->spectra.empty());
        auto display = core->watch(true);
        feed(40); // enough for several display-spectrum frames whatever the default FFT size
        CHECK(waitUntil([&] {
            auto s = core->snapshot();
            return s && s->display && s->samplesProcessed == first;
        }));
        const auto s = core->snapshot();
        CHECK(s->spectra.size() == 2 && s->spectra[0] && s->spectra[0]->frames > 0);
        CHECK(!s->envelopeMin.empty() && !s->envelopeMin[0].empty());
    }
    core->finish();
    CHECK(core->waitFinished(30 * core::kSecondNs));
}
void attachThenDetachBeforeTheWorkerRuns() {
    // Requests are applied in order even when they pile up: the feed is attached and closed (empty share), so
    // a writer waiting for it is never left waiting.
    pipeline::WorkerPool pool(1);
    auto core = makeCore(pool, 256);
    std::vector<pipeline::StoreFeedPtr> feeds;
    for (int i = 0; i < 5; ++i) {
        feeds.push_back(std::make_shared<pipeline::StoreFeed>("d", "test://d", core->counters(), 4));
        core->setStore(feeds.back(), {false, true});
    }
    core->setStore(nullptr, {});
    CHECK(waitUntil([&] {
        for (auto& f : feeds)
            if (!f->closed())
                return false;
        return true;
    }));
    for (auto& f : feeds)
        CHECK_EQ(f->sessionCounters().samplesReceived, std::uint64_t{0});
    core->finish();
    CHECK(core->waitFinished(30 * core::kSecondNs));
}
} // namespace

int main() {
    int rc = 0;
    rc |= RUN(capacityOneQueuesLoseNothingWithBackpressure);
    rc |= RUN(dropNewestWhenFullWithoutBackpressure);
    rc |= RUN(realTimeProducerOverflowIsCounted);
    rc |= RUN(removeWhileTheWriterDrains);
    rc |= RUN(snapshotRateHoldsForAnyBlockSize);
    rc |= RUN(displayOnlyWhileWatched);
    rc |= RUN(attachThenDetachBeforeTheWorkerRuns);
    return rc;
}
