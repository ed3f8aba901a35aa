#include "pipeline/DeviceChannel.h"

namespace vibra::pipeline {

DeviceChannel::DeviceChannel(std::unique_ptr<io::Source> source, const DspSettings& settings, Options options)
    : m_deviceId(source->deviceId())
    , m_uri(source->uri())
    , m_finite(source->isFinite())
    , m_storeFeed(std::make_shared<StoreFeed>(m_deviceId.toStdString(), m_uri.toStdString(),
                                              std::make_shared<core::DeviceCounters>(), options.storeItems))
    , m_ring(options.ringBlocks)
    , m_outlet(m_ring, *m_storeFeed->counters)
    , m_source(std::move(source))
    , m_worker(std::make_unique<DspWorker>(m_ring, m_storeFeed->ring, *m_storeFeed->counters, settings)) {
    qRegisterMetaType<vibra::io::Source::State>();
    m_ioThread.setObjectName(QStringLiteral("io:%1").arg(m_deviceId));
    connect(m_worker.get(), &DspWorker::snapshotReady, this, &DeviceChannel::snapshotReady);
    connect(m_source.get(), &io::Source::stateChanged, this, [this](io::Source::State s, const QString& msg) {
        m_state = s;
        m_stateMessage = msg;
        emit stateChanged(s, msg);
    });
    connect(m_source.get(), &io::Source::finished, this, [this] {
        m_finished = true;
        emit finished();
    });
}

DeviceChannel::~DeviceChannel() {
    stop();
    m_storeFeed->close(); // after the worker's last push: a writer drains the rest and lets go of the feed
}

void DeviceChannel::start() {
    if (m_running)
        return;
    m_running = true;
    m_finished = false;
    m_worker->start();
    m_source->moveToThread(&m_ioThread);
    m_ioThread.start();
    io::Source* src = m_source.get();
    core::BlockOutlet* outlet = &m_outlet;
    QMetaObject::invokeMethod(
        src, [src, outlet] { src->start(outlet); }, Qt::QueuedConnection);
}

void DeviceChannel::stop() {
    if (!m_running)
        return;
    m_running = false;
    io::Source* src = m_source.get();
    QThread* home = thread();
    // The source stops on its own thread and comes home so it can be restarted or destroyed here.
    QMetaObject::invokeMethod(
        src,
        [src, home] {
            src->stop();
            src->moveToThread(home);
        },
        Qt::BlockingQueuedConnection);
    m_ioThread.quit();
    m_ioThread.wait();
    m_worker->stop(); // drains the ring, flushes the partial second
}

} // namespace vibra::pipeline
