#include "redis/FeatureConsumer.h"

#include "core/Clock.h"
#include "redis/Client.h"
#include "redis/FeatureEntry.h"
#include "redis/StreamKeys.h"

#include <deque>
#include <set>

namespace vibra::redis {

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr int kStopWaitMs = 2000;
} // namespace

struct FeatureConsumer::Entry {
    std::string id;
    pipeline::StoreItemPtr item;
    std::uint64_t samples = 0;
    std::uint64_t mark = 0; ///< acked once the writer has committed this many transactions
};

struct FeatureConsumer::Stream {
    std::string key, device;
    bool backlogDone = false;
    std::string backlogId = "0";
    pipeline::StoreFeedPtr feed;
    std::map<std::uint64_t, std::shared_ptr<const core::DeviceInfo>> infos; ///< by upstream session
    std::deque<Entry> held;    ///< decoded, waiting for room in the feed
    std::deque<Entry> unacked; ///< in the feed, waiting for their commit
    std::set<std::string> inFlight;
};

FeatureConsumer::FeatureConsumer(StreamConsumer::Options options, Sink sink)
    : m_options(std::move(options))
    , m_sink(std::move(sink))
    , m_client(std::make_unique<Client>()) {}

FeatureConsumer::~FeatureConsumer() {
    m_stopReading = true;
    m_finish = true;
    if (m_thread.joinable())
        m_thread.join();
}

void FeatureConsumer::start() {
    if (!m_thread.joinable())
        m_thread = std::thread([this] { run(); });
}

void FeatureConsumer::requestStop() {
    m_stopReading = true;
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(kStopWaitMs), [this] { return m_feedsClosed; });
}

void FeatureConsumer::finish() {
    m_stopReading = true;
    m_finish = true;
    if (m_thread.joinable())
        m_thread.join();
}

FeatureConsumer::Stats FeatureConsumer::stats() const {
    std::lock_guard lock(m_mutex);
    return m_statsShared;
}

void FeatureConsumer::lost(const std::string& what) {
    {
        std::lock_guard lock(m_mutex);
        m_statsShared.lastError = "redis " + m_options.url.display() + ": " + what;
        m_statsShared.connected = false;
    }
    m_client->disconnect();
    m_backoff.failed();
}

bool FeatureConsumer::ensureConnected() {
    if (m_client->connected())
        return true;
    if (!m_backoff.due())
        return false;
    std::string err;
    if (!m_client->connect(m_options.url, m_options.timeoutMs + m_options.blockMs, &err)) {
        lost(err);
        return false;
    }
    m_backoff.succeeded();
    {
        std::lock_guard lock(m_mutex);
        m_statsShared.connected = true;
    }
    // After a reconnect every stream re-reads its own pending entries first (those not held here).
    for (auto& [key, s] : m_streams)
        s->backlogDone = false, s->backlogId = "0";
    m_nextDiscoverNs = 0;
    return true;
}

void FeatureConsumer::discover() {
    std::string cursor = "0";
    const std::string match = StreamKeys::features(m_options.url.prefix, m_options.match);
    do {
        const auto r = m_client->command({"SCAN", cursor, "MATCH", match, "COUNT", "1000", "TYPE", "stream"});
        if (!r) {
            lost(m_client->lastError());
            return;
        }
        if (!r->isArray() || r->size() != 2)
            return;
        cursor = (*r)[0].str;
        for (const auto& k : (*r)[1].elements) {
            if (m_streams.count(k.str))
                continue;
            const std::string device = StreamKeys::deviceOfFeatures(m_options.url.prefix, k.str);
            if (device.empty())
                continue;
            const auto g = m_client->command({"XGROUP", "CREATE", k.str, m_options.group, "0", "MKSTREAM"});
            if (!g) {
                lost(m_client->lastError());
                return;
            }
            if (g->isError() && g->str.rfind("BUSYGROUP", 0) != 0)
                continue;
            auto s = std::make_unique<Stream>();
            s->key = k.str;
            s->device = device;
            m_streams.emplace(k.str, std::move(s));
        }
    } while (cursor != "0");
    std::lock_guard lock(m_mutex);
    m_statsShared.streams = m_streams.size();
}

void FeatureConsumer::deadLetter(Stream& s, const std::string& id, const Value& fields,
                                 const std::string& reason) {
    const std::string dlq = StreamKeys::deadLetter(m_options.url.prefix, m_options.group);
    std::vector<std::string_view> args{
        "XADD", dlq, "MAXLEN", "~",    "100000",     "*", "stream",   s.key,
        "id",   id,  "reason", reason, "deliveries", "1", "consumer", m_options.consumer};
    for (const auto& f : fields.elements)
        args.emplace_back(f.str);
    if (fields.size() % 2 == 1)
        args.emplace_back("");
    if (!m_client->command(args) || !m_client->command({"XACK", s.key, m_options.group, id})) {
        lost(m_client->lastError());
        return;
    }
    std::lock_guard lock(m_mutex);
    ++m_statsShared.deadLettered;
}

void FeatureConsumer::accept(Stream& s, const std::string& id, const Value& fields) {
    if (s.inFlight.count(id))
        return;              // already held or pushed here (a re-read of the own PEL or a janitor claim)
    if (!fields.isArray()) { // trimmed while pending: nothing to store
        if (!m_client->command({"XACK", s.key, m_options.group, id}))
            lost(m_client->lastError());
        return;
    }
    std::vector<std::pair<std::string_view, std::string_view>> view;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
        view.emplace_back(fields[i].str, fields[i + 1].str);
    FeatureEntry::Decoded d;
    std::string reason;
    if (!FeatureEntry::decode(view, &d, &reason)) {
        deadLetter(s, id, fields, reason);
        return;
    }
    if (d.device != s.device) {
        deadLetter(s, id, fields, "dev '" + d.device + "' does not match the stream's device");
        return;
    }
    auto& info = s.infos[d.session];
    if (!info || info->sampleRate != d.rate || info->axisNames != d.axes || info->unit != d.unit) {
        auto i = std::make_shared<core::DeviceInfo>();
        i->id = s.device;
        i->sourceUri = "redis://" + m_options.url.display() + "/" + s.device + "#features";
        i->sampleRate = d.rate;
        i->axisNames = d.axes;
        i->unit = d.unit;
        i->origin = std::to_string(d.session) + ":features";
        info = std::move(i);
    }
    auto item = std::make_shared<pipeline::StoreItem>();
    item->relayDevice = info;
    item->relaySeq = d.seq;
    std::uint64_t samples = 0;
    if (d.rollup) {
        d.rollup->device = info;
        samples = d.rollup->samples;
        item->rollup = std::move(d.rollup);
    } else {
        item->event = std::move(d.event);
    }
    s.inFlight.insert(id);
    s.held.push_back({id, std::move(item), samples, 0});
}

void FeatureConsumer::handleEntries(Stream& s, const Value& entries) {
    for (const auto& e : entries.elements) {
        if (!e.isArray() || e.size() != 2)
            continue;
        accept(s, e[0].str, e[1]);
        if (!m_client->connected())
            return;
    }
}

void FeatureConsumer::readBacklog(Stream& s) {
    const std::string count = std::to_string(m_options.count);
    const auto r = m_client->command({"XREADGROUP", "GROUP", m_options.group, m_options.consumer, "COUNT",
                                      count, "STREAMS", s.key, s.backlogId});
    if (!r) {
        lost(m_client->lastError());
        return;
    }
    if (r->isError()) { // NOGROUP: the stream was deleted (and recreated)
        m_client->command({"XGROUP", "CREATE", s.key, m_options.group, "0", "MKSTREAM"});
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

void FeatureConsumer::readNew() {
    std::vector<Stream*> ready;
    for (auto& [key, s] : m_streams)
        if (s->backlogDone)
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
    const auto r = m_client->command(args);
    if (!r) {
        lost(m_client->lastError());
        return;
    }
    if (r->isError()) { // NOGROUP after a broker restart without persistence
        for (auto* s : ready)
            m_client->command({"XGROUP", "CREATE", s->key, m_options.group, "0", "MKSTREAM"});
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

void FeatureConsumer::push(Stream& s) {
    if (s.held.empty())
        return;
    if (!s.feed) {
        s.feed = std::make_shared<pipeline::StoreFeed>(
            s.device, "redis://" + m_options.url.display() + "/" + s.device + "#features",
            std::make_shared<core::DeviceCounters>());
        m_sink.attach(s.feed);
    }
    auto& counters = *s.feed->counters;
    std::uint64_t rollups = 0, events = 0, samples = 0;
    while (!s.held.empty()) {
        Entry& e = s.held.front();
        if (!s.feed->ring.tryPush(e.item))
            break; // the writer is behind: keep it held (reading pauses when the hold is full)
        // received = processed: a relayed rollup has no samples to process here; the writer adds stored
        counters.samplesReceived.fetch_add(e.samples, std::memory_order_relaxed);
        counters.samplesProcessed.fetch_add(e.samples, std::memory_order_relaxed);
        e.mark = m_sink.commits() + 2;
        (e.item->rollup ? rollups : events) += 1;
        samples += e.samples;
        e.item.reset();
        s.unacked.push_back(std::move(e));
        s.held.pop_front();
    }
    std::lock_guard lock(m_mutex);
    m_statsShared.rollups += rollups;
    m_statsShared.events += events;
    m_statsShared.samples += samples;
}

void FeatureConsumer::ack(Stream& s, bool all) {
    if (s.unacked.empty() || m_sink.failed())
        return;
    const std::uint64_t committed = m_sink.commits();
    std::vector<std::string> ids;
    while (!s.unacked.empty() && (all || s.unacked.front().mark <= committed)) {
        ids.push_back(s.unacked.front().id);
        s.unacked.pop_front();
    }
    if (ids.empty())
        return;
    std::vector<std::string_view> args{"XACK", s.key, m_options.group};
    args.insert(args.end(), ids.begin(), ids.end());
    if (!m_client->command(args)) {
        lost(m_client->lastError()); // they stay pending and come back (the ledger absorbs them)
        return;
    }
    for (const auto& id : ids)
        s.inFlight.erase(id);
    std::lock_guard lock(m_mutex);
    m_statsShared.acked += ids.size();
}

void FeatureConsumer::janitor() {
    const std::string idle = std::to_string(m_options.claimIdleMs);
    for (auto& [key, sp] : m_streams) {
        std::string cursor = "0-0";
        do {
            const auto r = m_client->command(
                {"XAUTOCLAIM", key, m_options.group, m_options.consumer, idle, cursor, "COUNT", "100"});
            if (!r) {
                lost(m_client->lastError());
                return;
            }
            if (!r->isArray() || r->size() < 2)
                break;
            cursor = (*r)[0].str;
            std::uint64_t claimed = 0;
            for (const auto& e : (*r)[1].elements)
                claimed += e.isArray() && e.size() == 2 && !sp->inFlight.count(e[0].str) ? 1 : 0;
            {
                std::lock_guard lock(m_mutex);
                m_statsShared.claimed += claimed;
            }
            handleEntries(*sp, (*r)[1]);
        } while (cursor != "0-0" && m_client->connected());
    }
}

std::size_t FeatureConsumer::held() const {
    std::size_t n = 0;
    for (const auto& [key, s] : m_streams)
        n += s->held.size();
    return n;
}

void FeatureConsumer::closeFeeds() {
    for (auto& [key, s] : m_streams)
        if (s->feed)
            s->feed->close();
    {
        std::lock_guard lock(m_mutex);
        m_feedsClosed = true;
    }
    m_cv.notify_all();
}

void FeatureConsumer::run() {
    bool closed = false;
    std::int64_t finishDeadline = 0;
    for (;;) {
        const std::int64_t now = core::monotonicNs();
        if (m_stopReading && !closed) {
            closeFeeds(); // nothing more is pushed: the writer's final drain takes the rest
            closed = true;
        }
        if (m_finish) {
            if (finishDeadline == 0)
                finishDeadline = now + m_options.finishMs * kMs;
            // The writer has stopped: its final commit holds everything pushed (unless it failed).
            bool waiting = false;
            if (ensureConnected())
                for (auto& [key, s] : m_streams) {
                    ack(*s, true);
                    waiting = waiting || (!s->unacked.empty() && !m_sink.failed());
                }
            else
                waiting = true;
            if (!waiting || m_sink.failed() || now >= finishDeadline)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        if (!ensureConnected()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        for (auto& [key, s] : m_streams) {
            if (!closed)
                push(*s);
            ack(*s, false);
        }
        if (closed || !m_client->connected()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        if (now >= m_nextDiscoverNs) {
            discover();
            m_nextDiscoverNs = now + m_options.discoverMs * kMs;
        }
        if (now >= m_nextJanitorNs && m_client->connected()) {
            janitor();
            m_nextJanitorNs = now + m_options.janitorMs * kMs;
        }
        if (held() >= m_options.maxHeld) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5)); // the writer is behind
            continue;
        }
        bool backlog = false;
        for (auto& [key, s] : m_streams)
            if (!s->backlogDone && m_client->connected()) {
                readBacklog(*s);
                backlog = true;
            }
        if (!backlog && m_client->connected()) {
            if (m_streams.empty())
                std::this_thread::sleep_for(std::chrono::milliseconds(m_options.blockMs));
            else
                readNew();
        }
    }
    if (!closed)
        closeFeeds();
    m_client->disconnect();
    std::lock_guard lock(m_mutex);
    m_statsShared.connected = false;
}

} // namespace vibra::redis
