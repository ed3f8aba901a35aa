#include "pipeline/Pipeline.h"

#include "core/Clock.h"

#include <algorithm>

namespace vibra::pipeline {

Pipeline::Pipeline(const io::SourceFactory& factory, DspSettings defaults, Options options, QObject* parent)
    : QObject(parent)
    , m_factory(factory)
    , m_options(options)
    , m_defaults(std::move(defaults))
    , m_events(options.eventLogCapacity)
    , m_rules(std::make_shared<const alarms::AlarmRules>())
    , m_pool(options.workers)
    , m_io(options.ioThreads) {}

Pipeline::~Pipeline() {
    stopAll();
    m_channels.clear();
}

DeviceChannel* Pipeline::add(const QString& uri, QString* error) {
    auto source = m_factory.create(uri, error);
    if (!source)
        return nullptr;
    return addSource(std::move(source), error);
}

DeviceChannel* Pipeline::addSource(std::unique_ptr<io::Source> source, QString* error) {
    if (find(source->deviceId())) {
        *error =
            QStringLiteral("a device named '%1' exists already; give the new one another name (e.g. ?id=...)")
                .arg(source->deviceId());
        return nullptr;
    }
    if (static_cast<int>(m_channels.size()) >= m_options.maxDevices) {
        *error = QStringLiteral("device '%1' refused: %2 devices are live (the limit; raise it with "
                                "--max-devices)")
                     .arg(source->deviceId())
                     .arg(m_options.maxDevices);
        return nullptr;
    }
    auto core = std::make_shared<ChannelCore>(source->deviceId().toStdString(), source->uri().toStdString(),
                                              m_defaults, m_pool, &m_events, m_rules);
    auto channel = std::make_unique<DeviceChannel>(std::move(source), std::move(core), m_io);
    DeviceChannel* raw = channel.get();
    connect(raw, &DeviceChannel::finished, this, [this] {
        if (allFinished())
            emit allSourcesFinished();
    });
    m_channels.push_back(std::move(channel));
    emit deviceAdded(raw);
    return raw;
}

bool Pipeline::remove(const QString& deviceId) {
    auto it = std::find_if(m_channels.begin(), m_channels.end(),
                           [&](const auto& c) { return c->deviceId() == deviceId; });
    if (it == m_channels.end())
        return false;
    emit aboutToRemove(deviceId);
    (*it)->stop();
    m_channels.erase(it);
    emit deviceRemoved(deviceId);
    return true;
}

void Pipeline::startAll() {
    for (auto& c : m_channels)
        c->start();
}

bool Pipeline::stopAll(std::int64_t timeoutNs) {
    // Ask every source to stop at once (each on its own I/O thread), then collect: a busy shared thread
    // handles all its stop requests in one pass instead of one pass per device.
    for (auto& c : m_channels)
        c->beginStop();
    for (auto& c : m_channels)
        c->endStop();
    const std::int64_t deadline = core::monotonicNs() + timeoutNs;
    bool all = true;
    for (auto& c : m_channels) {
        if (!c->core()->isFinished())
            all = c->core()->waitFinished(std::max<std::int64_t>(deadline - core::monotonicNs(), 0)) && all;
    }
    return all;
}

DeviceChannel* Pipeline::find(const QString& deviceId) const {
    for (const auto& c : m_channels)
        if (c->deviceId() == deviceId)
            return c.get();
    return nullptr;
}

bool Pipeline::allFinished() const {
    if (m_channels.empty())
        return false;
    return std::all_of(m_channels.begin(), m_channels.end(),
                       [](const auto& c) { return c->isFinite() && c->isFinished(); });
}

void Pipeline::setAlarmRules(alarms::AlarmRules rules) {
    m_rules = std::make_shared<const alarms::AlarmRules>(std::move(rules));
    for (auto& c : m_channels)
        c->core()->setAlarmRules(m_rules);
}

} // namespace vibra::pipeline
