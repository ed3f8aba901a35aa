#include "pipeline/Pipeline.h"

#include <algorithm>

namespace vibra::pipeline {

Pipeline::Pipeline(const io::SourceFactory& factory, DspSettings defaults, QObject* parent)
    : QObject(parent)
    , m_factory(factory)
    , m_defaults(std::move(defaults)) {}

Pipeline::~Pipeline() {
    stopAll();
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
    auto channel = std::make_unique<DeviceChannel>(std::move(source), m_defaults);
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

void Pipeline::stopAll() {
    for (auto& c : m_channels)
        c->stop();
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

} // namespace vibra::pipeline
