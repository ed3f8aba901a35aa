#pragma once

#include <QString>

#include <memory>
#include <vector>

class QThread;

namespace vibra::pipeline {

/// The I/O threads that sources run on. A few shared threads ("io-0" .. "io-K-1", default: one per core)
/// carry every timer-driven source (simulators, file replays, WebSocket clients): each is assigned the least
/// loaded shared thread. A source that needs a thread of its own (serial port) gets a dedicated one
/// ("io:NAME"), ended when released. So the thread count grows with cores and serial ports, not with devices.
///
/// Threads: owner thread only (the pipeline's). The destructor quits and joins every thread; every source
/// must have been stopped and moved off its thread before.
class IoThreads {
public:
    explicit IoThreads(int sharedThreads = 0);
    ~IoThreads();
    IoThreads(const IoThreads&) = delete;
    IoThreads& operator=(const IoThreads&) = delete;

    /// A thread for a new source (started).
    QThread* acquire(bool dedicated, const QString& name);
    /// The source has left the thread: a dedicated thread ends, a shared one loses a user.
    void release(QThread* thread);
    int sharedCount() const { return static_cast<int>(m_shared.size()); }
    /// Threads running now (shared + dedicated).
    int threadCount() const;

private:
    struct Shared {
        std::unique_ptr<QThread> thread;
        int users = 0;
    };
    std::vector<Shared> m_shared;
    std::vector<std::unique_ptr<QThread>> m_dedicated;
};

} // namespace vibra::pipeline
