#include "recording/Recorder.h"

#include "core/Clock.h"
#include "pipeline/Pipeline.h"
#include "redis/StreamKeys.h"

#include <chrono>

namespace vibra::recording {

namespace {
constexpr std::int64_t kCloseTimeoutNs = 30 * core::kSecondNs;

std::vector<storage::PublishCounts> publishCounts(const redis::StreamPublisher& p) {
    const bool features = p.options().mode == redis::StreamPublisher::Mode::Features;
    const std::string origin = std::to_string(p.session()) + (features ? ":features" : "");
    std::vector<storage::PublishCounts> out;
    for (const auto& a : p.accounting()) {
        storage::PublishCounts c;
        c.device = a.name;
        c.origin = origin;
        c.mode = features ? "features" : "raw";
        c.stream = features ? redis::StreamKeys::features(p.options().url.prefix, a.name)
                            : redis::StreamKeys::device(p.options().url.prefix, a.name);
        c.received = a.received;
        c.published = a.published;
        c.entries = a.entries;
        c.droppedTapOverflow = a.droppedTapOverflow;
        c.droppedOverflow = a.droppedOverflow;
        c.droppedRejected = a.droppedRejected;
        c.droppedUnpublished = a.droppedUnpublished;
        c.eventsOffered = a.eventsOffered;
        c.eventsPublished = a.eventsPublished;
        c.eventsDropped = a.eventsDropped;
        out.push_back(std::move(c));
    }
    return out;
}

void addCounters(core::CounterSnapshot& sum, const core::CounterSnapshot& c) {
    sum.bytes += c.bytes;
    sum.frames += c.frames;
    sum.samplesReceived += c.samplesReceived;
    sum.samplesProcessed += c.samplesProcessed;
    sum.samplesStored += c.samplesStored;
    for (std::size_t r = 0; r < core::kDropReasonCount; ++r) {
        sum.samplesDropped[r] += c.samplesDropped[r];
        sum.framesDropped[r] += c.framesDropped[r];
    }
    sum.gapsDetected += c.gapsDetected;
    sum.gapsInferred += c.gapsInferred;
    sum.samplesMissing += c.samplesMissing;
    sum.reconnects += c.reconnects;
}
} // namespace

Recorder::Recorder(pipeline::Pipeline& pipeline, Options options, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_options(std::move(options)) {
    connect(&pipeline, &pipeline::Pipeline::deviceAdded, this, [this](pipeline::DeviceChannel* ch) {
        if (m_recording)
            attach(ch);
    });
}

Recorder::~Recorder() {
    stop();
}

void Recorder::joinOp() {
    if (m_op.joinable())
        m_op.join();
}

bool Recorder::open(std::string* error) {
    if (!m_options.parquetDir.empty()) {
        exporting::ParquetRecordingSink::Options so;
        so.dir = m_options.parquetDir;
        so.rotateNs = m_options.rotateNs;
        so.createdBy = "vibrascope " + m_options.appVersion;
        auto sink = std::make_unique<exporting::ParquetRecordingSink>(so);
        if (!sink->start(error))
            return false;
        m_sink = std::move(sink);
    }
    if (m_options.publish) // before the writer: its session rows carry the publisher's accounting
        m_publisher = std::make_unique<redis::StreamPublisher>(*m_options.publish);
    if (!m_options.dbPath.empty()) {
        storage::SqliteWriter::Options wo;
        wo.path = m_options.dbPath;
        wo.durability = m_options.durability;
        wo.configJson = m_options.configJson;
        wo.appVersion = m_options.appVersion;
        wo.storeRaw = m_options.raw;
        wo.retention = m_options.retention;
        wo.maxPageCount = m_options.maxPageCount;
        if (m_publisher)
            wo.publishAccounting = [p = m_publisher.get()] { return publishCounts(*p); };
        auto writer = std::make_unique<storage::SqliteWriter>(wo);
        if (!writer->start(error)) {
            if (m_sink) {
                m_sink->stop();
                m_sink.reset();
            }
            m_publisher.reset();
            return false;
        }
        m_writer = std::move(writer);
    }
    if (m_publisher)
        m_publisher->start();
    m_open = true;
    return true;
}

bool Recorder::start(std::string* error) {
    if (m_recording || isBusy()) {
        *error = "already recording";
        return false;
    }
    joinOp();
    m_attached.clear();
    if (!open(error))
        return false;
    m_recording = true;
    attachAll();
    return true;
}

void Recorder::startAsync() {
    if (m_recording || isBusy()) {
        emit started(false, tr("already recording or busy finishing the previous recording"));
        return;
    }
    joinOp();
    m_attached.clear();
    m_opDone = false;
    m_op = std::thread([this] {
        std::string err;
        const bool ok = open(&err);
        m_opDone = true;
        // Dropped by Qt if this object is gone by then (the destructor joined this thread first).
        QMetaObject::invokeMethod(
            this,
            [this, ok, err] {
                joinOp();
                if (ok) {
                    m_recording = true;
                    attachAll();
                }
                emit started(ok, QString::fromStdString(err));
            },
            Qt::QueuedConnection);
    });
}

void Recorder::attachAll() {
    for (const auto& ch : m_pipeline.channels())
        attach(ch.get());
}

void Recorder::attach(pipeline::DeviceChannel* ch) {
    const auto& core = ch->core();
    if (core->isFinished())
        return; // nothing more will come from it
    Attached a;
    a.core = core;
    if (m_writer) {
        a.feed = std::make_shared<pipeline::StoreFeed>(core->deviceId(), core->uri(), core->counters());
        m_writer->attach(a.feed);
        core->setStore(a.feed, {m_options.raw, m_options.backpressure});
    }
    if (m_sink) {
        a.tap = std::make_shared<pipeline::TapFeed>(core->deviceId(), core->uri());
        m_sink->addFeed(a.tap);
        core->addTap(a.tap);
    }
    if (m_publisher && m_publisher->options().mode == redis::StreamPublisher::Mode::Features) {
        a.featureTap = std::make_shared<pipeline::FeatureTap>(core->deviceId(), core->uri());
        m_publisher->addFeatureFeed(a.featureTap);
        core->addFeatureTap(a.featureTap);
    } else if (m_publisher) {
        a.publishTap = std::make_shared<pipeline::TapFeed>(core->deviceId(), core->uri());
        m_publisher->addFeed(a.publishTap);
        core->addTap(a.publishTap);
    }
    m_attached[core->deviceId()].push_back(std::move(a));
}

void Recorder::detachAll() {
    for (auto& [id, list] : m_attached)
        for (auto& a : list)
            if (auto core = a.core.lock()) {
                if (a.feed)
                    core->setStore(nullptr, {});
                if (a.tap)
                    core->removeTap(a.tap);
                if (a.publishTap)
                    core->removeTap(a.publishTap);
                if (a.featureTap)
                    core->removeFeatureTap(a.featureTap);
            }
}

void Recorder::finish() {
    // Every processor closes its feeds at its next slice (or has finished already); then the writer's final
    // drain sees everything they pushed.
    const std::int64_t deadline = core::monotonicNs() + kCloseTimeoutNs;
    for (auto& [id, list] : m_attached)
        for (auto& a : list) {
            const auto done = [&a] {
                const auto core = a.core.lock();
                const bool gone = !core || core->isFinished();
                return gone || ((!a.feed || a.feed->closed()) && (!a.tap || a.tap->closed()) &&
                                (!a.publishTap || a.publishTap->closed()) &&
                                (!a.featureTap || a.featureTap->closed()));
            };
            while (!done() && core::monotonicNs() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    if (m_publisher)
        m_publisher->stop(); // kept (stopped) for the final report; first, so the writer's last
                             // transaction holds its final accounting (publish_device)
    if (m_writer)
        m_writer->stop();
    if (m_sink)
        m_sink->stop();
    m_open = false;
}

void Recorder::stop() {
    joinOp(); // an asynchronous start or stop in flight completes first
    if (!m_open)
        return;
    m_recording = false;
    detachAll();
    finish();
}

void Recorder::stopAsync() {
    if (!m_recording || isBusy())
        return; // not recording, or a start or stop is in flight
    joinOp();
    m_recording = false;
    detachAll();
    m_opDone = false;
    m_op = std::thread([this] {
        finish();
        m_opDone = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                joinOp();
                emit stopped();
            },
            Qt::QueuedConnection);
    });
}

Recorder::Report Recorder::report() const {
    Report r;
    std::vector<exporting::ParquetRecordingSink::DeviceAccounting> parquet;
    if (m_sink)
        parquet = m_sink->accounting();
    std::vector<redis::StreamPublisher::DeviceAccounting> published;
    if (m_publisher)
        published = m_publisher->accounting();
    for (const auto& [id, list] : m_attached) {
        DeviceReport d;
        d.id = id;
        for (const auto& a : list)
            if (a.feed)
                addCounters(d.counters, a.feed->sessionCounters());
        {
            std::lock_guard lock(m_relayMutex);
            for (const auto& f : m_relayFeeds)
                if (f->deviceId == id)
                    addCounters(d.counters, f->sessionCounters());
        }
        for (const auto& p : parquet)
            if (p.name == id) {
                d.hasParquet = true;
                d.parquet = p;
            }
        for (const auto& p : published)
            if (p.name == id) {
                d.hasPublish = true;
                d.publish = p;
            }
        if ((m_writer && !d.balanced()) || (d.hasParquet && !d.parquet.balanced()) ||
            (d.hasPublish && !d.publish.balanced()))
            r.balanced = false;
        r.devices.push_back(std::move(d));
    }
    {
        std::lock_guard lock(m_relayMutex); // relayed devices (features streams) that have no channel here
        std::map<std::string, core::CounterSnapshot> relayed;
        for (const auto& f : m_relayFeeds)
            if (!m_attached.count(f->deviceId))
                addCounters(relayed[f->deviceId], f->sessionCounters());
        for (auto& [id, c] : relayed) {
            DeviceReport d;
            d.id = id;
            d.counters = c;
            if (!d.balanced())
                r.balanced = false;
            r.devices.push_back(std::move(d));
        }
    }
    r.failed = failed();
    r.error = m_writer && m_writer->failed() ? m_writer->errorMessage() : std::string();
    return r;
}

redis::FeatureConsumer::Sink Recorder::relaySink() {
    return {[this](pipeline::StoreFeedPtr f) { attachRelayFeed(std::move(f)); }, [this] { return commits(); },
            [this] { return failed(); }};
}

void Recorder::attachRelayFeed(pipeline::StoreFeedPtr feed) {
    if (!m_writer || !feed)
        return;
    {
        std::lock_guard lock(m_relayMutex);
        m_relayFeeds.push_back(feed);
    }
    m_writer->attach(std::move(feed));
}

const storage::SqliteWriter::Recovery* Recorder::recovery() const {
    return m_writer ? &m_writer->recovery() : nullptr;
}

std::vector<std::string> Recorder::leftoverPartials() const {
    return m_sink ? m_sink->leftoverPartials() : std::vector<std::string>{};
}

bool Recorder::failed() const {
    return (m_writer && m_writer->failed()) || (m_sink && m_sink->failed());
}

std::string Recorder::errorMessage() const {
    return m_writer && m_writer->failed() ? m_writer->errorMessage() : std::string();
}

std::vector<std::string> Recorder::takeErrors() {
    return m_sink ? m_sink->takeErrors() : std::vector<std::string>{};
}

std::vector<Recorder::FeedLevel> Recorder::feedLevels() const {
    std::vector<FeedLevel> out;
    if (!m_recording)
        return out;
    for (const auto& [id, list] : m_attached) {
        FeedLevel l;
        l.device = id;
        bool open = false;
        for (const auto& a : list) {
            if (a.feed && !a.feed->closed()) {
                l.storeDepth += a.feed->ring.size();
                l.storeCapacity += a.feed->ring.capacity();
                open = true;
            }
            if (a.tap && !a.tap->closed()) {
                l.tapDepth += a.tap->ring.size();
                l.tapCapacity += a.tap->ring.capacity();
                open = true;
            }
        }
        if (open)
            out.push_back(std::move(l));
    }
    return out;
}

} // namespace vibra::recording
