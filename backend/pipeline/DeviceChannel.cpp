#include "pipeline/DeviceChannel.h"

#include "pipeline/IoThreads.h"

#include <QThread>

namespace vibra::pipeline {

DeviceChannel::DeviceChannel(std::unique_ptr<io::Source> source, ChannelCorePtr core, IoThreads& io)
    : m_deviceId(source->deviceId())
    , m_uri(source->uri())
    , m_finite(source->isFinite())
    , m_core(std::move(core))
    , m_io(io)
    , m_source(std::move(source)) {
    qRegisterMetaType<vibra::io::Source::State>();
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
}

void DeviceChannel::start() {
    if (m_running || m_core->isFinished())
        return;
    m_running = true;
    m_finished = false;
    m_thread = m_io.acquire(m_source->needsOwnThread(), m_deviceId);
    m_source->moveToThread(m_thread);
    io::Source* src = m_source.get();
    core::BlockOutlet* outlet = &m_core->outlet();
    QMetaObject::invokeMethod(
        src, [src, outlet] { src->start(outlet); }, Qt::QueuedConnection);
}

void DeviceChannel::stop() {
    beginStop();
    endStop();
}

void DeviceChannel::beginStop() {
    if (!m_running || m_stopped)
        return;
    io::Source* src = m_source.get();
    QThread* home = thread();
    // The source stops on its own thread and comes home so it can be destroyed here. The promise gives the
    // hand-back a happens-before edge that ThreadSanitizer sees (Qt's own blocking wait is invisible to it).
    m_stopped = std::make_unique<std::promise<void>>();
    std::promise<void>* stopped = m_stopped.get();
    QMetaObject::invokeMethod(
        src,
        [src, home, stopped] {
            src->stop();
            src->moveToThread(home);
            stopped->set_value();
        },
        Qt::QueuedConnection);
}

void DeviceChannel::endStop() {
    if (!m_running) {
        m_core->finish(); // never started (or stopped already): nothing queued, the core just closes up
        return;
    }
    beginStop(); // no-op when already begun
    m_stopped->get_future().wait();
    m_stopped.reset();
    m_running = false;
    m_io.release(m_thread);
    m_thread = nullptr;
    m_core->finish(); // the pool drains what is queued, flushes the partial second, closes the feeds
}

} // namespace vibra::pipeline
