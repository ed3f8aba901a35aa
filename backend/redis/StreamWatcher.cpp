#include "redis/StreamWatcher.h"

#include "core/Clock.h"
#include "pipeline/ChannelCore.h"
#include "redis/BlockEntry.h"
#include "redis/Client.h"
#include "redis/StreamKeys.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>

namespace vibra::redis {

namespace {
constexpr std::int64_t kMs = 1'000'000;

/// The device id of a stream key `PREFIX:{dev:ID}`, or "" if the key does not have that shape.
std::string deviceOfKey(const std::string& prefix, const std::string& key) {
    const std::string head = prefix + ":{dev:";
    if (key.size() <= head.size() + 1 || key.compare(0, head.size(), head) != 0 || key.back() != '}')
        return {};
    std::string id = key.substr(head.size(), key.size() - head.size() - 1);
    if (id.size() > BlockEntry::kMaxDeviceId ||
        !std::all_of(id.begin(), id.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x20; }))
        return {};
    return id;
}

bool parseLong(const std::string& s, long long* out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

/// Error replies that mean "not now" (a restarting or failing-over server): retry after a pause.
bool transient(const std::string& error) {
    for (const char* p : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN"})
        if (error.rfind(p, 0) == 0)
            return true;
    return false;
}
} // namespace

struct StreamWatcher::Stream {
    std::string key, device;
    std::string lastId;
    bool requested = false;
    bool refused = false;
    bool released = false;
    std::shared_ptr<pipeline::ChannelCore> core;
    std::shared_ptr<const core::DeviceInfo> info;
    bool started = false;        ///< an entry was accepted (the fields below are set)
    std::uint64_t session = 0;   ///< publisher session of the last accepted entry
    std::uint64_t offset = 0;    ///< added (mod 2^64) to the entry's first sample: a session's rebase
    std::uint64_t nextFirst = 0; ///< first sample after the last accepted entry (rebased)
    std::int64_t nextT0 = 0;     ///< its UTC ns
    std::uint64_t sequence = 0;  ///< block sequence in the engine
    std::deque<core::MutableBlockPtr> held;
    StreamStats stats;

    bool readable() const { return !refused && !released; }
};

bool StreamWatcher::Options::fromUrl(const RedisUrl& url, Options* out, std::string* error) {
    Options o;
    o.url = url;
    o.match = url.value("match", o.match);
    long long devices = 0, count = 0;
    if (!url.integer("max_devices", static_cast<long long>(o.maxDevices), 1, 10'000, &devices, error) ||
        !url.integer("count", static_cast<long long>(o.count), 1, 10'000, &count, error))
        return false;
    for (const auto& [k, v] : url.query)
        if (k != "match" && k != "max_devices" && k != "count" && k != "db") {
            *error = "unknown option '" + k + "' for watching redis:// (match, max_devices, count, db)";
            return false;
        }
    if (o.match.empty() || o.match.size() > BlockEntry::kMaxDeviceId) {
        *error = "match must be a device id glob of 1..128 characters";
        return false;
    }
    o.maxDevices = static_cast<std::size_t>(devices);
    o.count = static_cast<std::size_t>(count);
    *out = std::move(o);
    return true;
}

StreamWatcher::StreamWatcher(Options options, DeviceRequest request)
    : m_options(std::move(options))
    , m_request(std::move(request))
    , m_client(std::make_unique<Client>())
    , m_backoff(m_options.backoffMinMs, m_options.backoffMaxMs) {}

StreamWatcher::~StreamWatcher() {
    stop();
}

void StreamWatcher::provide(const std::string& deviceId, std::shared_ptr<pipeline::ChannelCore> core) {
    std::lock_guard lock(m_mutex);
    m_provided[deviceId] = std::move(core);
}

void StreamWatcher::release(const std::string& deviceId) {
    {
        std::lock_guard lock(m_deliverMutex); // waits for a delivery in progress
        m_released.insert(deviceId);
    }
    std::lock_guard lock(m_mutex);
    m_provided.erase(deviceId);
}

void StreamWatcher::start() {
    if (!m_thread.joinable())
        m_thread = std::thread([this] { run(); });
}

void StreamWatcher::stop() {
    m_stop = true;
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void StreamWatcher::pause(int ms) {
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stop.load(); });
}

void StreamWatcher::setError(const std::string& what) {
    std::lock_guard lock(m_mutex);
    m_lastError = "redis " + m_options.url.display() + ": " + what;
}

void StreamWatcher::lost(const std::string& what) {
    setError(what);
    m_client->disconnect();
    m_connected = false;
    m_backoff.failed();
}

bool StreamWatcher::ensureConnected() {
    if (m_client->connected())
        return true;
    if (!m_backoff.due())
        return false;
    std::string err;
    // Commands time out after timeoutMs beyond the longest XREAD BLOCK.
    if (!m_client->connect(m_options.url, m_options.timeoutMs + m_options.blockMs, &err)) {
        lost(err);
        return false;
    }
    m_backoff.succeeded();
    m_connected = true;
    m_connects.fetch_add(1, std::memory_order_relaxed);
    m_nextDiscoverNs = 0; // devices that appeared while we were away
    return true;
}

void StreamWatcher::discover() {
    const auto t = m_client->command({"TIME"});
    if (!t) {
        lost(m_client->lastError());
        return;
    }
    long long sec = 0, usec = 0;
    if (!t->isArray() || t->size() != 2 || !parseLong((*t)[0].str, &sec) || !parseLong((*t)[1].str, &usec)) {
        setError("TIME: unexpected reply" + (t->isError() ? ": " + t->str : std::string()));
        return;
    }
    const long long nowMs = sec * 1000 + usec / 1000;
    // Found at the first scan: from now on (XREAD … $: nothing added before this TIME). Found later: what was
    // added since the previous scan (bounded), so a new device is seen from its first entries.
    const std::string from = m_prevScanMs < 0
                                 ? std::to_string(nowMs) + "-18446744073709551615"
                                 : std::to_string(std::max(m_prevScanMs, nowMs - m_options.catchUpMs) - 1) +
                                       "-18446744073709551615"; // XREAD is exclusive: from ms prevScanMs on
    const std::string match = m_options.url.prefix + ":{dev:" + m_options.match + "}";
    std::uint64_t overCap = 0;
    std::string cursor = "0";
    do {
        const auto r = m_client->command({"SCAN", cursor, "MATCH", match, "COUNT", "1000", "TYPE", "stream"});
        if (!r) {
            lost(m_client->lastError());
            return;
        }
        if (!r->isArray() || r->size() != 2) {
            setError("SCAN: " + (r->isError() ? r->str : std::string("unexpected reply")));
            return;
        }
        cursor = (*r)[0].str;
        for (const auto& k : (*r)[1].elements) {
            if (m_streams.count(k.str))
                continue;
            const std::string device = deviceOfKey(m_options.url.prefix, k.str);
            if (device.empty())
                continue;
            if (m_streams.size() >= m_options.maxDevices) {
                ++overCap;
                continue;
            }
            auto s = std::make_unique<Stream>();
            s->key = k.str;
            s->device = device;
            s->lastId = from;
            s->stats.key = k.str;
            s->stats.device = device;
            s->stats.lastId = s->lastId;
            publishStats(*s);
            m_streams.emplace(k.str, std::move(s));
        }
    } while (cursor != "0");
    m_prevScanMs = nowMs;
    m_overCap = overCap;
    m_scans.fetch_add(1, std::memory_order_relaxed);
}

void StreamWatcher::adoptProvided() {
    std::lock_guard lock(m_mutex);
    for (auto& [key, s] : m_streams) {
        if (s->core || !s->requested || !s->readable())
            continue;
        const auto it = m_provided.find(s->device);
        if (it == m_provided.end())
            continue;
        if (!it->second) { // refused by the owner (e.g. a local device of that name, or too many devices)
            s->refused = true;
            s->stats.refused = true;
            m_held -= s->held.size();
            s->held.clear();
            m_streamStats[s->key] = s->stats;
            continue;
        }
        s->core = it->second;
    }
}

void StreamWatcher::undecodable(Stream& s, const std::string& id, const std::string& reason) {
    ++s.stats.undecodable;
    m_undecodable.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    m_lastUndecodable = s.key + " " + id + ": " + reason;
}

void StreamWatcher::accept(Stream& s, const std::string& id, const Value& fields) {
    std::vector<std::pair<std::string_view, std::string_view>> view;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        view.emplace_back(fields[i].str, fields[i + 1].str);
    BlockEntry::Decoded d;
    std::string reason;
    if (!fields.isArray() || !BlockEntry::decode(view, &d, &reason)) {
        undecodable(s, id, reason.empty() ? "not a field list" : reason);
        return;
    }
    if (d.device != s.device) {
        undecodable(s, id, "dev '" + d.device + "' does not match the stream's device");
        return;
    }
    if (!s.info || s.info->sampleRate != d.rate || s.info->axisNames != d.axes || s.info->unit != d.unit) {
        auto info = std::make_shared<core::DeviceInfo>();
        info->id = s.device;
        info->sourceUri = "redis://" + m_options.url.display() + "#" + s.device;
        info->sampleRate = d.rate;
        info->axisNames = d.axes;
        info->unit = d.unit;
        s.info = std::move(info);
    }
    if (s.started && d.session != s.session) {
        // The publisher restarted (it counts from 0 again): continue after what was seen, plus the samples
        // its clock says are missing in between (a gap the engine counts).
        const double missing = std::floor(static_cast<double>(d.t0 - s.nextT0) * d.rate / 1e9);
        const std::uint64_t next = s.nextFirst + static_cast<std::uint64_t>(std::max(0.0, missing));
        s.offset = next - d.first; // modular: first + offset == next
    }
    s.started = true;
    s.session = d.session;
    auto b = std::make_shared<core::SampleBlock>();
    b->device = s.info;
    b->sequence = s.sequence++;
    b->firstSample = d.first + s.offset;
    b->startTimeNs = d.t0;
    b->count = d.count;
    b->data = std::move(d.planar);
    s.nextFirst = b->firstSample + b->count;
    s.nextT0 = d.t0 + static_cast<std::int64_t>(std::llround(static_cast<double>(b->count) * 1e9 / d.rate));
    ++s.stats.entries;
    s.stats.rate = d.rate;
    m_entries.fetch_add(1, std::memory_order_relaxed);
    if (s.held.size() >= m_options.maxHeldPerDevice) {
        // The engine does not keep up with this device (or its channel is not there yet): a live view drops
        // the oldest; the engine counts the hole as a gap.
        s.held.pop_front();
        --m_held;
        ++s.stats.overflow;
        m_overflow.fetch_add(1, std::memory_order_relaxed);
    }
    s.held.push_back(std::move(b));
    ++m_held;
    if (!s.requested && m_request) {
        s.requested = true;
        m_request(s.device);
    }
}

void StreamWatcher::readNew() {
    std::vector<Stream*> ready;
    for (auto& [key, s] : m_streams)
        if (s->readable())
            ready.push_back(s.get());
    if (ready.empty()) {
        pause(std::min<int>(m_options.blockMs, m_options.discoverMs));
        return;
    }
    // While blocks wait for room, block briefly so they are delivered soon.
    const std::string count = std::to_string(m_options.count),
                      block = std::to_string(m_held > 0 ? 10 : m_options.blockMs);
    std::vector<std::string_view> args{"XREAD", "COUNT", count, "BLOCK", block, "STREAMS"};
    for (const auto* s : ready)
        args.emplace_back(s->key);
    for (const auto* s : ready)
        args.emplace_back(s->lastId);
    const auto r = m_client->command(args);
    if (!r) {
        lost(m_client->lastError());
        return;
    }
    if (r->isError()) {
        setError("XREAD: " + r->str);
        if (!transient(r->str)) {
            // e.g. WRONGTYPE: a key is no longer a stream; find the streams again.
            for (auto it = m_streams.begin(); it != m_streams.end();) {
                const auto t = m_client->command({"TYPE", it->first});
                if (!t) {
                    lost(m_client->lastError());
                    return;
                }
                if (t->is("stream") || t->is("none")) {
                    ++it;
                    continue;
                }
                m_held -= it->second->held.size();
                it->second->released = true; // not read again; its channel stays until the owner removes it
                it->second->stats.released = true;
                it->second->held.clear();
                publishStats(*it->second);
                ++it;
            }
        }
        m_retryReadNs = core::monotonicNs() + 200 * kMs;
        return;
    }
    if (!r->isArray())
        return; // nil: BLOCK timed out
    for (const auto& st : r->elements) {
        if (!st.isArray() || st.size() != 2)
            continue;
        const auto it = m_streams.find(st[0].str);
        if (it == m_streams.end())
            continue;
        Stream& s = *it->second;
        for (const auto& e : st[1].elements) {
            if (!e.isArray() || e.size() != 2)
                continue;
            s.lastId = e[0].str;
            s.stats.lastId = s.lastId;
            accept(s, e[0].str, e[1]);
        }
        publishStats(s);
    }
}

void StreamWatcher::deliverAll() {
    std::lock_guard lock(m_deliverMutex);
    for (auto& [key, sp] : m_streams) {
        Stream& s = *sp;
        if (!s.released && m_released.count(s.device)) {
            s.released = true;
            s.stats.released = true;
            s.core.reset();
            m_held -= s.held.size();
            s.held.clear();
            publishStats(s);
            continue;
        }
        if (!s.core || s.held.empty())
            continue;
        auto& outlet = s.core->outlet();
        std::uint64_t delivered = 0;
        while (!s.held.empty() && outlet.hasRoom(s.held.front()->count)) {
            const std::uint32_t n = s.held.front()->count;
            if (outlet.deliver(std::move(s.held.front())))
                delivered += n;
            s.held.pop_front();
            --m_held;
        }
        if (delivered > 0) {
            s.stats.samples += delivered;
            m_samples.fetch_add(delivered, std::memory_order_relaxed);
            publishStats(s);
        }
    }
}

void StreamWatcher::publishStats(const Stream& s) {
    std::lock_guard lock(m_mutex);
    m_streamStats[s.key] = s.stats;
}

void StreamWatcher::run() {
    while (!m_stop.load(std::memory_order_acquire)) {
        if (!ensureConnected()) {
            pause(20);
            continue;
        }
        const std::int64_t now = core::monotonicNs();
        if (now >= m_nextDiscoverNs) {
            discover();
            m_nextDiscoverNs = now + m_options.discoverMs * kMs;
            if (!m_client->connected())
                continue;
        }
        adoptProvided();
        deliverAll();
        if (m_held >= m_options.maxHeld || now < m_retryReadNs) {
            pause(5); // the engine is behind (or Redis asked us to wait): read nothing new
            continue;
        }
        readNew();
    }
    m_client->disconnect();
    m_connected = false;
}

StreamWatcher::Stats StreamWatcher::stats() const {
    Stats st;
    st.connected = m_connected.load(std::memory_order_relaxed);
    st.connects = m_connects.load(std::memory_order_relaxed);
    st.scans = m_scans.load(std::memory_order_relaxed);
    st.overCap = m_overCap.load(std::memory_order_relaxed);
    st.entries = m_entries.load(std::memory_order_relaxed);
    st.samples = m_samples.load(std::memory_order_relaxed);
    st.undecodable = m_undecodable.load(std::memory_order_relaxed);
    st.overflow = m_overflow.load(std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    st.streams = m_streamStats.size();
    st.lastError = m_lastError;
    st.lastUndecodable = m_lastUndecodable;
    return st;
}

std::vector<StreamWatcher::StreamStats> StreamWatcher::streams() const {
    std::lock_guard lock(m_mutex);
    std::vector<StreamStats> out;
    out.reserve(m_streamStats.size());
    for (const auto& [key, s] : m_streamStats)
        out.push_back(s);
    return out;
}

} // namespace vibra::redis
