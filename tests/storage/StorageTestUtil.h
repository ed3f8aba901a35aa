#pragma once
// Helpers shared by the storage tests that drive SqliteWriter: devices, rollup and raw store items made from
// samples (the way the DSP processor makes them), feeds, writer options and small SQL helpers.
#include "dsp/MomentAccumulator.h"
#include "pipeline/StoreFeed.h"
#include "storage/SqliteWriter.h"
#include "storage/Statement.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace storage_test {
using namespace vibra;
constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kT0 = 1'763'870'400LL * kS; // 2025-11-23T04:00:00Z: a whole hour

inline std::shared_ptr<const core::DeviceInfo> device(const char* name, double rate = 100, int axes = 2) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = name;
    d->sampleRate = rate;
    d->axisNames = axes == 1 ? std::vector<std::string>{"x"} : std::vector<std::string>{"x", "y"};
    d->unit = core::Unit::G;
    return d;
}

inline std::int64_t scalar(sqlite3* db, const std::string& sql) {
    storage::Statement st(db, sql);
    return st.step() == SQLITE_ROW ? st.int64(0) : -999;
}

/// Rollup items of one second made from samples, the way the DSP processor makes them.
inline pipeline::StoreItemPtr rollupOf(const std::shared_ptr<const core::DeviceInfo>& dev, std::int64_t t,
                                       const std::vector<std::vector<float>>& axes) {
    auto r = std::make_shared<pipeline::RollupRecord>();
    r->device = dev;
    r->bucketStartNs = t;
    r->samples = axes[0].size();
    for (const auto& x : axes) {
        dsp::MomentAccumulator acc;
        acc.add(x);
        r->axes.push_back(acc.result());
    }
    auto item = std::make_shared<pipeline::StoreItem>();
    item->rollup = std::move(r);
    return item;
}

inline pipeline::StoreItemPtr rawOf(const std::shared_ptr<const core::DeviceInfo>& dev, std::uint64_t seq,
                                    std::uint64_t first, const std::vector<float>& planar,
                                    std::uint32_t count) {
    auto b = std::make_shared<core::SampleBlock>();
    b->device = dev;
    b->sequence = seq;
    b->firstSample = first;
    b->count = count;
    b->startTimeNs =
        kT0 + static_cast<std::int64_t>(std::llround(static_cast<double>(first) * 1e9 / dev->sampleRate));
    b->data = planar;
    auto item = std::make_shared<pipeline::StoreItem>();
    item->raw = std::move(b);
    return item;
}

inline pipeline::StoreFeedPtr feedOf(const char* id, std::size_t capacity) {
    return std::make_shared<pipeline::StoreFeed>(id, "", std::make_shared<core::DeviceCounters>(), capacity);
}

inline storage::SqliteWriter::Options opts(const std::string& path, bool raw = false) {
    storage::SqliteWriter::Options o;
    o.path = path;
    o.commitIntervalMs = 20;
    o.appVersion = "test";
    o.storeRaw = raw;
    return o;
}

inline bool sameBits(float a, float b) {
    std::uint32_t x, y;
    std::memcpy(&x, &a, 4);
    std::memcpy(&y, &b, 4);
    return x == y;
}
} // namespace storage_test
