// libFuzzer target: the Redis stream entry decoder (redis::BlockEntry) and the redis:// URL parser.
// Input: field/value strings, each as a 2-byte little-endian length and the bytes (a trailing odd string is
// a field without value, as a broken producer could send). The whole input is also parsed as a URL.
// Invariants: no crash/UB; an accepted entry has count * axes samples, 1..3 axes, count in 1..65536; an
// accepted f32le entry re-encodes to fields that decode to the same samples; a rejected one says why.
#include "redis/BlockEntry.h"
#include "redis/RedisUrl.h"

#include <cstdlib>
#include <cstring>

using namespace vibra;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string err;
    redis::RedisUrl url;
    if (!redis::RedisUrl::parse(std::string_view(reinterpret_cast<const char*>(data), size), &url, &err) &&
        err.empty())
        std::abort();

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
    redis::BlockEntry::Decoded d;
    std::string reason;
    if (!redis::BlockEntry::decode(fields, &d, &reason)) {
        if (reason.empty())
            std::abort();
        return 0;
    }
    if (d.axes.empty() || d.axes.size() > 3 || d.count == 0 || d.count > core::kMaxBlockSamples ||
        d.planar.size() != std::size_t{d.count} * d.axes.size())
        std::abort();
    // re-encode -> decode keeps everything (bit-exact samples, also NaN payloads)
    auto info = std::make_shared<core::DeviceInfo>();
    info->id = d.device;
    info->sampleRate = d.rate;
    info->axisNames = d.axes;
    info->unit = d.unit;
    core::SampleBlock b;
    b.device = info;
    b.firstSample = d.first;
    b.gapBefore = d.gap;
    b.startTimeNs = d.t0;
    b.count = d.count;
    b.data = d.planar;
    std::vector<std::pair<std::string, std::string>> enc;
    redis::BlockEntry::encode(b, d.session, d.seq, &enc);
    std::vector<std::pair<std::string_view, std::string_view>> view(enc.begin(), enc.end());
    redis::BlockEntry::Decoded e;
    if (!redis::BlockEntry::decode(view, &e, &reason) || e.device != d.device || e.seq != d.seq ||
        e.session != d.session || e.first != d.first || e.t0 != d.t0 || e.rate != d.rate ||
        e.axes != d.axes || e.count != d.count ||
        std::memcmp(e.planar.data(), d.planar.data(), d.planar.size() * 4) != 0)
        std::abort();
    return 0;
}
