#pragma once
// Helpers for the redis tests: synthetic blocks with a known signal, offering them to a tap the way a DSP
// worker does, reading a device stream back and decoding it with the consumer's decoder.

#include "core/SampleBlock.h"
#include "pipeline/TapFeed.h"
#include "redis/BlockEntry.h"
#include "redis/Client.h"

#include <QDeadlineTimer>
#include <QThread>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vibra::test {

/// Sample i of axis a of the reference signal (exactly representable as float).
inline float refValue(std::uint64_t i, int a) {
    return static_cast<float>(static_cast<int>((i * 7 + static_cast<std::uint64_t>(a) * 1000) % 2000) -
                              1000) /
           8.0f;
}

inline std::shared_ptr<const core::DeviceInfo> deviceInfo(const std::string& id, double rate = 1000.0) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = id;
    d->sourceUri = "test://" + id;
    d->sampleRate = rate;
    d->axisNames = {"x", "y", "z"};
    return d;
}

/// Block `seq` of a stream of equal blocks of n samples per axis.
inline core::SampleBlockPtr block(const std::shared_ptr<const core::DeviceInfo>& dev, std::uint64_t seq,
                                  std::uint32_t n = 64) {
    auto b = std::make_shared<core::SampleBlock>();
    b->device = dev;
    b->sequence = seq;
    b->firstSample = seq * n;
    b->count = n;
    b->startTimeNs =
        1'700'000'000'000'000'000 + static_cast<std::int64_t>(b->firstSample * 1e9 / dev->sampleRate);
    b->data.resize(std::size_t{n} * 3);
    for (int a = 0; a < 3; ++a)
        for (std::uint32_t i = 0; i < n; ++i)
            b->data[a * n + i] = refValue(b->firstSample + i, a);
    return b;
}

/// As ChannelCore offers a processed block to its taps.
inline bool offer(pipeline::TapFeed& tap, core::SampleBlockPtr b) {
    const auto n = b->count;
    tap.counters.offeredSamples.fetch_add(n);
    if (!tap.ring.tryPush(std::move(b))) {
        tap.counters.droppedSamples.fetch_add(n);
        tap.counters.droppedBlocks.fetch_add(1);
        return false;
    }
    return true;
}

/// Every entry of a stream, decoded (fails the decode -> reason in `errors`).
inline std::vector<redis::BlockEntry::Decoded> readStream(redis::Client& c, const std::string& key,
                                                          std::vector<std::string>* errors = nullptr) {
    std::vector<redis::BlockEntry::Decoded> out;
    const auto r = c.command({"XRANGE", key, "-", "+"});
    if (!r || !r->isArray())
        return out;
    for (const auto& e : r->elements) {
        std::vector<std::pair<std::string_view, std::string_view>> fields;
        const auto& f = e[1];
        for (std::size_t i = 0; i + 1 < f.size(); i += 2)
            fields.emplace_back(f[i].str, f[i + 1].str);
        redis::BlockEntry::Decoded d;
        std::string reason;
        if (redis::BlockEntry::decode(fields, &d, &reason))
            out.push_back(std::move(d));
        else if (errors)
            errors->push_back(reason);
    }
    return out;
}

/// Polls cond every 10 ms until it holds or the deadline passes.
inline bool waitFor(const std::function<bool()>& cond, int timeoutMs = 10000) {
    const QDeadlineTimer deadline(timeoutMs);
    while (!cond()) {
        if (deadline.hasExpired())
            return false;
        QThread::msleep(10);
    }
    return true;
}

} // namespace vibra::test
