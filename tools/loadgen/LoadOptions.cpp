#include "LoadOptions.h"

#include "decode/Frame.h"
#include "decode/JsonBlock.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

namespace vibra::loadgen {

namespace {

bool validNameChars(const std::string& s) {
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_' || c == '.' || c == ':';
        if (!ok)
            return false;
    }
    return true;
}

int indexDigits(int devices) {
    int digits = 1;
    for (int n = devices - 1; n >= 10; n /= 10)
        ++digits;
    return digits < 4 ? 4 : digits;
}

bool parseInt(const std::string& s, long long lo, long long hi, long long& out) {
    const char* end = s.data() + s.size();
    const auto r = std::from_chars(s.data(), end, out);
    return r.ec == std::errc() && r.ptr == end && out >= lo && out <= hi;
}

bool parseDouble(const std::string& s, double lo, double hi, double& out) {
    if (s.empty())
        return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(out) && out >= lo && out <= hi;
}

} // namespace

bool WsUrl::parse(const std::string& url, WsUrl& out, std::string* error) {
    auto fail = [&](const std::string& why) {
        if (error)
            *error = "--url '" + url + "': " + why;
        return false;
    };
    out = WsUrl{};
    out.text = url;
    const std::string scheme = "ws://";
    if (url.rfind("wss://", 0) == 0)
        return fail("wss:// is not supported (use ws:// on loopback or a LAN)");
    if (url.rfind(scheme, 0) != 0)
        return fail("must start with ws://");
    std::string rest = url.substr(scheme.size());
    const auto slash = rest.find_first_of("/?");
    std::string authority = rest.substr(0, slash);
    std::string pathQuery = slash == std::string::npos ? "/" : rest.substr(slash);
    if (pathQuery[0] == '?')
        pathQuery = "/" + pathQuery;
    if (authority.find('@') != std::string::npos)
        return fail("user info is not supported (use --token)");
    std::string portText;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos)
            return fail("unterminated [IPv6] host");
        out.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':')
                return fail("expected :PORT after ]");
            portText = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string::npos)
            portText = authority.substr(colon + 1);
    }
    if (out.host.empty())
        return fail("missing host");
    if (!portText.empty()) {
        long long p = 0;
        if (!parseInt(portText, 1, 65535, p))
            return fail("port must be 1-65535");
        out.port = static_cast<std::uint16_t>(p);
    }
    const auto q = pathQuery.find('?');
    out.path = pathQuery.substr(0, q);
    out.query = q == std::string::npos ? "" : pathQuery.substr(q + 1);
    if (out.query.find('#') != std::string::npos || out.path.find('#') != std::string::npos)
        return fail("fragments (#) are not allowed");
    const std::string& qs = out.query;
    if (qs.rfind("device=", 0) == 0 || qs.find("&device=") != std::string::npos)
        return fail("device= is set per device from --prefix; remove it from the URL");
    return true;
}

std::string WsUrl::target(const std::string& device) const {
    std::string t = path;
    t += '?';
    if (!query.empty()) {
        t += query;
        t += '&';
    }
    t += "device=";
    t += device;
    return t;
}

std::string LoadOptions::deviceName(int i) const {
    std::string digits = std::to_string(i);
    const int width = indexDigits(devices);
    if (static_cast<int>(digits.size()) < width)
        digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    return prefix + digits;
}

std::int64_t LoadOptions::framesPerDevice() const {
    return static_cast<std::int64_t>(std::floor(durationS * rateHz / block + 1e-9));
}

std::string usage() {
    return R"(usage: vibra-loadgen --url ws://HOST:PORT/ingest [options]

Runs N paced devices pushing Vibrascope frames (docs/protocol.md) over WebSocket from one process with a
fixed number of threads, honouring cumulative acks and resuming after reconnects, then prints a JSON
summary (per device and total) to stdout.

  --url URL                 ws://HOST:PORT/PATH[?QUERY]; each device adds device=NAME
  --token T                 bearer token (default: $VIBRASCOPE_TOKEN)
  --devices N               number of devices (default 1)
  --prefix P                device names P0000 ... (default dev)
  --rate HZ                 samples per second per axis (default 16000)
  --axes 1|2|3              axes per sample (default 3)
  --block N                 samples per axis per frame (default 256)
  --duration S              seconds of signal per device (default 10)
  --ramp S                  start devices evenly over S seconds (default 0)
  --drain S                 after the last sample, wait at most S s for acks (default 5)
  --window N                unacknowledged frames kept per device; when full the device stops
                            generating and the shortfall is counted as backlog (default 64)
  --connections-per-device K  K redundant connections per device, each carries every frame;
                            the server must store each frame once (default 1)
  --format frame|json       binary frames or the JSON block form (default frame)
  --signal sine|ramp        sine: per-device sine + small noise; ramp: the exact test pattern of
                            tools/vibra_send.py, ((i*7 + a*1000) % 2000) - 1000 (default sine)
  --seed N                  signal seed (default 1)
  --tick-ms MS              pacing timer period (default 10)
  --threads T               event-loop threads, devices are shared among them (default 1)
  --connect-timeout S       per connection attempt (default 5)
  --progress S              status line on stderr every S seconds, 0 = off (default 5)
  --summary FILE            write the JSON summary to FILE; stdout then gets the total line only
  --help

Exit status: 0 every sample acknowledged; 3 finished but some samples unacknowledged or never sent
(see the summary); 1 connection failure (nothing reachable, or token refused); 2 usage error.
)";
}

ParseResult parseOptions(const std::vector<std::string>& args, const char* envToken, LoadOptions& out) {
    ParseResult res;
    auto fail = [&](std::string why) {
        res.status = ParseResult::Status::Error;
        res.error = std::move(why);
        return res;
    };
    std::string url;
    bool tokenGiven = false;
    using Setter = std::function<bool(const std::string&, std::string&)>;
    auto intOpt = [](int& field, long long lo, long long hi) {
        return Setter([&field, lo, hi](const std::string& v, std::string& why) {
            long long x = 0;
            if (!parseInt(v, lo, hi, x)) {
                why = "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
                return false;
            }
            field = static_cast<int>(x);
            return true;
        });
    };
    auto doubleOpt = [](double& field, double lo, double hi, bool exclusiveLo) {
        return Setter([&field, lo, hi, exclusiveLo](const std::string& v, std::string& why) {
            double x = 0;
            if (!parseDouble(v, lo, hi, x) || (exclusiveLo && x <= lo)) {
                why = std::string("must be a number ") + (exclusiveLo ? "> " : ">= ") + std::to_string(lo) +
                      " and <= " + std::to_string(hi);
                return false;
            }
            field = x;
            return true;
        });
    };
    const std::map<std::string, Setter> opts = {
        {"--url",
         [&](const std::string& v, std::string&) {
             url = v;
             return true;
         }},
        {"--token",
         [&](const std::string& v, std::string&) {
             out.token = v;
             tokenGiven = true;
             return true;
         }},
        {"--devices", intOpt(out.devices, 1, 100000)},
        {"--prefix",
         [&](const std::string& v, std::string& why) {
             why = "must be letters, digits or -_.: (at most 56)";
             out.prefix = v;
             return validNameChars(v) && v.size() <= 56;
         }},
        {"--rate", doubleOpt(out.rateHz, 0.0, decode::FrameCodec::kMaxRateHz, true)},
        {"--axes", intOpt(out.axes, 1, 3)},
        {"--block", intOpt(out.block, 1, 65535)},
        {"--duration", doubleOpt(out.durationS, 0.0, 1e7, true)},
        {"--ramp", doubleOpt(out.rampS, 0.0, 1e6, false)},
        {"--drain", doubleOpt(out.drainS, 0.0, 1e6, false)},
        {"--connect-timeout", doubleOpt(out.connectTimeoutS, 0.0, 3600.0, true)},
        {"--progress", doubleOpt(out.progressS, 0.0, 1e6, false)},
        {"--connections-per-device", intOpt(out.connectionsPerDevice, 1, 16)},
        {"--window", intOpt(out.window, 1, 1 << 20)},
        {"--tick-ms", intOpt(out.tickMs, 1, 1000)},
        {"--threads", intOpt(out.threads, 1, 64)},
        {"--format",
         [&](const std::string& v, std::string& why) {
             why = "must be frame or json";
             out.format = v == "json" ? WireFormat::Json : WireFormat::Frame;
             return v == "frame" || v == "json";
         }},
        {"--signal",
         [&](const std::string& v, std::string& why) {
             why = "must be sine or ramp";
             out.signal = v == "ramp" ? SignalKind::Ramp : SignalKind::Sine;
             return v == "sine" || v == "ramp";
         }},
        {"--seed",
         [&](const std::string& v, std::string& why) {
             const auto r = std::from_chars(v.data(), v.data() + v.size(), out.seed);
             why = "must be a non-negative integer";
             return r.ec == std::errc() && r.ptr == v.data() + v.size();
         }},
        {"--summary",
         [&](const std::string& v, std::string& why) {
             why = "must not be empty";
             out.summaryPath = v;
             return !v.empty();
         }},
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        bool inlineValue = false;
        if (name == "--help" || name == "-h") {
            res.status = ParseResult::Status::Help;
            return res;
        }
        if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inlineValue = true;
        }
        const auto it = opts.find(name);
        if (it == opts.end())
            return fail("unknown option '" + name + "' (see --help)");
        if (!inlineValue) {
            if (i + 1 >= args.size())
                return fail(name + " needs a value");
            value = args[++i];
        }
        std::string why;
        if (!it->second(value, why))
            return fail(name + " '" + value + "': " + why);
    }
    if (url.empty())
        return fail("--url is required, e.g. --url ws://127.0.0.1:8765/ingest");
    std::string why;
    if (!WsUrl::parse(url, out.url, &why))
        return fail(why);
    if (!tokenGiven && envToken)
        out.token = envToken;
    const std::size_t payload = static_cast<std::size_t>(out.block) * static_cast<std::size_t>(out.axes) * 2;
    if (payload > decode::FrameCodec::kMaxPayloadBytes)
        return fail("--block " + std::to_string(out.block) + " x --axes " + std::to_string(out.axes) +
                    " x 2 bytes exceeds the 65536-byte frame payload limit");
    if (out.format == WireFormat::Json &&
        static_cast<std::size_t>(out.block) > decode::JsonBlock::kMaxSamples)
        return fail("--format json allows at most " + std::to_string(decode::JsonBlock::kMaxSamples) +
                    " samples per block");
    if (out.framesPerDevice() < 1)
        return fail("--duration is shorter than one block (block / rate seconds)");
    if (out.deviceName(out.devices - 1).size() > 64)
        return fail("--prefix too long: device names are at most 64 characters");
    if (out.threads > out.devices)
        out.threads = out.devices;
    return res;
}

} // namespace vibra::loadgen
