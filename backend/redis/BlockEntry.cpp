#include "redis/BlockEntry.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace vibra::redis {

static_assert(std::endian::native == std::endian::little, "the entry format is little-endian");

namespace {

std::string formatDouble(double v) {
    char buf[32];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, p) : std::string("0");
}

template <typename T> bool parseInt(std::string_view s, T* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool parseDouble(std::string_view s, double* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size() && std::isfinite(*out);
}

} // namespace

void BlockEntry::encode(const core::SampleBlock& b, std::uint64_t session, std::uint64_t seq,
                        std::vector<std::pair<std::string, std::string>>* out) {
    out->resize(14);
    auto& f = *out;
    const auto set = [&f](std::size_t i, const char* key, std::string value) {
        f[i].first = key;
        f[i].second = std::move(value);
    };
    std::string axes;
    if (b.device)
        for (std::size_t a = 0; a < b.device->axisNames.size(); ++a)
            axes += (a ? "," : "") + b.device->axisNames[a];
    set(0, "v", "1");
    set(1, "dev", b.device ? b.device->id : std::string());
    set(2, "session", std::to_string(session));
    set(3, "seq", std::to_string(seq));
    set(4, "first", std::to_string(b.firstSample));
    set(5, "gap", std::to_string(b.gapBefore));
    set(6, "t0", std::to_string(b.startTimeNs));
    set(7, "rate", formatDouble(b.sampleRate()));
    set(8, "axes", std::move(axes));
    set(9, "unit", std::string(core::unitName(b.device ? b.device->unit : core::Unit::G)));
    set(10, "fmt", "f32le");
    set(11, "scale", "1");
    set(12, "n", std::to_string(b.count));
    auto& data = f[13];
    data.first = "data";
    data.second.resize(b.data.size() * sizeof(float));
    if (!b.data.empty())
        std::memcpy(data.second.data(), b.data.data(), data.second.size());
}

bool BlockEntry::decode(const std::vector<std::pair<std::string_view, std::string_view>>& fields,
                        Decoded* out, std::string* reason) {
    const auto fail = [reason](const std::string& m) {
        *reason = m;
        return false;
    };
    const auto find = [&fields](std::string_view key, std::string_view* v) {
        for (const auto& [k, val] : fields)
            if (k == key) {
                *v = val;
                return true;
            }
        return false;
    };
    std::string_view v, dev, session, seq, first, gap, t0, rate, axes, unit, fmt, scale, n, data;
    if (!find("v", &v))
        return fail("missing field v");
    if (v != "1")
        return fail("unsupported entry version '" + std::string(v.substr(0, 16)) + "'");
    const std::pair<const char*, std::string_view*> required[] = {
        {"dev", &dev},   {"session", &session}, {"seq", &seq},   {"first", &first}, {"t0", &t0},
        {"rate", &rate}, {"axes", &axes},       {"unit", &unit}, {"fmt", &fmt},     {"n", &n},
        {"data", &data}};
    for (const auto& [key, dst] : required)
        if (!find(key, dst))
            return fail(std::string("missing field ") + key);
    Decoded d;
    if (dev.empty() || dev.size() > kMaxDeviceId)
        return fail("bad dev (1..128 bytes)");
    for (const char c : dev)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return fail("bad dev (control character)");
    d.device = std::string(dev);
    if (!parseInt(session, &d.session))
        return fail("bad session");
    if (!parseInt(seq, &d.seq))
        return fail("bad seq");
    if (!parseInt(first, &d.first))
        return fail("bad first");
    if (find("gap", &gap) && !parseInt(gap, &d.gap))
        return fail("bad gap");
    if (!parseInt(t0, &d.t0))
        return fail("bad t0");
    if (!parseDouble(rate, &d.rate) || d.rate <= 0 || d.rate > 10e6)
        return fail("bad rate (0 < rate <= 1e7 Hz)");
    std::string_view rest = axes;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        if (name.empty() || name.size() > 32)
            return fail("bad axes (1..3 comma-separated names of 1..32 bytes)");
        d.axes.emplace_back(name);
        if (d.axes.size() > 3)
            return fail("bad axes (1..3 comma-separated names of 1..32 bytes)");
        if (comma == std::string_view::npos)
            break;
        rest = rest.substr(comma + 1);
    }
    const auto u = core::parseUnit(unit);
    if (!u)
        return fail("bad unit (g or m/s2)");
    d.unit = *u;
    if (!parseInt(n, &d.count) || d.count == 0 || d.count > core::kMaxBlockSamples)
        return fail("bad n (1..65536 samples per axis)");
    const std::size_t values = std::size_t{d.count} * d.axes.size();
    if (fmt == "f32le") {
        if (data.size() != values * sizeof(float))
            return fail("data size does not match n * axes * 4");
        d.planar.resize(values);
        std::memcpy(d.planar.data(), data.data(), data.size());
    } else if (fmt == "i16le") {
        double s = 1.0;
        if (find("scale", &scale) && !parseDouble(scale, &s))
            return fail("bad scale");
        if (data.size() != values * sizeof(std::int16_t))
            return fail("data size does not match n * axes * 2");
        d.planar.resize(values);
        for (std::size_t i = 0; i < values; ++i) {
            std::int16_t raw = 0;
            std::memcpy(&raw, data.data() + 2 * i, 2);
            d.planar[i] = static_cast<float>(raw * s);
        }
    } else {
        return fail("unsupported fmt (f32le or i16le)");
    }
    *out = std::move(d);
    return true;
}

} // namespace vibra::redis
