#include "redis/StreamPublisher.h"

#include "core/Clock.h"
#include "redis/BlockEntry.h"
#include "redis/Client.h"
#include "redis/StreamKeys.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>

namespace vibra::redis {

namespace {
constexpr auto kPollInterval = std::chrono::milliseconds(5);

bool parseU64(std::string_view s, std::uint64_t* out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}
} // namespace

struct StreamPublisher::Pending {
    core::SampleBlockPtr block;
    std::uint64_t seq = 0;
};

struct StreamPublisher::Device {
    explicit Device(std::string n, std::string k)
        : name(std::move(n))
        , key(std::move(k)) {}
    const std::string name;
    const std::string key;

    // publisher thread writes under m_mutex, accounting() reads under m_mutex
    std::vector<pipeline::TapFeedPtr> feeds;
    std::uint64_t retiredOffered = 0, retiredTapDropped = 0;

    // publisher thread writes, anyone reads
    std::atomic<std::uint64_t> published{0}, entries{0}, overflow{0}, rejected{0}, unpublished{0};

    // publisher thread only
    std::deque<Pending> queue;
    std::uint64_t nextSeq = 0;
};

bool StreamPublisher::Options::fromUrl(const RedisUrl& url, Options* out, std::string* error) {
    Options o;
    o.url = url;
    long long maxLen = 0, buffer = 0, batch = 0;
    if (!url.integer("maxlen", o.maxLen, 0, 1'000'000'000, &maxLen, error) ||
        !url.integer("buffer", static_cast<long long>(o.bufferBlocks), 1, 10'000'000, &buffer, error) ||
        !url.integer("batch", static_cast<long long>(o.batch), 1, 10'000, &batch, error))
        return false;
    for (const auto& [k, v] : url.query)
        if (k != "maxlen" && k != "buffer" && k != "batch" && k != "db") {
            *error = "unknown --publish option '" + k + "' (maxlen, buffer, batch, db)";
            return false;
        }
    o.maxLen = maxLen;
    o.bufferBlocks = static_cast<std::size_t>(buffer);
    o.batch = static_cast<std::size_t>(batch);
    *out = std::move(o);
    return true;
}

StreamPublisher::StreamPublisher(Options options)
    : m_options(std::move(options))
    , m_client(std::make_unique<Client>()) {
    if (m_options.session == 0)
        m_options.session = static_cast<std::uint64_t>(core::utcNowNs());
}

StreamPublisher::~StreamPublisher() {
    stop();
}

void StreamPublisher::addFeed(pipeline::TapFeedPtr feed) {
    {
        std::lock_guard lock(m_mutex);
        m_incoming.push_back(std::move(feed));
    }
    m_wake.notify_one();
}

void StreamPublisher::start() {
    if (m_thread.joinable())
        return;
    m_stopRequested = false;
    m_thread = std::thread([this] { run(); });
}

void StreamPublisher::stop() {
    if (!m_thread.joinable())
        return;
    m_stopRequested = true;
    m_wake.notify_one();
    m_thread.join();
}

void StreamPublisher::setError(const std::string& message) {
    std::lock_guard lock(m_mutex);
    m_lastError = message;
}

void StreamPublisher::adoptFeeds() {
    std::lock_guard lock(m_mutex);
    for (auto& feed : m_incoming) {
        auto it = std::find_if(m_devices.begin(), m_devices.end(),
                               [&](const auto& d) { return d->name == feed->deviceId; });
        if (it == m_devices.end()) {
            m_devices.push_back(std::make_unique<Device>(
                feed->deviceId, StreamKeys::device(m_options.url.prefix, feed->deviceId)));
            it = std::prev(m_devices.end());
        }
        auto& feeds = (*it)->feeds;
        if (std::find(feeds.begin(), feeds.end(), feed) == feeds.end())
            feeds.push_back(std::move(feed));
    }
    m_incoming.clear();
}

std::size_t StreamPublisher::buffered() const {
    return static_cast<std::size_t>(m_buffered.load(std::memory_order_relaxed));
}

bool StreamPublisher::pull(Device& d) {
    bool any = false;
    for (const auto& feed : d.feeds) {
        core::SampleBlockPtr block;
        while (feed->ring.tryPop(block)) {
            any = true;
            if (buffered() >= m_options.bufferBlocks) {
                d.overflow.fetch_add(block->count, std::memory_order_relaxed);
                continue;
            }
            d.queue.push_back({std::move(block), d.nextSeq++});
            m_buffered.fetch_add(1, std::memory_order_relaxed);
        }
    }
    return any;
}

void StreamPublisher::retire(Device& d) {
    std::lock_guard lock(m_mutex);
    for (auto it = d.feeds.begin(); it != d.feeds.end();) {
        const auto& f = *it;
        if (f->closed() && f->ring.empty()) {
            d.retiredOffered += f->counters.offeredSamples.load(std::memory_order_relaxed);
            d.retiredTapDropped += f->counters.droppedSamples.load(std::memory_order_relaxed);
            it = d.feeds.erase(it);
        } else {
            ++it;
        }
    }
}

namespace {
/// Error replies that say "not now" rather than "never": retried after a reconnect instead of dropped.
bool transientError(const std::string& reply) {
    for (const char* prefix : {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN", "READONLY"})
        if (reply.rfind(prefix, 0) == 0)
            return true;
    return false;
}
} // namespace

bool StreamPublisher::connect() {
    std::string err;
    if (!m_client->connect(m_options.url, m_options.timeoutMs, &err)) {
        setError(err);
        m_backoffMs =
            m_backoffMs == 0 ? m_options.backoffMinMs : std::min(m_backoffMs * 2, m_options.backoffMaxMs);
        m_nextAttemptNs = core::monotonicNs() + std::int64_t{m_backoffMs} * 1'000'000;
        return false;
    }
    m_backoffMs = 0;
    m_connects.fetch_add(1, std::memory_order_relaxed);
    m_connected = true;
    return true;
}

bool StreamPublisher::resync(Device& d) {
    // What does Redis already hold of this session? Entries up to its last seq were added (their replies
    // may have been lost with the connection): drop them from the buffer instead of adding them twice.
    const auto r = m_client->command({"XREVRANGE", d.key, "+", "-", "COUNT", "1"});
    if (!r)
        return false;
    if (r->isError()) {
        // e.g. LOADING: Redis restarted and is still reading its AOF; asking again after a back-off is the
        // only safe answer (treating it as an empty stream would resend, and the XADDs would meet the same
        // error while later ones succeed once loading ends: entries lost or out of order)
        m_client->disconnect();
        return false;
    }
    if (!r->isArray() || r->size() != 1 || !(*r)[0].isArray() || (*r)[0].size() != 2)
        return true; // empty or missing stream (e.g. Redis restarted without persistence): send everything
    const Value& fields = (*r)[0][1];
    std::uint64_t session = 0, seq = 0;
    bool haveSession = false, haveSeq = false;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str == "session")
            haveSession = parseU64(fields[i + 1].str, &session);
        else if (fields[i].str == "seq")
            haveSeq = parseU64(fields[i + 1].str, &seq);
    }
    if (!haveSession || !haveSeq || session != m_options.session)
        return true;
    while (!d.queue.empty() && d.queue.front().seq <= seq) {
        d.published.fetch_add(d.queue.front().block->count, std::memory_order_relaxed);
        d.entries.fetch_add(1, std::memory_order_relaxed);
        d.queue.pop_front();
        m_buffered.fetch_sub(1, std::memory_order_relaxed);
        m_resyncSkipped.fetch_add(1, std::memory_order_relaxed);
    }
    return true;
}

bool StreamPublisher::publishBatch() {
    // Round robin: up to batch / devices entries from each device, in order.
    std::vector<std::pair<Device*, std::size_t>> sent; // device, entries appended
    std::vector<std::pair<std::string, std::string>> fields;
    std::vector<std::string_view> args;
    const std::string maxLen = std::to_string(m_options.maxLen);
    std::size_t devicesWithData = 0;
    for (const auto& d : m_devices)
        devicesWithData += d->queue.empty() ? 0 : 1;
    if (devicesWithData == 0)
        return false;
    const std::size_t share = std::max<std::size_t>(1, m_options.batch / devicesWithData);
    for (const auto& dp : m_devices) {
        Device& d = *dp;
        const std::size_t n = std::min(share, d.queue.size());
        for (std::size_t i = 0; i < n; ++i) {
            BlockEntry::encode(*d.queue[i].block, m_options.session, d.queue[i].seq, &fields);
            args.clear();
            args.insert(args.end(), {"XADD", d.key});
            if (m_options.maxLen > 0)
                args.insert(args.end(), {"MAXLEN", "~", maxLen});
            args.emplace_back("*");
            for (const auto& [k, v] : fields) {
                args.emplace_back(k);
                args.emplace_back(v);
            }
            if (!m_client->append(args))
                break;
        }
        if (n > 0)
            sent.emplace_back(&d, n);
    }
    for (auto& [d, n] : sent) {
        for (std::size_t i = 0; i < n; ++i) {
            const auto r = m_client->getReply();
            if (!r) {
                m_connected = false;
                setError("redis " + m_options.url.display() + ": " + m_client->lastError());
                m_nextAttemptNs = core::monotonicNs() + std::int64_t{m_options.backoffMinMs} * 1'000'000;
                return true;
            }
            const std::uint32_t count = d->queue.front().block->count;
            if (r->isError() && transientError(r->str)) {
                // Redis is there but cannot take writes yet (loading its AOF after a restart, busy script,
                // failover): nothing is lost; the entry stays buffered, the connection is dropped and the
                // usual reconnect + resync (which skips what Redis already holds) carries on after a
                // back-off.
                m_client->disconnect();
                m_connected = false;
                setError("XADD " + d->key + " deferred: " + r->str);
                m_nextAttemptNs = core::monotonicNs() + std::int64_t{m_options.backoffMinMs} * 1'000'000;
                return true;
            }
            if (r->isError()) {
                d->rejected.fetch_add(count, std::memory_order_relaxed);
                setError("XADD " + d->key + " refused: " + r->str);
            } else {
                d->published.fetch_add(count, std::memory_order_relaxed);
                d->entries.fetch_add(1, std::memory_order_relaxed);
            }
            d->queue.pop_front();
            m_buffered.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    return true;
}

void StreamPublisher::run() {
    std::int64_t flushDeadline = 0;
    for (;;) {
        const bool stopping = m_stopRequested.load(std::memory_order_acquire);
        adoptFeeds();
        bool any = false;
        for (const auto& d : m_devices)
            any = pull(*d) || any;
        if (!m_client->connected() && core::monotonicNs() >= m_nextAttemptNs && connect()) {
            for (const auto& d : m_devices)
                if (!d->queue.empty() && !resync(*d)) {
                    m_connected = false;
                    setError("redis " + m_options.url.display() + ": " + m_client->lastError());
                    m_nextAttemptNs = core::monotonicNs() + std::int64_t{m_options.backoffMinMs} * 1'000'000;
                    break;
                }
        }
        if (m_client->connected() && buffered() > 0)
            any = publishBatch() || any;
        for (const auto& d : m_devices)
            if (d->queue.empty())
                retire(*d);
        if (stopping) {
            if (flushDeadline == 0)
                flushDeadline = core::monotonicNs() + std::int64_t{m_options.stopFlushMs} * 1'000'000;
            if (buffered() == 0 || core::monotonicNs() >= flushDeadline)
                break;
        }
        if (!any) {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, kPollInterval, [this] { return !m_incoming.empty(); });
        }
    }
    for (const auto& d : m_devices) {
        for (const auto& p : d->queue)
            d->unpublished.fetch_add(p.block->count, std::memory_order_relaxed);
        m_buffered.fetch_sub(d->queue.size(), std::memory_order_relaxed);
        d->queue.clear();
        retire(*d);
    }
    m_client->disconnect();
    m_connected = false;
}

std::vector<StreamPublisher::DeviceAccounting> StreamPublisher::accounting() const {
    std::lock_guard lock(m_mutex);
    std::vector<DeviceAccounting> out;
    for (const auto& d : m_devices) {
        DeviceAccounting a;
        a.name = d->name;
        a.received = d->retiredOffered;
        a.droppedTapOverflow = d->retiredTapDropped;
        for (const auto& f : d->feeds) {
            a.received += f->counters.offeredSamples.load(std::memory_order_relaxed);
            a.droppedTapOverflow += f->counters.droppedSamples.load(std::memory_order_relaxed);
        }
        a.published = d->published.load(std::memory_order_relaxed);
        a.entries = d->entries.load(std::memory_order_relaxed);
        a.droppedOverflow = d->overflow.load(std::memory_order_relaxed);
        a.droppedRejected = d->rejected.load(std::memory_order_relaxed);
        a.droppedUnpublished = d->unpublished.load(std::memory_order_relaxed);
        out.push_back(std::move(a));
    }
    return out;
}

StreamPublisher::Status StreamPublisher::status() const {
    Status s;
    s.connected = m_connected.load(std::memory_order_relaxed);
    s.connects = m_connects.load(std::memory_order_relaxed);
    s.buffered = m_buffered.load(std::memory_order_relaxed);
    s.resyncSkipped = m_resyncSkipped.load(std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    s.lastError = m_lastError;
    return s;
}

} // namespace vibra::redis
