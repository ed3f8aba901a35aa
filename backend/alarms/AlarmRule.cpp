#include "alarms/AlarmRule.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace vibra::alarms {

namespace {
struct OpText {
    const char* text;
    AlarmRule::Op op;
};
// Two-character operators first so ">=" is not read as ">".
constexpr OpText kOps[] = {{">=", AlarmRule::Op::GreaterEqual},
                           {"<=", AlarmRule::Op::LessEqual},
                           {">", AlarmRule::Op::Greater},
                           {"<", AlarmRule::Op::Less}};

std::string stripSpaces(const std::string& s) {
    std::string out;
    std::copy_if(s.begin(), s.end(), std::back_inserter(out),
                 [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
    return out;
}

bool parseNumber(const std::string& s, double* out) {
    if (s.empty())
        return false;
    const char* end = s.data() + s.size();
    const auto r = std::from_chars(s.data(), end, *out);
    return r.ec == std::errc() && r.ptr == end && std::isfinite(*out);
}

bool parseZone(const std::string& s, double* out) {
    if (s.size() != 1)
        return false;
    const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    if (c < 'A' || c > 'D')
        return false;
    *out = c - 'A';
    return true;
}

// "band(F1-F2)" -> the band; false (with *error) when the text starts with "band" but is malformed.
bool parseBand(const std::string& s, AlarmRule& r, std::string* error) {
    const std::string syntax = "expected band(F1-F2) with frequencies in Hz, e.g. band(2000-5000)>0.5";
    if (s.size() < 7 || s.compare(0, 5, "band(") != 0 || s.back() != ')') {
        *error = syntax + ", got '" + s + "'";
        return false;
    }
    const std::string inner = s.substr(5, s.size() - 6);
    // The separator is the first '-' after the first character (F1 itself must not be negative anyway).
    const auto dash = inner.find('-', 1);
    double lo = 0, hi = 0;
    if (dash == std::string::npos || !parseNumber(inner.substr(0, dash), &lo) ||
        !parseNumber(inner.substr(dash + 1), &hi)) {
        *error = syntax + ", got '" + s + "'";
        return false;
    }
    if (lo < 0 || hi <= lo) {
        *error =
            "band needs 0 <= F1 < F2 Hz, got " + inner.substr(0, dash) + " and " + inner.substr(dash + 1);
        return false;
    }
    r.bandLowHz = lo;
    r.bandHighHz = hi;
    return true;
}

bool parseSeconds(std::string s, int* out) {
    if (!s.empty() && s.back() == 's')
        s.pop_back();
    double v = 0;
    if (!parseNumber(s, &v) || v < 0 || v > 86400 || v != std::floor(v))
        return false;
    *out = static_cast<int>(v);
    return true;
}

bool applyOption(AlarmRule& r, const std::string& opt, std::string* error) {
    const auto eq = opt.find('=');
    const std::string key = opt.substr(0, eq);
    const std::string value = eq == std::string::npos ? std::string() : opt.substr(eq + 1);
    if (key == "hysteresis" || key == "hyst") {
        double h = 0;
        const bool ok = r.isZone() ? parseNumber(value, &h) && h >= 0 && h <= 3 && h == std::floor(h)
                                   : parseNumber(value, &h) && h >= 0;
        if (!ok) {
            *error = "hysteresis must be a number >= 0" + std::string(r.isZone() ? " of zones (0..3)" : "") +
                     ", got '" + value + "'";
            return false;
        }
        r.hysteresis = h;
        return true;
    }
    if (key == "delay") {
        if (!parseSeconds(value, &r.delaySeconds)) {
            *error = "delay must be whole seconds >= 0 (e.g. delay=3s), got '" + value + "'";
            return false;
        }
        return true;
    }
    if (key == "device") {
        if (value.empty()) {
            *error = "device= needs a device id";
            return false;
        }
        r.device = value;
        return true;
    }
    *error = "unknown option '" + key + "' (known: hysteresis=, delay=, device=)";
    return false;
}
} // namespace

const char* AlarmRule::metricName(Metric m) {
    switch (m) {
    case Metric::Rms:
        return "rms";
    case Metric::Peak:
        return "peak";
    case Metric::Crest:
        return "crest";
    case Metric::Velocity:
        return "velocity";
    case Metric::Kurtosis:
        return "kurtosis";
    case Metric::Zone:
        return "zone";
    case Metric::Band:
        return "band";
    }
    return "?";
}

std::optional<AlarmRule::Metric> AlarmRule::metricFromName(const std::string& name) {
    for (auto m :
         {Metric::Rms, Metric::Peak, Metric::Crest, Metric::Velocity, Metric::Kurtosis, Metric::Zone})
        if (name == metricName(m))
            return m;
    return std::nullopt;
}

std::string AlarmRule::metricText() const {
    if (!isBand())
        return metricName(metric);
    char buf[64];
    std::snprintf(buf, sizeof buf, "band(%g-%g)", bandLowHz, bandHighHz);
    return buf;
}

std::string AlarmRule::unitOf(Metric m, const std::string& deviceUnit) {
    switch (m) {
    case Metric::Rms:
    case Metric::Peak:
    case Metric::Band:
        return deviceUnit;
    case Metric::Velocity:
        return "mm/s";
    default:
        return "";
    }
}

std::optional<AlarmRule> AlarmRule::parse(const std::string& input, std::string* error) {
    const std::string text = stripSpaces(input);
    const std::string what = "alarm rule '" + input + "': ";
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
        const auto comma = text.find(',', start);
        parts.push_back(text.substr(start, comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    AlarmRule r;
    r.text = text;
    const std::string& cond = parts.front();
    std::size_t opPos = std::string::npos, opLen = 0;
    for (const auto& o : kOps) {
        const auto p = cond.find(o.text);
        if (p != std::string::npos) {
            opPos = p;
            opLen = std::char_traits<char>::length(o.text);
            r.op = o.op;
            break;
        }
    }
    if (opPos == std::string::npos || opPos == 0) {
        *error = what + "expected METRIC>VALUE, e.g. velocity>4.5 or zone>=C";
        return std::nullopt;
    }
    const std::string metricText = cond.substr(0, opPos);
    if (metricText.compare(0, 4, "band") == 0) {
        std::string e;
        if (!parseBand(metricText, r, &e)) {
            *error = what + e;
            return std::nullopt;
        }
        r.metric = Metric::Band;
    } else if (const auto metric = metricFromName(metricText)) {
        r.metric = *metric;
    } else {
        *error = what + "unknown metric '" + metricText +
                 "' (known: rms, peak, crest, velocity, kurtosis, band(F1-F2), zone)";
        return std::nullopt;
    }
    const std::string value = cond.substr(opPos + opLen);
    if (r.isZone() ? !parseZone(value, &r.threshold) : !parseNumber(value, &r.threshold)) {
        *error = what +
                 (r.isZone() ? "a zone rule needs a zone letter A..D, got '" : "expected a number, got '") +
                 value + "'";
        return std::nullopt;
    }
    r.hysteresis = r.isZone() ? 0.0 : 0.05 * std::abs(r.threshold);
    for (std::size_t i = 1; i < parts.size(); ++i) {
        std::string e;
        if (!applyOption(r, parts[i], &e)) {
            *error = what + e;
            return std::nullopt;
        }
    }
    return r;
}

std::optional<AlarmRule> AlarmRule::zoneAtLeast(const std::string& letter, std::string* error) {
    double z = 0;
    if (!parseZone(letter, &z)) {
        *error = "--alarm-zone needs a zone letter A..D, got '" + letter + "'";
        return std::nullopt;
    }
    return parse("zone>=" + std::string(1, static_cast<char>('A' + static_cast<int>(z))), error);
}

std::vector<Band> bandsFor(const AlarmRules& rules, const std::string& deviceId) {
    std::vector<Band> out;
    for (const auto& r : rules) {
        if (!r.isBand() || (!r.device.empty() && r.device != deviceId))
            continue;
        const Band b{r.bandLowHz, r.bandHighHz};
        if (std::find(out.begin(), out.end(), b) == out.end())
            out.push_back(b);
    }
    return out;
}

bool AlarmRule::exceeds(double v) const {
    switch (op) {
    case Op::Greater:
        return v > threshold;
    case Op::GreaterEqual:
        return v >= threshold;
    case Op::Less:
        return v < threshold;
    case Op::LessEqual:
        return v <= threshold;
    }
    return false;
}

bool AlarmRule::clears(double v) const {
    switch (op) {
    case Op::Greater:
    case Op::GreaterEqual:
        return v < threshold - hysteresis;
    case Op::Less:
    case Op::LessEqual:
        return v > threshold + hysteresis;
    }
    return true;
}

} // namespace vibra::alarms
