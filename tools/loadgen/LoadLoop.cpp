#include "LoadLoop.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace vibra::loadgen {

namespace {
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr int kMaxWarnings = 20;

std::int64_t clockNs(clockid_t id) {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec;
}
} // namespace

void SharedState::setFatal(const std::string& message) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (fatal.load())
        return;
    fatalMessage = message;
    fatal.store(true);
}

void SharedState::warn(const std::string& message) {
    const int n = messagesLogged.fetch_add(1, std::memory_order_relaxed);
    if (n < kMaxWarnings)
        std::fprintf(stderr, "vibra-loadgen: %s\n", message.c_str());
    else if (n == kMaxWarnings)
        std::fprintf(stderr, "vibra-loadgen: further warnings suppressed (counted in the summary)\n");
}

std::int64_t LoadLoop::monotonicNs() {
    return clockNs(CLOCK_MONOTONIC);
}

std::int64_t LoadLoop::realtimeNs() {
    return clockNs(CLOCK_REALTIME);
}

LoadLoop::LoadLoop(const LoadOptions& opt, const SignalTable& signal, const Endpoint& ep, SharedState& shared,
                   const std::vector<int>& deviceIndices, std::int64_t runStartNs, std::int64_t utcStartNs)
    : m_opt(opt)
    , m_signal(signal)
    , m_ep(ep)
    , m_shared(shared) {
    m_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
    const auto durationNs = static_cast<std::int64_t>(opt.durationS * 1e9);
    for (const int i : deviceIndices) {
        const std::int64_t offset =
            opt.devices > 1 ? std::llround(opt.rampS * 1e9 * i / opt.devices) : std::int64_t{0};
        m_devices.push_back(std::make_unique<LoadDevice>(*this, i, runStartNs + offset, utcStartNs + offset));
        m_generationEndNs = std::max(m_generationEndNs, runStartNs + offset + durationNs);
    }
}

LoadLoop::~LoadLoop() {
    m_devices.clear(); // closes the sockets before the epoll fd
    if (m_timerFd >= 0)
        ::close(m_timerFd);
    if (m_epollFd >= 0)
        ::close(m_epollFd);
}

bool LoadLoop::init(std::string* error) {
    if (m_epollFd < 0) {
        *error = std::string("epoll_create1: ") + std::strerror(errno);
        return false;
    }
    m_timerFd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC); // blocking: run() sleeps in read()
    if (m_timerFd < 0) {
        *error = std::string("timerfd_create: ") + std::strerror(errno);
        return false;
    }
    itimerspec spec{};
    spec.it_interval.tv_nsec = static_cast<long>(m_opt.tickMs) * 1'000'000L;
    if (m_opt.tickMs >= 1000) {
        spec.it_interval.tv_sec = m_opt.tickMs / 1000;
        spec.it_interval.tv_nsec = static_cast<long>(m_opt.tickMs % 1000) * 1'000'000L;
    }
    spec.it_value = spec.it_interval;
    if (::timerfd_settime(m_timerFd, 0, &spec, nullptr) != 0) {
        *error = std::string("timer: ") + std::strerror(errno);
        return false;
    }
    return true;
}

void LoadLoop::run(const std::function<void(std::int64_t)>& onSecond) {
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    m_lastTickNs = monotonicNs();
    std::int64_t nextSecond = m_lastTickNs + kSecond;
    int ticks = 0;
    while (m_phase != Phase::Done) {
        // Sleep until the tick, then service every ready socket at once: one wake-up per tick instead of
        // one per ack keeps the generator cheap (acks wait at most one tick). EINTR (a signal) ticks early.
        std::uint64_t expirations = 0;
        [[maybe_unused]] const ssize_t r = ::read(m_timerFd, &expirations, sizeof expirations);
        const std::int64_t now = monotonicNs();
        for (;;) {
            const int n = ::epoll_wait(m_epollFd, events, kMaxEvents, 0);
            for (int i = 0; i < n; ++i)
                static_cast<WsConnection*>(events[i].data.ptr)->onEvents(events[i].events, now);
            if (n < kMaxEvents)
                break;
        }
        // Connections closed above are reopened only in the tick, after the batch: no stale event of the
        // batch can reach a reopened WsConnection.
        onTick(monotonicNs());
        if (++ticks % 10 == 0 || m_phase == Phase::Done)
            refreshProgress();
        if (onSecond && now >= nextSecond) {
            onSecond(now);
            nextSecond += kSecond;
        }
    }
}

void LoadLoop::onTick(std::int64_t nowNs) {
    const std::int64_t dt = nowNs - m_lastTickNs;
    m_lastTickNs = nowNs;
    if (m_shared.stopRequested.load(std::memory_order_relaxed) && !m_stopApplied) {
        m_stopApplied = true;
        for (auto& d : m_devices)
            d->stopAt(nowNs);
    }
    for (auto& d : m_devices)
        d->tick(nowNs, dt);
    if (m_shared.fatal.load(std::memory_order_relaxed)) {
        m_phase = Phase::Done;
        return;
    }
    auto all = [this](auto pred) { return std::all_of(m_devices.begin(), m_devices.end(), pred); };
    switch (m_phase) {
    case Phase::Running:
        if (all([nowNs](const auto& d) { return d->generationOver(nowNs); })) {
            m_phase = Phase::Draining;
            m_phaseDeadlineNs = nowNs + static_cast<std::int64_t>(m_opt.drainS * 1e9);
        }
        break;
    case Phase::Draining:
        if (all([](const auto& d) { return d->complete(); }) || nowNs >= m_phaseDeadlineNs) {
            m_phase = Phase::Closing;
            m_phaseDeadlineNs = nowNs + kSecond;
            for (auto& d : m_devices)
                d->beginClose(m_phaseDeadlineNs);
        }
        break;
    case Phase::Closing:
        if (all([](const auto& d) { return d->isClosed(); }) || nowNs >= m_phaseDeadlineNs)
            m_phase = Phase::Done;
        break;
    case Phase::Done:
        break;
    }
}

void LoadLoop::refreshProgress() {
    std::int64_t streaming = 0, sent = 0, acked = 0, backlog = 0, backlogDevices = 0, reconnects = 0,
                 failures = 0;
    for (const auto& d : m_devices) {
        const DeviceStats s = d->stats();
        streaming += d->streaming() ? 1 : 0;
        sent += s.framesSent;
        acked += s.framesAcked;
        backlog += d->backlogFrames();
        backlogDevices += d->backlogFrames() > 0 ? 1 : 0;
        reconnects += s.reconnects;
        failures += s.connectFailures;
    }
    m_progress.streaming.store(streaming, std::memory_order_relaxed);
    m_progress.framesSent.store(sent, std::memory_order_relaxed);
    m_progress.framesAcked.store(acked, std::memory_order_relaxed);
    m_progress.backlogFrames.store(backlog, std::memory_order_relaxed);
    m_progress.backlogDevices.store(backlogDevices, std::memory_order_relaxed);
    m_progress.reconnects.store(reconnects, std::memory_order_relaxed);
    m_progress.connectFailures.store(failures, std::memory_order_relaxed);
}

} // namespace vibra::loadgen
