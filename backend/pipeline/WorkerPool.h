#pragma once

#include "pipeline/PoolTask.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace vibra::pipeline {

/// A fixed pool of DSP worker threads ("dsp-0" .. "dsp-N-1") serving any number of device channels.
///
/// Scheduling: schedule(task) puts a task that is not already scheduled at the tail of one FIFO ready queue;
/// a worker takes the head, runs one slice and then requeues it at the tail (Again), parks it until a
/// deadline (Park), or marks it unscheduled (Idle; a producer's next schedule() queues it again). Round robin
/// over slices of bounded size is fair: a bursty or slow channel holds at most one worker for one slice at a
/// time and cannot stall the others. A task is run by one worker at a time, so its state needs no lock.
///
/// Bounds: the ready queue holds each task at most once (the scheduled flag), so its length is at most the
/// number of tasks; the parked set likewise. Thread count is fixed at construction (default: cores).
///
/// Threads: schedule() and the statistics from any thread; construction and destruction on the owner's
/// thread. Uses only standard C++ primitives (mutex, condition_variable, atomics), so ThreadSanitizer sees
/// every hand-off.
class WorkerPool {
public:
    struct Stats {
        std::uint64_t slices = 0; ///< slices run
        std::uint64_t parks = 0;  ///< slices that ended parked
        std::size_t maxReady = 0; ///< longest ready queue seen
        std::size_t ready = 0;    ///< ready queue length now
        std::size_t parked = 0;   ///< parked tasks now
        std::int64_t busyNs = 0;  ///< time spent in slices, all workers
    };

    /// threads <= 0: std::thread::hardware_concurrency() (at least 1).
    explicit WorkerPool(int threads = 0);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    /// Any thread: queue the task unless it is queued, parked, running or done already. The pool keeps the
    /// task alive while it is queued, parked or running.
    void schedule(const std::shared_ptr<PoolTask>& task);
    int threadCount() const { return static_cast<int>(m_threads.size()); }
    Stats stats() const;
    static int defaultThreads();

private:
    struct Parked {
        std::int64_t dueNs;
        std::shared_ptr<PoolTask> task;
        bool operator>(const Parked& o) const { return dueNs > o.dueNs; }
    };
    void run(int index);
    void enqueueLocked(std::shared_ptr<PoolTask> task);

    mutable std::mutex m_mutex; // guards everything below up to m_stopping
    std::condition_variable m_cv;
    std::deque<std::shared_ptr<PoolTask>> m_ready;
    std::priority_queue<Parked, std::vector<Parked>, std::greater<>> m_parked;
    bool m_stopping = false;
    int m_waiting = 0; ///< workers blocked in the condition variable (wake only when someone sleeps)
    std::uint64_t m_slices = 0;
    std::uint64_t m_parks = 0;
    std::size_t m_maxReady = 0;
    std::atomic<std::int64_t> m_busyNs{0};

    std::vector<std::thread> m_threads; // owner thread only
};

} // namespace vibra::pipeline
