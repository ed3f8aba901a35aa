#include "redis/FeatureEntry.h"

#include "redis/BlockEntry.h"

#include <charconv>
#include <cmath>

namespace vibra::redis {

namespace {

constexpr std::size_t kMaxText = 1024;

std::string formatDouble(double v) {
    if (std::isnan(v))
        return "nan";
    char buf[32];
    const auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, p) : std::string("nan");
}

template <typename T> bool parseInt(std::string_view s, T* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

/// A finite number, or NaN when nanOk and the text is "nan".
bool parseDouble(std::string_view s, double* out, bool nanOk = false) {
    if (nanOk && s == "nan") {
        *out = std::nan("");
        return true;
    }
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size() && std::isfinite(*out);
}

std::string axisText(const dsp::Moments& m, double velocity) {
    std::string s = std::to_string(m.count);
    for (const double v : {m.min, m.max, m.mean, m.rms, m.peak, m.kurtosis, velocity})
        s += ' ' + formatDouble(v);
    return s;
}

bool parseAxis(std::string_view text, dsp::Moments* m, double* velocity) {
    std::string_view parts[8];
    std::size_t n = 0;
    while (n < 8) {
        const auto space = text.find(' ');
        parts[n++] = text.substr(0, space);
        if (space == std::string_view::npos)
            break;
        text = text.substr(space + 1);
    }
    if (n != 8 || parts[7].data() + parts[7].size() != text.data() + text.size())
        return false;
    if (!parseInt(parts[0], &m->count))
        return false;
    double* const dst[] = {&m->min, &m->max, &m->mean, &m->rms, &m->peak, &m->kurtosis};
    for (std::size_t i = 0; i < 6; ++i)
        if (!parseDouble(parts[i + 1], dst[i]))
            return false;
    if (!parseDouble(parts[7], velocity, true))
        return false;
    if (m->min > m->max || m->rms < 0 || m->peak < 0 || m->kurtosis < 0)
        return false;
    m->peakToPeak = m->max - m->min;
    m->crestFactor = m->rms > 0 ? m->peak / m->rms : 0.0;
    return true;
}

bool validText(std::string_view s, std::size_t max = kMaxText) {
    if (s.size() > max)
        return false;
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return false;
    return true;
}

} // namespace

void FeatureEntry::encode(const pipeline::StoreItem& item, const core::DeviceInfo& info,
                          std::uint64_t session, std::uint64_t seq,
                          std::vector<std::pair<std::string, std::string>>* out) {
    auto& f = *out;
    f.clear();
    std::string axes;
    for (std::size_t a = 0; a < info.axisNames.size(); ++a)
        axes += (a ? "," : "") + info.axisNames[a];
    f.emplace_back("v", "1");
    f.emplace_back("type", item.rollup ? "rollup" : "event");
    f.emplace_back("dev", info.id);
    f.emplace_back("session", std::to_string(session));
    f.emplace_back("seq", std::to_string(seq));
    f.emplace_back("rate", formatDouble(info.sampleRate));
    f.emplace_back("axes", std::move(axes));
    f.emplace_back("unit", std::string(core::unitName(info.unit)));
    if (item.rollup) {
        const auto& r = *item.rollup;
        f.emplace_back("t", std::to_string(r.bucketStartNs));
        f.emplace_back("n", std::to_string(r.samples));
        f.emplace_back("gaps", std::to_string(r.gaps));
        f.emplace_back("zone",
                       std::to_string(r.zone == dsp::SeverityZone::Unknown ? -1 : static_cast<int>(r.zone)));
        for (std::size_t a = 0; a < r.axes.size() && a < 3; ++a)
            f.emplace_back(
                "a" + std::to_string(a),
                axisText(r.axes[a], a < r.velocityRmsMmS.size() ? r.velocityRmsMmS[a] : std::nan("")));
        return;
    }
    const auto& e = *item.event;
    f.emplace_back("t", std::to_string(e.tNs));
    f.emplace_back("kind", e.kind);
    f.emplace_back("state", e.state);
    f.emplace_back("rule", e.rule);
    f.emplace_back("metric", e.metric);
    f.emplace_back("axis", std::to_string(e.axis));
    f.emplace_back("axisname", e.axisName);
    f.emplace_back("value", formatDouble(e.value));
    f.emplace_back("threshold", formatDouble(e.threshold));
    f.emplace_back("first", std::to_string(e.firstSample));
    f.emplace_back("samples", std::to_string(e.samples));
    f.emplace_back("detail", e.detail.substr(0, kMaxText));
}

bool FeatureEntry::decode(const std::vector<std::pair<std::string_view, std::string_view>>& fields,
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
    std::string_view v, type, dev, session, seq, rate, axes, unit, t;
    if (!find("v", &v))
        return fail("missing field v");
    if (v != "1")
        return fail("unsupported entry version '" + std::string(v.substr(0, 16)) + "'");
    const std::pair<const char*, std::string_view*> required[] = {
        {"type", &type}, {"dev", &dev},   {"session", &session}, {"seq", &seq},
        {"rate", &rate}, {"axes", &axes}, {"unit", &unit},       {"t", &t}};
    for (const auto& [key, dst] : required)
        if (!find(key, dst))
            return fail(std::string("missing field ") + key);
    Decoded d;
    if (dev.empty() || dev.size() > BlockEntry::kMaxDeviceId || !validText(dev))
        return fail("bad dev (1..128 bytes, no control characters)");
    d.device = std::string(dev);
    if (!parseInt(session, &d.session))
        return fail("bad session");
    if (!parseInt(seq, &d.seq))
        return fail("bad seq");
    if (!parseDouble(rate, &d.rate) || d.rate <= 0 || d.rate > 10e6)
        return fail("bad rate (0 < rate <= 1e7 Hz)");
    std::string_view rest = axes;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        if (name.empty() || name.size() > 32 || d.axes.size() == 3)
            return fail("bad axes (1..3 comma-separated names of 1..32 bytes)");
        d.axes.emplace_back(name);
        if (comma == std::string_view::npos)
            break;
        rest = rest.substr(comma + 1);
    }
    const auto u = core::parseUnit(unit);
    if (!u)
        return fail("bad unit (g or m/s2)");
    d.unit = *u;
    std::int64_t tNs = 0;
    if (!parseInt(t, &tNs))
        return fail("bad t");
    if (type == "rollup") {
        auto r = std::make_shared<pipeline::RollupRecord>();
        r->bucketStartNs = tNs;
        std::string_view n, gaps, zone;
        int z = -1;
        if (!find("n", &n) || !parseInt(n, &r->samples) || r->samples == 0 || r->samples > 10'000'000)
            return fail("bad n (1..1e7 samples per axis)");
        if (!find("gaps", &gaps) || !parseInt(gaps, &r->gaps))
            return fail("bad gaps");
        if (!find("zone", &zone) || !parseInt(zone, &z) || z < -1 || z > 3)
            return fail("bad zone (-1..3)");
        r->zone = z < 0 ? dsp::SeverityZone::Unknown : static_cast<dsp::SeverityZone>(z);
        for (std::size_t a = 0; a < d.axes.size(); ++a) {
            std::string_view text;
            dsp::Moments m;
            double velocity = 0;
            if (!find("a" + std::to_string(a), &text) || !parseAxis(text, &m, &velocity) ||
                m.count > r->samples)
                return fail("bad a" + std::to_string(a) +
                            " (count min max mean rms peak kurtosis velocity, count <= n)");
            r->axes.push_back(m);
            r->velocityRmsMmS.push_back(velocity);
        }
        d.rollup = std::move(r);
    } else if (type == "event") {
        auto e = std::make_shared<core::Event>();
        e->deviceId = d.device;
        e->tNs = tNs;
        const std::pair<const char*, std::string*> texts[] = {
            {"kind", &e->kind},     {"state", &e->state},       {"rule", &e->rule},
            {"metric", &e->metric}, {"axisname", &e->axisName}, {"detail", &e->detail}};
        for (const auto& [key, dst] : texts) {
            std::string_view s;
            if (find(key, &s)) {
                if (!validText(s))
                    return fail(std::string("bad ") + key + " (up to 1024 bytes, no control characters)");
                *dst = std::string(s);
            }
        }
        if (e->kind.empty() || e->kind.size() > 32)
            return fail("bad kind (1..32 bytes)");
        std::string_view s;
        if (find("axis", &s) && (!parseInt(s, &e->axis) || e->axis < -1 || e->axis >= 3))
            return fail("bad axis (-1..2)");
        if (find("value", &s) && !parseDouble(s, &e->value, true))
            return fail("bad value");
        if (find("threshold", &s) && !parseDouble(s, &e->threshold, true))
            return fail("bad threshold");
        if (find("first", &s) && !parseInt(s, &e->firstSample))
            return fail("bad first");
        if (find("samples", &s) && !parseInt(s, &e->samples))
            return fail("bad samples");
        d.event = std::move(e);
    } else {
        return fail("unsupported type (rollup or event)");
    }
    *out = std::move(d);
    return true;
}

} // namespace vibra::redis
