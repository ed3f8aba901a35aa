#include "Summary.h"

#include <algorithm>
#include <cstdio>

namespace vibra::loadgen {

namespace {

std::string num(double v, int decimals = 3) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/// Tiny ordered JSON object writer.
class Obj {
public:
    Obj& add(const char* key, std::int64_t v) { return raw(key, std::to_string(v)); }
    Obj& add(const char* key, int v) { return raw(key, std::to_string(v)); }
    Obj& add(const char* key, double v, int decimals = 3) { return raw(key, num(v, decimals)); }
    Obj& add(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
    Obj& add(const char* key, const std::string& v) { return raw(key, "\"" + Summary::escape(v) + "\""); }
    Obj& raw(const char* key, const std::string& json) {
        m_s += m_s.empty() ? "{" : ",";
        m_s += "\"";
        m_s += key;
        m_s += "\":";
        m_s += json;
        return *this;
    }
    std::string str() const { return m_s.empty() ? "{}" : m_s + "}"; }

private:
    std::string m_s;
};

double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

} // namespace

std::string Summary::escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

Summary::Summary(const LoadOptions& opt, std::vector<std::pair<std::string, DeviceStats>> devices,
                 RunInfo run)
    : m_opt(opt)
    , m_devices(std::move(devices))
    , m_run(std::move(run)) {
    m_ok = m_run.fatal.empty() && std::all_of(m_devices.begin(), m_devices.end(), [](const auto& d) {
               const DeviceStats& s = d.second;
               return s.framesAcked == s.framesExpected && s.ackBeyondSent == 0;
           });
}

std::string Summary::configJson() const {
    return Obj()
        .add("url", m_opt.url.text)
        .add("devices", m_opt.devices)
        .add("prefix", m_opt.prefix)
        .add("rate_hz", m_opt.rateHz, 6)
        .add("axes", m_opt.axes)
        .add("block", m_opt.block)
        .add("duration_s", m_opt.durationS)
        .add("ramp_s", m_opt.rampS)
        .add("drain_s", m_opt.drainS)
        .add("window", m_opt.window)
        .add("connections_per_device", m_opt.connectionsPerDevice)
        .add("format", std::string(m_opt.format == WireFormat::Json ? "json" : "frame"))
        .add("signal", std::string(m_opt.signal == SignalKind::Ramp ? "ramp" : "sine"))
        .add("seed", static_cast<std::int64_t>(m_opt.seed))
        .add("tick_ms", m_opt.tickMs)
        .add("threads", m_opt.threads)
        .str();
}

std::string Summary::deviceJson(const std::string& name, const DeviceStats& s) const {
    const std::int64_t b = m_opt.block;
    Obj o;
    o.add("name", name)
        .add("frames_expected", s.framesExpected)
        .add("frames_sent", s.framesSent)
        .add("frames_acked", s.framesAcked)
        .add("frames_resent", s.framesResent)
        .add("samples_expected", s.framesExpected * b)
        .add("samples_sent", s.framesSent * b)
        .add("samples_acked", s.framesAcked * b)
        .add("unsent_frames", s.framesExpected - s.framesSent)
        .add("unacked_frames", s.framesSent - s.framesAcked)
        .add("connects", s.connects)
        .add("reconnects", s.reconnects)
        .add("connect_failures", s.connectFailures)
        .add("disconnects", s.disconnects)
        .add("max_window", s.maxWindow)
        .add("backlog_max_frames", s.backlogMaxFrames)
        .add("late_frames", s.lateFrames)
        .add("late_s", static_cast<double>(s.lateNs) / 1e9)
        .add("ack_latency_ms_max", ms(s.ackLatencyMaxNs))
        .add("ack_latency_ms_mean",
             s.ackLatencyCount ? ms(s.ackLatencySumNs) / static_cast<double>(s.ackLatencyCount) : 0.0)
        .add("server_errors", s.serverErrors)
        .add("ack_regressions", s.ackRegressions)
        .add("ack_beyond_sent", s.ackBeyondSent);
    if (!s.firstServerError.empty())
        o.add("first_server_error", s.firstServerError);
    if (!s.lastClose.empty())
        o.add("last_close", s.lastClose);
    return o.str();
}

std::string Summary::totalJson() const {
    DeviceStats t;
    std::int64_t complete = 0, lateDevices = 0, latencyMax = 0, latencySum = 0, latencyCount = 0;
    std::int64_t maxWindow = 0, backlogMax = 0, lateNsMax = 0;
    for (const auto& [name, s] : m_devices) {
        t.framesExpected += s.framesExpected;
        t.framesSent += s.framesSent;
        t.framesAcked += s.framesAcked;
        t.framesResent += s.framesResent;
        t.frameWrites += s.frameWrites;
        t.connects += s.connects;
        t.reconnects += s.reconnects;
        t.connectFailures += s.connectFailures;
        t.disconnects += s.disconnects;
        t.serverErrors += s.serverErrors;
        t.ackRegressions += s.ackRegressions;
        t.ackBeyondSent += s.ackBeyondSent;
        t.lateFrames += s.lateFrames;
        complete += s.framesAcked == s.framesExpected ? 1 : 0;
        lateDevices += s.lateNs > 0 ? 1 : 0;
        lateNsMax = std::max(lateNsMax, s.lateNs);
        maxWindow = std::max(maxWindow, s.maxWindow);
        backlogMax = std::max(backlogMax, s.backlogMaxFrames);
        latencyMax = std::max(latencyMax, s.ackLatencyMaxNs);
        latencySum += s.ackLatencySumNs;
        latencyCount += s.ackLatencyCount;
    }
    const std::int64_t b = m_opt.block;
    const double cpu = m_run.cpuUserS + m_run.cpuSysS;
    const auto n = static_cast<double>(std::max<std::size_t>(m_devices.size(), 1));
    const double signalS = static_cast<double>(t.framesSent * b) / m_opt.rateHz; // device-seconds generated
    Obj o;
    o.add("ok", m_ok)
        .add("devices", static_cast<std::int64_t>(m_devices.size()))
        .add("complete_devices", complete)
        .add("frames_expected", t.framesExpected)
        .add("frames_sent", t.framesSent)
        .add("frames_acked", t.framesAcked)
        .add("frames_resent", t.framesResent)
        .add("frame_writes", t.frameWrites)
        .add("samples_expected", t.framesExpected * b)
        .add("samples_sent", t.framesSent * b)
        .add("samples_acked", t.framesAcked * b)
        .add("unsent_frames", t.framesExpected - t.framesSent)
        .add("unacked_frames", t.framesSent - t.framesAcked)
        .add("connects", t.connects)
        .add("reconnects", t.reconnects)
        .add("connect_failures", t.connectFailures)
        .add("disconnects", t.disconnects)
        .add("max_window", maxWindow)
        .add("backlog_max_frames", backlogMax)
        .add("late_devices", lateDevices)
        .add("late_frames", t.lateFrames)
        .add("late_s_max", static_cast<double>(lateNsMax) / 1e9)
        .add("ack_latency_ms_max", ms(latencyMax))
        .add("ack_latency_ms_mean", latencyCount ? ms(latencySum) / static_cast<double>(latencyCount) : 0.0)
        .add("server_errors", t.serverErrors)
        .add("ack_regressions", t.ackRegressions)
        .add("ack_beyond_sent", t.ackBeyondSent)
        .add("wall_s", m_run.wallS)
        .add("cpu_user_s", m_run.cpuUserS)
        .add("cpu_sys_s", m_run.cpuSysS)
        .add("cpu_core_fraction", m_run.wallS > 0 ? cpu / m_run.wallS : 0.0, 4)
        .add("cpu_us_per_device_s", signalS > 0 ? cpu * 1e6 / signalS : 0.0, 2)
        .add("cpu_percent_per_device", m_run.wallS > 0 ? cpu / m_run.wallS / n * 100.0 : 0.0, 4)
        .add("threads", m_run.threadsMax);
    if (!m_run.fatal.empty())
        o.add("fatal", m_run.fatal);
    return o.str();
}

std::string Summary::document() const {
    std::string s = "{\"config\":" + configJson() + ",\n\"devices\":[\n";
    for (std::size_t i = 0; i < m_devices.size(); ++i) {
        s += deviceJson(m_devices[i].first, m_devices[i].second);
        s += i + 1 < m_devices.size() ? ",\n" : "\n";
    }
    s += "],\n\"total\":" + totalJson() + "}\n";
    return s;
}

std::string Summary::totalLine() const {
    return "{\"total\":" + totalJson() + "}\n";
}

} // namespace vibra::loadgen
