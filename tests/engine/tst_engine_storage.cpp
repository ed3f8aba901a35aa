// The recorder's hand-offs without Qt, also under ThreadSanitizer: producer threads -> ChannelCores on the
// worker pool -> StoreFeeds -> the real SqliteWriter thread, with devices removed and re-attached while the
// writer drains, raw storage with back-pressure, and a feed attached mid-stream. Afterwards every
// session_device row balances exactly and holds what the producers sent.
#include "Check.h"

#include "core/Clock.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/WorkerPool.h"
#include "storage/SqliteWriter.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>
#include <unistd.h>

using namespace vibra;

namespace {
constexpr double kRate = 2000.0;
constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;

std::shared_ptr<const core::DeviceInfo> device(const std::string& id) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = id;
    d->sampleRate = kRate;
    d->axisNames = {"x", "y", "z"};
    return d;
}

core::MutableBlockPtr block(const std::shared_ptr<const core::DeviceInfo>& dev, std::uint64_t first,
                            std::uint32_t n) {
    auto b = std::make_shared<core::SampleBlock>();
    b->device = dev;
    b->firstSample = first;
    b->sequence = first / n;
    b->count = n;
    b->startTimeNs = kT0 + static_cast<std::int64_t>(std::llround(static_cast<double>(first) * 1e9 / kRate));
    b->data.resize(3 * static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < b->data.size(); ++i)
        b->data[i] = static_cast<float>(std::sin(0.01 * static_cast<double>(first + i)));
    return b;
}

/// Sends `total` samples in blocks of `n`, waiting for room (like a file replay: nothing is dropped).
void produce(pipeline::ChannelCore& core, const std::shared_ptr<const core::DeviceInfo>& dev,
             std::uint64_t from, std::uint64_t total, std::uint32_t n) {
    for (std::uint64_t first = from; first < from + total;) {
        const auto k = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, from + total - first));
        while (!core.outlet().hasRoom(k))
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        core.outlet().deliver(block(dev, first, k));
        first += k;
    }
}

struct Row {
    std::int64_t received = 0, stored = 0, dropped = 0;
};

std::map<std::string, Row> sessionRows(const std::string& path) {
    std::map<std::string, Row> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        vibra::test::fail(__FILE__, __LINE__, "cannot open " + path);
        return rows;
    }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        db,
        "SELECT d.name, sum(sd.received), sum(sd.stored), sum(sd.dropped_total) FROM session_device sd "
        "JOIN device d ON d.id = sd.device_id GROUP BY d.name",
        -1, &st, nullptr);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        rows[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = {
            sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

std::string tempPath(const char* name) {
    return (std::filesystem::temp_directory_path() /
            (std::string("vibra_engine_storage_") + std::to_string(::getpid()) + "_" + name))
        .string();
}

void removeDb(const std::string& p) {
    for (const char* s : {"", "-wal", "-shm"})
        std::filesystem::remove(p + s);
}

void devicesComeAndGoWhileTheWriterDrains() {
    for (bool raw : {false, true}) {
        const std::string path = tempPath(raw ? "raw.db" : "rollups.db");
        removeDb(path);
        storage::SqliteWriter::Options wo;
        wo.path = path;
        wo.storeRaw = raw;
        wo.commitIntervalMs = 50;
        storage::SqliteWriter writer(wo);
        std::string error;
        CHECK(writer.start(&error));
        pipeline::WorkerPool pool(2);
        std::map<std::string, std::uint64_t> sent;
        std::vector<std::weak_ptr<pipeline::ChannelCore>> finishing;
        // Eight devices, each added, fed from its own thread, removed (core finished and let go at once) and
        // added again with a new core and feed, three rounds, while the writer drains.
        for (int round = 0; round < 3; ++round) {
            std::vector<std::thread> producers;
            std::vector<std::shared_ptr<pipeline::ChannelCore>> cores;
            for (int d = 0; d < 8; ++d) {
                const std::string id = "dev" + std::to_string(d);
                auto core = std::make_shared<pipeline::ChannelCore>(
                    id, "test://" + id, pipeline::DspSettings{}, pool, nullptr, nullptr);
                auto feed = std::make_shared<pipeline::StoreFeed>(id, core->uri(), core->counters(), 4);
                writer.attach(feed);
                core->setStore(feed, {raw, true});
                // each round continues the device's sample index where the last one stopped
                const std::uint64_t from = sent[id];
                const std::uint64_t total = static_cast<std::uint64_t>(kRate) * (1 + d % 3) + 17 * d;
                sent[id] += total;
                producers.emplace_back(
                    [core, id, from, total] { produce(*core, device(id), from, total, 100); });
                cores.push_back(std::move(core));
            }
            for (auto& t : producers)
                t.join();
            for (auto& c : cores) {
                c->finish(); // removed: the owner lets go right away (the pool and the feed keep what they
                             // need)
                finishing.emplace_back(c);
            }
            cores.clear();
        }
        // Like Recorder::finish: the feeds close as their cores finish; then stop() drains everything and
        // writes the final accounting.
        const std::int64_t deadline = core::monotonicNs() + 30 * core::kSecondNs;
        for (auto& w : finishing)
            while (!w.expired() && core::monotonicNs() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
        writer.stop();
        CHECK(!writer.failed());
        const auto rows = sessionRows(path);
        CHECK_EQ(rows.size(), sent.size());
        for (const auto& [id, n] : sent) {
            const auto it = rows.find(id);
            if (it == rows.end()) {
                vibra::test::fail(__FILE__, __LINE__, id + ": no session row");
                continue;
            }
            const Row& r = it->second;
            CHECK_EQ(r.received, static_cast<std::int64_t>(n));
            CHECK_EQ(r.stored, static_cast<std::int64_t>(n));
            CHECK_EQ(r.dropped, std::int64_t{0});
        }
        removeDb(path);
    }
}

void feedAttachedMidStreamBalances() {
    const std::string path = tempPath("midstream.db");
    removeDb(path);
    storage::SqliteWriter::Options wo;
    wo.path = path;
    wo.commitIntervalMs = 50;
    storage::SqliteWriter writer(wo);
    std::string error;
    CHECK(writer.start(&error));
    pipeline::WorkerPool pool(2);
    auto core = std::make_shared<pipeline::ChannelCore>("late", "test://late", pipeline::DspSettings{}, pool,
                                                        nullptr, nullptr);
    const auto dev = device("late");
    produce(*core, dev, 0, 3000, 100); // before recording starts
    while (core->counters()->samplesProcessed.load() < 3000)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto feed = std::make_shared<pipeline::StoreFeed>("late", core->uri(), core->counters(), 8);
    writer.attach(feed);
    core->setStore(feed, {false, true});
    produce(*core, dev, 3000, 7000, 100);
    while (core->counters()->samplesProcessed.load() < 10000)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    core->setStore(nullptr, {}); // recording stops while the device keeps running
    produce(*core, dev, 10000, 2000, 100);
    core->finish();
    CHECK(core->waitFinished(30 * core::kSecondNs));
    writer.stop();
    const auto rows = sessionRows(path);
    const auto it = rows.find("late");
    CHECK(it != rows.end());
    for (const auto& [name, r] : rows)
        std::fprintf(stderr, "row %s: received %lld stored %lld dropped %lld\n", name.c_str(),
                     static_cast<long long>(r.received), static_cast<long long>(r.stored),
                     static_cast<long long>(r.dropped));
    if (it != rows.end()) {
        const Row& r = it->second;
        CHECK_EQ(r.received, r.stored + r.dropped);
        // Its share: what was processed while attached. Rollups are per UTC second, so the share is whole
        // seconds plus the partial second at each end; between 6000 and 8000 samples of the 7000 sent
        // meanwhile.
        CHECK(r.received >= 6000 && r.received <= 8000);
    }
    removeDb(path);
}
} // namespace

int main() {
    int rc = 0;
    rc |= RUN(devicesComeAndGoWhileTheWriterDrains);
    rc |= RUN(feedAttachedMidStreamBalances);
    return rc;
}
