#include "redis/StreamPublisher.h"

#include "core/Clock.h"
#include "redis/BlockEntry.h"
#include "redis/Client.h"
#include "redis/FeatureEntry.h"
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
    core::SampleBlockPtr block;                   ///< raw mode
    pipeline::StoreItemPtr item;                  ///< features mode: a rollup or an event
    std::shared_ptr<const core::DeviceInfo> info; ///< features mode: rate, axes, unit of the item
    std::uint64_t seq = 0;
    std::uint64_t samples = 0; ///< samples per axis it carries (an event: 0)
    bool isEvent() const { return item && item->event; }
};

struct StreamPublisher::Device {
    explicit Device(std::string n, std::string k)
        : name(std::move(n))
        , key(std::move(k)) {}
    const std::string name;
    const std::string key;

    // publisher thread writes under m_mutex, accounting() reads under m_mutex
    std::vector<pipeline::TapFeedPtr> feeds;
    std::vector<pipeline::FeatureTapPtr> featureFeeds;
    std::uint64_t retiredOffered = 0, retiredTapDropped = 0, retiredEvents = 0, retiredEventsDropped = 0;

    // publisher thread writes, anyone reads
    std::atomic<std::uint64_t> published{0}, entries{0}, overflow{0}, rejected{0}, unpublished{0};
    std::atomic<std::uint64_t> eventsPublished{0}, eventsDropped{0};

    // publisher thread only
    std::deque<Pending> queue;
    std::shared_ptr<const core::DeviceInfo> lastInfo; ///< features mode: of the newest rollup
    std::uint64_t nextSeq = 0;
};

bool StreamPublisher::Options::fromUrl(const RedisUrl& url, Options* out, std::string* error) {
    Options o;
    o.url = url;
    long long maxLen = 0, buffer = 0, batch = 0;
    const std::string mode = url.value("mode", "raw");
    if (mode != "raw" && mode != "features") {
        *error = "--publish mode must be raw or features, got '" + mode + "'";
        return false;
    }
    o.mode = mode == "features" ? Mode::Features : Mode::Raw;
    if (!url.integer("maxlen", o.maxLen, 0, 1'000'000'000, &maxLen, error) ||
        !url.integer("buffer", static_cast<long long>(o.bufferBlocks), 1, 10'000'000, &buffer, error) ||
        !url.integer("batch", static_cast<long long>(o.batch), 1, 10'000, &batch, error))
        return false;
    for (const auto& [k, v] : url.query)
        if (k != "mode" && k != "maxlen" && k != "buffer" && k != "batch" && k != "db") {
            *error = "unknown --publish option '" + k + "' (mode, maxlen, buffer, batch, db)";
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
    , m_client(std::make_unique<Client>())
    , m_backoff(m_options.backoffMinMs, m_options.backoffMaxMs) {
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

void StreamPublisher::addFeatureFeed(pipeline::FeatureTapPtr feed) {
    {
        std::lock_guard lock(m_mutex);
        m_incomingFeatures.push_back(std::move(feed));
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

StreamPublisher::Device& StreamPublisher::deviceFor(const std::string& id) {
    auto it = std::find_if(m_devices.begin(), m_devices.end(), [&](const auto& d) { return d->name == id; });
    if (it != m_devices.end())
        return **it;
    const std::string key = m_options.mode == Mode::Features ? StreamKeys::features(m_options.url.prefix, id)
                                                             : StreamKeys::device(m_options.url.prefix, id);
    m_devices.push_back(std::make_unique<Device>(id, key));
    return *m_devices.back();
}

void StreamPublisher::adoptFeeds() {
    std::lock_guard lock(m_mutex);
    for (auto& feed : m_incoming) {
        auto& feeds = deviceFor(feed->deviceId).feeds;
        if (std::find(feeds.begin(), feeds.end(), feed) == feeds.end())
            feeds.push_back(std::move(feed));
    }
    m_incoming.clear();
    for (auto& feed : m_incomingFeatures) {
        auto& feeds = deviceFor(feed->deviceId).featureFeeds;
        if (std::find(feeds.begin(), feeds.end(), feed) == feeds.end())
            feeds.push_back(std::move(feed));
    }
    m_incomingFeatures.clear();
}

void StreamPublisher::drop(Device& d, const Pending& p, std::atomic<std::uint64_t>& samples) {
    if (p.isEvent())
        d.eventsDropped.fetch_add(1, std::memory_order_relaxed);
    else
        samples.fetch_add(p.samples, std::memory_order_relaxed);
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
            const std::uint64_t n = block->count;
            d.queue.push_back({std::move(block), nullptr, nullptr, d.nextSeq++, n});
            m_buffered.fetch_add(1, std::memory_order_relaxed);
        }
    }
    return any;
}

bool StreamPublisher::pullFeatures(Device& d) {
    bool any = false;
    for (const auto& feed : d.featureFeeds) {
        pipeline::StoreItemPtr item;
        while (feed->ring.tryPop(item)) {
            any = true;
            Pending p;
            p.samples = item->rollup ? item->rollup->samples : 0;
            if (item->rollup && item->rollup->device)
                d.lastInfo = item->rollup->device;
            p.info = d.lastInfo;
            p.item = std::move(item);
            if (!p.info) { // an event before any second of its device: nothing describes it
                drop(d, p, d.rejected);
                continue;
            }
            if (buffered() >= m_options.bufferBlocks) {
                drop(d, p, d.overflow);
                continue;
            }
            p.seq = d.nextSeq++;
            d.queue.push_back(std::move(p));
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
    for (auto it = d.featureFeeds.begin(); it != d.featureFeeds.end();) {
        const auto& f = *it;
        if (f->closed() && f->ring.empty()) {
            d.retiredOffered += f->offeredSamples.load(std::memory_order_relaxed);
            d.retiredTapDropped += f->droppedSamples.load(std::memory_order_relaxed);
            d.retiredEvents += f->offeredEvents.load(std::memory_order_relaxed);
            d.retiredEventsDropped += f->droppedEvents.load(std::memory_order_relaxed);
            it = d.featureFeeds.erase(it);
        } else {
            ++it;
        }
    }
}

namespace {
void countPublished(std::atomic<std::uint64_t>& samples, std::atomic<std::uint64_t>& events,
                    std::atomic<std::uint64_t>& entries, bool event, std::uint64_t n) {
    (event ? events : samples).fetch_add(event ? 1 : n, std::memory_order_relaxed);
    entries.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

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
        m_backoff.failed();
        return false;
    }
    m_backoff.succeeded();
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
        countPublished(d.published, d.eventsPublished, d.entries, d.queue.front().isEvent(),
                       d.queue.front().samples);
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
            const Pending& p = d.queue[i];
            if (p.block)
                BlockEntry::encode(*p.block, m_options.session, p.seq, &fields);
            else
                FeatureEntry::encode(*p.item, *p.info, m_options.session, p.seq, &fields);
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
                m_backoff.retryAfterMs(m_options.backoffMinMs);
                return true;
            }
            const Pending& p = d->queue.front();
            if (r->isError() && transientError(r->str)) {
                // Redis is there but cannot take writes yet (loading its AOF after a restart, busy script,
                // failover): nothing is lost; the entry stays buffered, the connection is dropped and the
                // usual reconnect + resync (which skips what Redis already holds) carries on after a
                // back-off.
                m_client->disconnect();
                m_connected = false;
                setError("XADD " + d->key + " deferred: " + r->str);
                m_backoff.retryAfterMs(m_options.backoffMinMs);
                return true;
            }
            if (r->isError()) {
                drop(*d, p, d->rejected);
                setError("XADD " + d->key + " refused: " + r->str);
            } else {
                countPublished(d->published, d->eventsPublished, d->entries, p.isEvent(), p.samples);
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
        for (const auto& d : m_devices) {
            any = pull(*d) || any;
            any = pullFeatures(*d) || any;
        }
        if (!m_client->connected() && m_backoff.due() && connect()) {
            for (const auto& d : m_devices)
                if (!d->queue.empty() && !resync(*d)) {
                    m_connected = false;
                    setError("redis " + m_options.url.display() + ": " + m_client->lastError());
                    m_backoff.retryAfterMs(m_options.backoffMinMs);
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
            drop(*d, p, d->unpublished);
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
        a.eventsOffered = d->retiredEvents;
        a.eventsDropped = d->retiredEventsDropped;
        for (const auto& f : d->featureFeeds) {
            a.received += f->offeredSamples.load(std::memory_order_relaxed);
            a.droppedTapOverflow += f->droppedSamples.load(std::memory_order_relaxed);
            a.eventsOffered += f->offeredEvents.load(std::memory_order_relaxed);
            a.eventsDropped += f->droppedEvents.load(std::memory_order_relaxed);
        }
        a.eventsPublished = d->eventsPublished.load(std::memory_order_relaxed);
        a.eventsDropped += d->eventsDropped.load(std::memory_order_relaxed);
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
