#include "redis/StreamConsumer.h"

#include "core/Clock.h"
#include "pipeline/ChannelCore.h"
#include "redis/BlockEntry.h"
#include "redis/Client.h"
#include "redis/StreamKeys.h"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <set>

namespace vibra::redis {

namespace {
constexpr std::int64_t kMs = 1'000'000;

std::string hostName() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0)
        return "vibrascope";
    return buf;
}

/// The device id of a stream key `PREFIX:{dev:ID}`, or "" if the key does not have that shape.
std::string deviceOfKey(const std::string& prefix, const std::string& key) {
    const std::string head = prefix + ":{dev:";
    if (key.size() <= head.size() + 1 || key.compare(0, head.size(), head) != 0 || key.back() != '}')
        return {};
    return key.substr(head.size(), key.size() - head.size() - 1);
}

/// Samples of a device the writer has finished with: committed, or found already stored (raw overlap or the
/// relay ledger). Entries up to this point may be acknowledged.
std::uint64_t accountedSamples(const core::DeviceCounters& c) {
    return c.samplesStored.load() +
           c.samplesDropped[static_cast<std::size_t>(core::DropReason::Duplicate)].load() +
           c.samplesDropped[static_cast<std::size_t>(core::DropReason::AlreadyStored)].load();
}

bool validName(const std::string& s) {
    if (s.empty() || s.size() > 128)
        return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) > 0x20 && c != 0x7f; });
}
} // namespace

struct StreamConsumer::Entry {
    std::string id;
    core::MutableBlockPtr block; ///< null: nothing to deliver (already accounted), ack with the previous
    std::uint64_t end = 0;       ///< cumulative delivered samples once this entry is delivered
};

struct StreamConsumer::Stream {
    std::string key, device;
    bool backlogDone = false;
    std::string backlogId = "0";
    bool requested = false;
    bool refused = false; ///< the owner gave no channel: the stream is not read
    std::shared_ptr<pipeline::ChannelCore> core;
    std::uint64_t baseline = 0;  ///< accounted samples of the core when it was provided
    std::uint64_t delivered = 0; ///< samples delivered by this consumer
    struct Session {
        std::shared_ptr<const core::DeviceInfo> info;
        std::uint64_t offset = 0;
    };
    std::map<std::uint64_t, Session> sessions;
    std::deque<Entry> held;    ///< decoded, waiting for the channel or room in its queue
    std::deque<Entry> unacked; ///< delivered, waiting for their commit
    /// Done with, not acked yet: found stored (not delivered), or committed but the XACK failed (retried
    /// after the reconnect; they stay in inFlight so a re-read of the PEL does not deliver them again).
    std::vector<std::string> ackLater;
    std::set<std::string> inFlight, deferred;
    StreamStats stats;
    /// Lease state (Options::leaseMs > 0): only Owned streams are read; Releasing ones deliver what they
    /// hold and wait for its acks before the lease is deleted.
    enum class Lease { None, Owned, Releasing } lease = Lease::None;
    std::int64_t releaseDeadlineNs = 0;
    std::size_t rank = 0; ///< this consumer's preference order over streams (spreads first acquisitions)
    bool reading() const { return lease == Lease::Owned && !refused; }
};

bool StreamConsumer::Options::fromUrl(const RedisUrl& url, Options* out, std::string* error) {
    Options o;
    o.url = url;
    o.group = url.value("group", o.group);
    o.consumer = url.value("consumer", hostName());
    o.match = url.value("match", o.match);
    long long idle = 0, deliveries = 0, count = 0, lease = 0;
    if (!url.integer("claim_idle_ms", o.claimIdleMs, 100, 86'400'000, &idle, error) ||
        !url.integer("lease_ms", o.leaseMs, 0, 3'600'000, &lease, error) ||
        !url.integer("max_deliveries", o.maxDeliveries, 1, 1000, &deliveries, error) ||
        !url.integer("count", static_cast<long long>(o.count), 1, 10'000, &count, error))
        return false;
    for (const auto& [k, v] : url.query)
        if (k != "group" && k != "consumer" && k != "match" && k != "claim_idle_ms" &&
            k != "max_deliveries" && k != "count" && k != "lease_ms" && k != "db") {
            *error = "unknown --consume option '" + k +
                     "' (group, consumer, match, claim_idle_ms, max_deliveries, count, lease_ms, db)";
            return false;
        }
    if (!validName(o.group) || !validName(o.consumer)) {
        *error = "group and consumer names must be 1..128 printable characters without spaces";
        return false;
    }
    if (lease > 0 && lease < 300) {
        *error = "lease_ms must be 0 (no leases) or at least 300";
        return false;
    }
    o.leaseMs = static_cast<int>(lease);
    o.claimIdleMs = static_cast<int>(idle);
    o.maxDeliveries = static_cast<int>(deliveries);
    o.count = static_cast<std::size_t>(count);
    *out = std::move(o);
    return true;
}

StreamConsumer::StreamConsumer(Options options, DeviceRequest request)
    : m_options(std::move(options))
    , m_request(std::move(request))
    , m_read(std::make_unique<Client>())
    , m_ctl(std::make_unique<Client>())
    , m_leases(m_options.url.prefix, m_options.group,
               m_options.consumer.empty() ? hostName() : m_options.consumer, m_options.match,
               m_options.leaseMs) {
    if (m_options.consumer.empty())
        m_options.consumer = hostName();
}

StreamConsumer::~StreamConsumer() {
    requestStop();
    m_finish = true;
    if (m_thread.joinable())
        m_thread.join();
}

void StreamConsumer::provide(const std::string& deviceId, std::shared_ptr<pipeline::ChannelCore> core) {
    std::lock_guard lock(m_mutex);
    m_provided[deviceId] = std::move(core);
}

void StreamConsumer::start() {
    if (!m_thread.joinable())
        m_thread = std::thread([this] { run(); });
}

void StreamConsumer::requestStop() {
    m_stopReading = true;
}

void StreamConsumer::finish() {
    requestStop();
    m_finish = true;
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

void StreamConsumer::lost(const std::string& what) {
    {
        std::lock_guard lock(m_mutex);
        m_lastError = "redis " + m_options.url.display() + ": " + what;
    }
    m_read->disconnect();
    m_ctl->disconnect();
    m_connected = false;
    m_backoff.failed();
}

bool StreamConsumer::ensureConnected() {
    if (m_read->connected() && m_ctl->connected())
        return true;
    if (!m_backoff.due())
        return false;
    std::string err;
    if (!m_read->connect(m_options.url, m_options.timeoutMs + m_options.blockMs, &err) ||
        !m_ctl->connect(m_options.url, m_options.timeoutMs, &err)) {
        lost(err);
        return false;
    }
    m_backoff.succeeded();
    m_connected = true;
    m_connects.fetch_add(1, std::memory_order_relaxed);
    // After a reconnect every stream re-reads its own pending entries first (those not in flight here).
    for (auto& [key, s] : m_streams)
        if (!s->refused)
            s->backlogDone = false, s->backlogId = "0";
    m_nextDiscoverNs = 0;
    m_nextLeaseNs = 0;
    return true;
}

void StreamConsumer::discover() {
    std::string cursor = "0";
    const std::string pattern = StreamKeys::devicePattern(m_options.url.prefix);
    const std::string match = m_options.url.prefix + ":{dev:" + m_options.match + "}";
    do {
        const auto r = m_ctl->command({"SCAN", cursor, "MATCH", match, "COUNT", "1000", "TYPE", "stream"});
        if (!r) {
            lost(m_ctl->lastError());
            return;
        }
        if (!r->isArray() || r->size() != 2)
            return;
        cursor = (*r)[0].str;
        for (const auto& k : (*r)[1].elements) {
            if (m_streams.count(k.str))
                continue;
            const std::string device = deviceOfKey(m_options.url.prefix, k.str);
            if (device.empty())
                continue;
            const auto g = m_ctl->command({"XGROUP", "CREATE", k.str, m_options.group, "0", "MKSTREAM"});
            if (!g) {
                lost(m_ctl->lastError());
                return;
            }
            if (g->isError() && g->str.rfind("BUSYGROUP", 0) != 0)
                continue; // e.g. not a stream after all
            auto s = std::make_unique<Stream>();
            s->key = k.str;
            s->device = device;
            s->stats.key = k.str;
            s->stats.device = device;
            s->rank = std::hash<std::string>{}(m_options.consumer + "\n" + k.str);
            if (m_options.leaseMs <= 0)
                s->lease = Stream::Lease::Owned, s->stats.owned = true;
            else
                m_nextLeaseNs = 0; // a new stream: share it out at once
            m_streams.emplace(k.str, std::move(s));
        }
    } while (cursor != "0");
    (void)pattern;
}

void StreamConsumer::adoptProvided() {
    std::lock_guard lock(m_mutex);
    for (auto& [key, s] : m_streams) {
        if (s->core || !s->requested || s->refused)
            continue;
        const auto it = m_provided.find(s->device);
        if (it == m_provided.end())
            continue;
        if (!it->second) {
            // Refused by the owner (e.g. a local device of that name): its entries stay pending in Redis
            // for another consumer; this one stops reading the stream so the hold does not fill up.
            s->refused = true;
            s->held.clear();
            s->inFlight.clear();
            s->backlogDone = true;
            continue;
        }
        s->core = it->second;
        s->baseline = accountedSamples(*s->core->counters());
    }
}

std::size_t StreamConsumer::held() const {
    std::size_t n = 0;
    for (const auto& [key, s] : m_streams)
        n += s->held.size();
    return n;
}

void StreamConsumer::deadLetter(Stream& s, const std::string& id, const Value* fields,
                                const std::string& reason, long long deliveries) {
    const std::string dlq = StreamKeys::deadLetter(m_options.url.prefix, m_options.group);
    const std::string n = std::to_string(deliveries);
    std::vector<std::string_view> args{
        "XADD", dlq, "MAXLEN", "~",    "100000",     "*", "stream",   s.key,
        "id",   id,  "reason", reason, "deliveries", n,   "consumer", m_options.consumer};
    if (fields)
        for (const auto& f : fields->elements)
            args.emplace_back(f.str);
    if (fields && fields->size() % 2 == 1)
        args.emplace_back("");
    const auto r = m_ctl->command(args);
    if (!r) {
        lost(m_ctl->lastError());
        return;
    }
    const auto a = m_ctl->command({"XACK", s.key, m_options.group, id});
    if (!a) {
        lost(m_ctl->lastError());
        return;
    }
    ++s.stats.deadLettered;
    publishStats(s);
}

void StreamConsumer::accept(Stream& s, const std::string& id, const Value& fields) {
    if (s.inFlight.count(id) || s.deferred.count(id))
        return;              // already held or delivered here (a re-read of the own PEL or a janitor claim)
    if (!fields.isArray()) { // the entry was trimmed while pending
        m_trimmed.fetch_add(1, std::memory_order_relaxed);
        if (!m_ctl->command({"XACK", s.key, m_options.group, id}))
            lost(m_ctl->lastError());
        return;
    }
    std::vector<std::pair<std::string_view, std::string_view>> view;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        view.emplace_back(fields[i].str, fields[i + 1].str);
    BlockEntry::Decoded d;
    std::string reason;
    if (!BlockEntry::decode(view, &d, &reason)) {
        deadLetter(s, id, &fields, reason, 1);
        return;
    }
    if (d.device != s.device) {
        deadLetter(s, id, &fields, "dev '" + d.device + "' does not match the stream's device", 1);
        return;
    }
    auto& sess = s.sessions[d.session];
    if (!sess.info || sess.info->sampleRate != d.rate || sess.info->axisNames != d.axes ||
        sess.info->unit != d.unit) {
        auto info = std::make_shared<core::DeviceInfo>();
        info->id = s.device;
        info->sourceUri = "redis://" + m_options.url.display() + "/" + s.device;
        info->sampleRate = d.rate;
        info->axisNames = d.axes;
        info->unit = d.unit;
        info->origin = std::to_string(d.session);
        if (!sess.info) {
            // A new upstream session continues after what this consumer delivered (the edge restarted
            // its sample count); the relay ledger keeps (session, seq) for idempotence.
            std::uint64_t next = s.delivered > 0 && s.core ? s.core->outlet().nextSample() : 0;
            for (const auto& e : s.held)
                if (e.block)
                    next = std::max<std::uint64_t>(next, e.block->firstSample + e.block->count);
            sess.offset = next > d.first ? next - d.first : 0;
        }
        sess.info = std::move(info);
    }
    auto b = std::make_shared<core::SampleBlock>();
    b->device = sess.info;
    b->sequence = d.seq;
    b->firstSample = d.first + sess.offset;
    b->startTimeNs = d.t0;
    b->count = d.count;
    b->data = std::move(d.planar);
    s.inFlight.insert(id);
    s.held.push_back({id, std::move(b), 0});
    if (!s.requested && m_request) {
        s.requested = true;
        m_request(s.device, "redis://" + m_options.url.display() + "/" + s.device);
    }
}

void StreamConsumer::handleEntries(Stream& s, const Value& entries) {
    for (const auto& e : entries.elements) {
        if (!e.isArray() || e.size() != 2)
            continue;
        accept(s, e[0].str, e[1]);
        if (!m_read->connected() || !m_ctl->connected())
            return;
    }
}

void StreamConsumer::readBacklog(Stream& s) {
    const std::string count = std::to_string(m_options.count);
    const auto r = m_read->command({"XREADGROUP", "GROUP", m_options.group, m_options.consumer, "COUNT",
                                    count, "STREAMS", s.key, s.backlogId});
    if (!r) {
        lost(m_read->lastError());
        return;
    }
    if (r->isError()) { // NOGROUP: the stream was deleted (and recreated): create the group again
        m_ctl->command({"XGROUP", "CREATE", s.key, m_options.group, "0", "MKSTREAM"});
        return;
    }
    if (!r->isArray() || r->size() == 0 || (*r)[0].size() != 2 || (*r)[0][1].size() == 0) {
        s.backlogDone = true;
        return;
    }
    const Value& entries = (*r)[0][1];
    s.backlogId = entries.elements.back()[0].str;
    handleEntries(s, entries);
}

void StreamConsumer::readNew() {
    std::vector<Stream*> ready;
    for (auto& [key, s] : m_streams)
        if (s->backlogDone && s->reading())
            ready.push_back(s.get());
    if (ready.empty())
        return;
    const std::string count = std::to_string(m_options.count), block = std::to_string(m_options.blockMs);
    std::vector<std::string_view> args{"XREADGROUP", "GROUP", m_options.group, m_options.consumer, "COUNT",
                                       count,        "BLOCK", block,           "STREAMS"};
    for (const auto* s : ready)
        args.emplace_back(s->key);
    for (std::size_t i = 0; i < ready.size(); ++i)
        args.emplace_back(">");
    const auto r = m_read->command(args);
    if (!r) {
        lost(m_read->lastError());
        return;
    }
    if (r->isError()) { // NOGROUP after a broker restart without persistence: rediscover
        for (auto* s : ready)
            m_ctl->command({"XGROUP", "CREATE", s->key, m_options.group, "0", "MKSTREAM"});
        return;
    }
    if (!r->isArray())
        return; // timeout
    for (const auto& st : r->elements) {
        if (!st.isArray() || st.size() != 2)
            continue;
        const auto it = m_streams.find(st[0].str);
        if (it != m_streams.end())
            handleEntries(*it->second, st[1]);
    }
}

void StreamConsumer::deliverHeld(Stream& s) {
    if (!s.core)
        return;
    auto& outlet = s.core->outlet();
    while (!s.held.empty()) {
        Entry& e = s.held.front();
        if (e.block && s.delivered == 0 && m_storedCheck && e.block->device &&
            m_storedCheck(s.device, e.block->device->origin, e.block->sequence)) {
            // Stored before (a crash between commit and XACK, or a dead owner's): account it as the writer
            // would (received, processed, then dropped{already_stored}) and ack it here. The baseline moves
            // with it, so it never counts towards another entry's acknowledgement.
            const std::uint32_t n = e.block->count;
            auto& c = *s.core->counters();
            c.samplesReceived.fetch_add(n, std::memory_order_relaxed);
            c.samplesProcessed.fetch_add(n, std::memory_order_relaxed);
            c.frames.fetch_add(1, std::memory_order_relaxed);
            c.addDropped(core::DropReason::AlreadyStored, n, 1);
            s.baseline += n;
            ++s.stats.alreadyStored;
            s.ackLater.push_back(e.id);
            s.held.pop_front();
            continue;
        }
        if (e.block) {
            const bool started = s.delivered > 0;
            if (started && e.block->firstSample < outlet.nextSample()) {
                // Older than what this device already got (a reclaimed entry): leave it pending; the next
                // start reads it first.
                s.inFlight.erase(e.id);
                s.deferred.insert(e.id);
                ++s.stats.deferred;
                s.held.pop_front();
                continue;
            }
            if (!outlet.hasRoom(e.block->count))
                return;
            const std::uint32_t n = e.block->count;
            if (!outlet.deliver(std::move(e.block)))
                return; // cannot happen (single producer, room checked); retried entries stay pending
            s.delivered += n;
            ++s.stats.entries;
            s.stats.samples += n;
        }
        e.end = s.delivered;
        s.unacked.push_back(std::move(e));
        s.held.pop_front();
    }
}

void StreamConsumer::ackCommitted(Stream& s) {
    if (!s.core || (s.unacked.empty() && s.ackLater.empty()))
        return;
    const auto& c = *s.core->counters();
    const std::uint64_t accounted = accountedSamples(c) - s.baseline;
    while (!s.unacked.empty() && s.unacked.front().end <= accounted) {
        s.ackLater.push_back(s.unacked.front().id);
        s.unacked.pop_front();
    }
    if (s.ackLater.empty() || !m_ctl->connected())
        return;
    std::vector<std::string_view> args{"XACK", s.key, m_options.group};
    args.insert(args.end(), s.ackLater.begin(), s.ackLater.end());
    const auto r = m_ctl->command(args);
    if (!r) {
        // Not acked: kept for the next XACK after the reconnect (a restart would re-read them instead, and
        // the relay ledger absorbs them).
        lost(m_ctl->lastError());
        return;
    }
    for (const auto& id : s.ackLater)
        s.inFlight.erase(id);
    s.stats.acked += s.ackLater.size();
    s.ackLater.clear();
    publishStats(s);
}

bool StreamConsumer::dropOverDelivered(Stream& s, const std::string& idle) {
    // Entries delivered too often (every consumer failed on them) go to the dead-letter stream.
    const auto p = m_ctl->command({"XPENDING", s.key, m_options.group, "IDLE", idle, "-", "+", "100"});
    if (!p) {
        lost(m_ctl->lastError());
        return false;
    }
    if (!p->isArray())
        return true;
    for (const auto& e : p->elements) {
        if (!e.isArray() || e.size() != 4 || s.inFlight.count(e[0].str) || s.deferred.count(e[0].str) ||
            e[3].integer <= m_options.maxDeliveries)
            continue;
        const auto f = m_ctl->command({"XRANGE", s.key, e[0].str, e[0].str});
        if (!f) {
            lost(m_ctl->lastError());
            return false;
        }
        const Value* fields = f->isArray() && f->size() == 1 ? &(*f)[0][1] : nullptr;
        deadLetter(s, e[0].str, fields,
                   "delivered " + std::to_string(e[3].integer) + " times without being stored", e[3].integer);
        if (!m_ctl->connected())
            return false;
    }
    return true;
}

void StreamConsumer::janitor() {
    const std::string idle = std::to_string(m_options.claimIdleMs);
    for (auto& [key, sp] : m_streams) {
        Stream& s = *sp;
        if (!s.reading())
            continue;
        if (!dropOverDelivered(s, idle))
            return;
        // A dead consumer's entries (idle too long) become ours.
        std::string cursor = "0-0";
        do {
            const auto r = m_ctl->command(
                {"XAUTOCLAIM", s.key, m_options.group, m_options.consumer, idle, cursor, "COUNT", "100"});
            if (!r) {
                lost(m_ctl->lastError());
                return;
            }
            if (!r->isArray() || r->size() < 2)
                break;
            cursor = (*r)[0].str;
            for (const auto& e : (*r)[1].elements)
                if (e.isArray() && e.size() == 2 && !s.inFlight.count(e[0].str) &&
                    !s.deferred.count(e[0].str))
                    m_claimed.fetch_add(1, std::memory_order_relaxed);
            handleEntries(s, (*r)[1]);
            if (r->size() >= 3)
                m_trimmed.fetch_add((*r)[2].size(), std::memory_order_relaxed);
        } while (cursor != "0-0" && m_ctl->connected());
    }
}

void StreamConsumer::leases(std::int64_t now) {
    const std::size_t members = m_leases.heartbeat(*m_ctl);
    if (members == 0) {
        lost("membership heartbeat failed: " + m_ctl->lastError());
        return;
    }
    m_members = members;
    std::size_t owned = 0, eligible = 0;
    std::vector<Stream*> order;
    for (auto& [key, sp] : m_streams) {
        Stream& s = *sp;
        if (!s.refused) {
            ++eligible;
            order.push_back(&s);
        }
        if (s.lease == Stream::Lease::None)
            continue;
        const auto r = m_leases.acquire(*m_ctl, s.device); // renew
        if (r == DeviceLeases::Result::Failed) {
            if (!m_ctl->connected()) {
                lost(m_ctl->lastError());
                return;
            }
            continue;
        }
        if (r == DeviceLeases::Result::Busy) {
            giveBack(s, true); // expired while this consumer stalled: another one reads it now
            continue;
        }
        if (s.lease == Stream::Lease::Owned && s.refused)
            s.lease = Stream::Lease::Releasing, s.releaseDeadlineNs = now;
        else if (s.lease == Stream::Lease::Owned)
            ++owned;
    }
    if (m_stopReading)
        return; // stopping: renew only
    const std::size_t target = DeviceLeases::fairShare(eligible, members);
    std::sort(order.begin(), order.end(), [](const Stream* a, const Stream* b) { return a->rank < b->rank; });
    if (owned > target) {
        // More than the fair share (another consumer joined): give back the least preferred, cleanly.
        for (auto it = order.rbegin(); it != order.rend() && owned > target; ++it)
            if ((*it)->lease == Stream::Lease::Owned) {
                (*it)->lease = Stream::Lease::Releasing;
                (*it)->releaseDeadlineNs = now + m_options.leaseMs * kMs;
                --owned;
            }
        return;
    }
    for (Stream* s : order) {
        if (owned >= target)
            break;
        if (s->lease != Stream::Lease::None)
            continue;
        const auto r = m_leases.acquire(*m_ctl, s->device);
        if (r == DeviceLeases::Result::Failed && !m_ctl->connected()) {
            lost(m_ctl->lastError());
            return;
        }
        if (r != DeviceLeases::Result::Acquired && r != DeviceLeases::Result::Renewed)
            continue;
        if (!takeOver(*s))
            return;
        ++owned;
    }
}

bool StreamConsumer::takeOver(Stream& s) {
    // Whatever is still pending in the group for this stream belongs to a previous owner (dead, or gone
    // without acking): claim it at once (storage is idempotent) and read it first, in order, from the own
    // PEL.
    std::string cursor = "0-0";
    std::uint64_t claimed = 0;
    do {
        const auto r = m_ctl->command({"XAUTOCLAIM", s.key, m_options.group, m_options.consumer, "0", cursor,
                                       "COUNT", "1000", "JUSTID"});
        if (!r) {
            lost(m_ctl->lastError());
            return false;
        }
        if (!r->isArray() || r->size() < 2)
            break; // NOGROUP: created again by the first read
        cursor = (*r)[0].str;
        for (const auto& id : (*r)[1].elements)
            if (!s.inFlight.count(id.str))
                ++claimed;
        if (r->size() >= 3)
            m_trimmed.fetch_add((*r)[2].size(), std::memory_order_relaxed);
    } while (cursor != "0-0");
    m_claimed.fetch_add(claimed, std::memory_order_relaxed);
    if (!dropOverDelivered(s, "0"))
        return false;
    m_taken.fetch_add(1, std::memory_order_relaxed);
    s.lease = Stream::Lease::Owned;
    s.backlogDone = false;
    s.backlogId = "0";
    s.stats.owned = true;
    publishStats(s);
    return true;
}

void StreamConsumer::giveBack(Stream& s, bool lostLease) {
    if (!lostLease && !m_leases.release(*m_ctl, s.device)) {
        lost(m_ctl->lastError()); // still Releasing: retried after the reconnect
        return;
    }
    // Held entries stay pending in Redis (the next owner claims them); delivered ones are acked after their
    // commit as usual (an ack after a new owner claimed them is harmless: the relay ledger has them).
    for (const auto& e : s.held)
        s.inFlight.erase(e.id);
    s.held.clear();
    s.deferred.clear();
    s.lease = Stream::Lease::None;
    s.backlogDone = false;
    s.backlogId = "0";
    s.stats.owned = false;
    (lostLease ? m_lost : m_released).fetch_add(1, std::memory_order_relaxed);
    publishStats(s);
}

void StreamConsumer::releaseAll() {
    for (auto& [key, s] : m_streams)
        if (s->lease != Stream::Lease::None && m_ctl->connected())
            giveBack(*s, false);
    if (m_ctl->connected())
        m_leases.leave(*m_ctl);
}

void StreamConsumer::refreshStats() {
    for (auto& [key, sp] : m_streams) {
        const auto r = m_ctl->command({"XINFO", "GROUPS", key});
        if (!r) {
            lost(m_ctl->lastError());
            return;
        }
        if (!r->isArray())
            continue;
        for (const auto& g : r->elements) {
            std::string name;
            long long pending = -1, lag = -1;
            for (std::size_t i = 0; i + 1 < g.size(); i += 2) {
                if (g[i].str == "name")
                    name = g[i + 1].str;
                else if (g[i].str == "pending")
                    pending = g[i + 1].integer;
                else if (g[i].str == "lag")
                    lag = g[i + 1].isNil() ? -1 : g[i + 1].integer;
            }
            if (name == m_options.group) {
                sp->stats.pending = pending;
                sp->stats.lag = lag;
            }
        }
        publishStats(*sp);
    }
}

void StreamConsumer::publishStats(const Stream& s) {
    std::lock_guard lock(m_mutex);
    m_streamStats[s.key] = s.stats;
}

void StreamConsumer::run() {
    std::int64_t finishDeadline = 0;
    for (;;) {
        const std::int64_t now = core::monotonicNs();
        const bool finishing = m_finish.load(std::memory_order_acquire);
        if (finishing && finishDeadline == 0)
            finishDeadline = now + m_options.finishMs * kMs;
        if (!ensureConnected()) {
            if (finishing)
                break;
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(20));
            continue;
        }
        adoptProvided();
        bool waiting = false;
        for (auto& [key, s] : m_streams) {
            if (!m_stopReading)
                deliverHeld(*s);
            ackCommitted(*s);
            waiting = waiting || !s->unacked.empty() || !s->ackLater.empty();
        }
        if (finishing && (!waiting || now >= finishDeadline))
            break;
        if (m_options.leaseMs > 0 && m_ctl->connected()) {
            if (now >= m_nextLeaseNs) {
                leases(now);
                m_nextLeaseNs = now + m_options.leaseMs / 3 * kMs;
            }
            for (auto& [key, s] : m_streams)
                if (s->lease == Stream::Lease::Releasing && m_ctl->connected() &&
                    ((s->held.empty() && s->unacked.empty() && s->ackLater.empty()) ||
                     now >= s->releaseDeadlineNs))
                    giveBack(*s, false);
        }
        if (m_stopReading) {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(10));
            continue;
        }
        if (now >= m_nextDiscoverNs) {
            discover();
            m_nextDiscoverNs = now + m_options.discoverMs * kMs;
        }
        if (now >= m_nextStatsNs && m_ctl->connected()) {
            refreshStats();
            m_nextStatsNs = now + 1000 * kMs;
        }
        if (now >= m_nextJanitorNs && m_ctl->connected()) {
            janitor();
            m_nextJanitorNs = now + m_options.janitorMs * kMs;
        }
        if (held() >= m_options.maxHeld || !m_read->connected()) {
            std::unique_lock lock(m_mutex); // back-pressure: the engine is behind; read nothing new
            m_wake.wait_for(lock, std::chrono::milliseconds(5));
            continue;
        }
        bool backlog = false;
        for (auto& [key, s] : m_streams)
            if (!s->backlogDone && s->reading() && m_read->connected()) {
                readBacklog(*s);
                backlog = true;
            }
        if (!backlog && m_read->connected()) {
            if (m_streams.empty()) {
                std::unique_lock lock(m_mutex);
                m_wake.wait_for(lock, std::chrono::milliseconds(m_options.blockMs));
            } else {
                readNew();
            }
        }
    }
    if (m_options.leaseMs > 0)
        releaseAll(); // the others take these devices at their next tick instead of after leaseMs
    m_read->disconnect();
    m_ctl->disconnect();
    m_connected = false;
}

StreamConsumer::Stats StreamConsumer::stats() const {
    Stats st;
    st.connected = m_connected.load(std::memory_order_relaxed);
    st.connects = m_connects.load(std::memory_order_relaxed);
    st.claimed = m_claimed.load(std::memory_order_relaxed);
    st.trimmedPending = m_trimmed.load(std::memory_order_relaxed);
    st.members = m_members.load(std::memory_order_relaxed);
    st.leasesTaken = m_taken.load(std::memory_order_relaxed);
    st.leasesReleased = m_released.load(std::memory_order_relaxed);
    st.leasesLost = m_lost.load(std::memory_order_relaxed);
    std::lock_guard lock(m_mutex);
    st.lastError = m_lastError;
    st.streams = m_streamStats.size();
    for (const auto& [key, s] : m_streamStats) {
        st.entries += s.entries;
        st.acked += s.acked;
        st.deadLettered += s.deadLettered;
        st.owned += s.owned ? 1 : 0;
        st.lag += std::max(0LL, s.lag);
        st.pending += std::max(0LL, s.pending);
    }
    return st;
}

std::vector<StreamConsumer::StreamStats> StreamConsumer::streams() const {
    std::lock_guard lock(m_mutex);
    std::vector<StreamStats> out;
    for (const auto& [key, s] : m_streamStats)
        out.push_back(s);
    return out;
}

} // namespace vibra::redis
