// libFuzzer target: the Redis features entry decoder (redis::FeatureEntry: 1 s rollups and events of
// `--publish …?mode=features`, read by the central FeatureConsumer).
// Input: field/value strings, each as a 2-byte little-endian length and the bytes (a trailing odd string is
// a field without value). Invariants: no crash/UB; a rejected entry says why; an accepted rollup has one
// statistics set per axis (1..3), counts <= n, min <= max, non-negative rms/peak/kurtosis; an accepted entry
// re-encodes to fields that decode to the same values (bit-exact doubles, NaN stays NaN).
#include "redis/FeatureEntry.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace vibra;

namespace {
bool sameDouble(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> strings;
    std::size_t pos = 0;
    while (pos + 2 <= size && strings.size() < 64) {
        const std::size_t len = data[pos] | (std::size_t{data[pos + 1]} << 8);
        pos += 2;
        const std::size_t n = std::min(len, size - pos);
        strings.emplace_back(reinterpret_cast<const char*>(data + pos), n);
        pos += n;
    }
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    for (std::size_t i = 0; i < strings.size(); i += 2)
        fields.emplace_back(strings[i], i + 1 < strings.size() ? std::string_view(strings[i + 1]) : "");
    redis::FeatureEntry::Decoded d;
    std::string reason;
    if (!redis::FeatureEntry::decode(fields, &d, &reason)) {
        if (reason.empty())
            std::abort();
        return 0;
    }
    if (d.axes.empty() || d.axes.size() > 3 || (d.rollup == nullptr) == (d.event == nullptr))
        std::abort();
    if (d.rollup) {
        if (d.rollup->axes.size() != d.axes.size() || d.rollup->velocityRmsMmS.size() != d.axes.size())
            std::abort();
        for (const auto& m : d.rollup->axes)
            if (m.count > d.rollup->samples || !(m.min <= m.max) || m.rms < 0 || m.peak < 0 || m.kurtosis < 0)
                std::abort();
    }
    // re-encode -> decode keeps everything
    core::DeviceInfo info;
    info.id = d.device;
    info.sampleRate = d.rate;
    info.axisNames = d.axes;
    info.unit = d.unit;
    pipeline::StoreItem item;
    item.rollup = d.rollup;
    item.event = d.event;
    std::vector<std::pair<std::string, std::string>> enc;
    redis::FeatureEntry::encode(item, info, d.session, d.seq, &enc);
    std::vector<std::pair<std::string_view, std::string_view>> view(enc.begin(), enc.end());
    redis::FeatureEntry::Decoded e;
    if (!redis::FeatureEntry::decode(view, &e, &reason) || e.device != d.device || e.seq != d.seq ||
        e.session != d.session || e.rate != d.rate || e.axes != d.axes || e.unit != d.unit)
        std::abort();
    if (d.rollup) {
        const auto& a = *d.rollup;
        const auto& b = *e.rollup;
        if (b.bucketStartNs != a.bucketStartNs || b.samples != a.samples || b.gaps != a.gaps ||
            b.zone != a.zone)
            std::abort();
        for (std::size_t i = 0; i < a.axes.size(); ++i) {
            const auto &x = a.axes[i], &y = b.axes[i];
            if (x.count != y.count || !sameDouble(x.min, y.min) || !sameDouble(x.max, y.max) ||
                !sameDouble(x.mean, y.mean) || !sameDouble(x.rms, y.rms) || !sameDouble(x.peak, y.peak) ||
                !sameDouble(x.kurtosis, y.kurtosis) || !sameDouble(a.velocityRmsMmS[i], b.velocityRmsMmS[i]))
                std::abort();
        }
    } else {
        const auto& a = *d.event;
        const auto& b = *e.event;
        if (b.tNs != a.tNs || b.kind != a.kind || b.state != a.state || b.rule != a.rule ||
            b.metric != a.metric || b.axis != a.axis || b.axisName != a.axisName ||
            !sameDouble(b.value, a.value) || !sameDouble(b.threshold, a.threshold) ||
            b.firstSample != a.firstSample || b.samples != a.samples || b.detail != a.detail)
            std::abort();
    }
    return 0;
}
