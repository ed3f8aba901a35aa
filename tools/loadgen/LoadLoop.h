#pragma once

#include "LoadDevice.h"
#include "LoadOptions.h"
#include "SignalTable.h"
#include "WsConnection.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vibra::loadgen {

/// State shared by all loop threads (atomics; the fatal message under a mutex).
struct SharedState {
    std::atomic<bool> anyStreaming{false}; ///< some connection reached streaming: failures are retried
    std::atomic<bool> stopRequested{false};
    std::atomic<bool> fatal{false};
    std::atomic<int> messagesLogged{0}; ///< server error / warning lines printed (rate limit)
    std::mutex mutex;
    std::string fatalMessage;

    void setFatal(const std::string& message);
    /// Prints a warning to stderr unless too many were printed already.
    void warn(const std::string& message);
};

/// Progress numbers of one loop, refreshed by its thread, read by the progress printer.
struct LoopProgress {
    std::atomic<std::int64_t> streaming{0};
    std::atomic<std::int64_t> framesSent{0};
    std::atomic<std::int64_t> framesAcked{0};
    std::atomic<std::int64_t> backlogFrames{0};
    std::atomic<std::int64_t> backlogDevices{0};
    std::atomic<std::int64_t> reconnects{0};
    std::atomic<std::int64_t> connectFailures{0};
};

/// One epoll event loop driving a share of the devices from a periodic timerfd tick (sockets are serviced
/// once per tick, after the timer wakes the thread). Runs on the thread
/// that calls run(); everything it owns (devices, sockets, scratch buffers) is used only there.
/// Phases: running (devices start over --ramp and generate for --duration) -> draining (until every
/// frame is acknowledged or --drain expires) -> closing (close frames, at most 1 s) -> done.
class LoadLoop {
public:
    LoadLoop(const LoadOptions& opt, const SignalTable& signal, const Endpoint& ep, SharedState& shared,
             const std::vector<int>& deviceIndices, std::int64_t runStartNs, std::int64_t utcStartNs);
    ~LoadLoop();
    LoadLoop(const LoadLoop&) = delete;
    LoadLoop& operator=(const LoadLoop&) = delete;

    /// Returns false with *error when the epoll or timer set-up fails.
    bool init(std::string* error);
    /// Blocks until the run is over. onSecond (optional) is called about once a second on this thread.
    void run(const std::function<void(std::int64_t nowNs)>& onSecond = {});

    const std::vector<std::unique_ptr<LoadDevice>>& devices() const { return m_devices; }
    const LoopProgress& progress() const { return m_progress; }

    // For devices (loop thread).
    const LoadOptions& options() const { return m_opt; }
    const SignalTable& signal() const { return m_signal; }
    const Endpoint& endpoint() const { return m_ep; }
    SharedState& shared() { return m_shared; }
    int epollFd() const { return m_epollFd; }
    std::vector<std::int16_t>& scratch() { return m_scratch; }

    static std::int64_t monotonicNs();
    static std::int64_t realtimeNs();

private:
    enum class Phase { Running, Draining, Closing, Done };
    void onTick(std::int64_t nowNs);
    void refreshProgress();

    const LoadOptions& m_opt;
    const SignalTable& m_signal;
    const Endpoint& m_ep;
    SharedState& m_shared;
    int m_epollFd = -1;
    int m_timerFd = -1;
    std::vector<std::unique_ptr<LoadDevice>> m_devices;
    std::vector<std::int16_t> m_scratch;
    LoopProgress m_progress;
    Phase m_phase = Phase::Running;
    std::int64_t m_lastTickNs = 0;
    std::int64_t m_phaseDeadlineNs = 0;
    std::int64_t m_generationEndNs = 0;
    bool m_stopApplied = false;
};

} // namespace vibra::loadgen
