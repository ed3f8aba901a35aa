#pragma once

#include <atomic>
#include <cstdint>

namespace vibra::pipeline {

class WorkerPool;

/// Work that a WorkerPool runs in slices: implemented by ChannelCore (one device's DSP state).
///
/// A task is owned by at most one pool worker at a time: the pool hands it to one worker per slice, and the
/// task is in the ready queue, in the parked set or running, never two of these at once. Everything the task
/// touches only inside runSlice() therefore needs no lock ("worker-owned state").
///
/// Threads: runSlice() on a pool worker; hasWork() on a pool worker; schedule() through the pool from any
/// thread.
class PoolTask {
public:
    enum class Outcome {
        Idle,  ///< nothing to do now: wait until scheduled again
        Again, ///< more to do: requeue at the tail (fairness: other tasks run first)
        Park,  ///< retry after parkNs (waiting for a consumer, or a snapshot due later)
        Done   ///< finished for good: never run again
    };
    struct Result {
        Outcome outcome = Outcome::Idle;
        std::int64_t parkNs = 0;
    };

    PoolTask() = default;
    PoolTask(const PoolTask&) = delete;
    PoolTask& operator=(const PoolTask&) = delete;
    virtual ~PoolTask() = default;

    /// Pool worker: do a bounded amount of work (a fair slice).
    virtual Result runSlice() = 0;
    /// Pool worker, after an Idle slice: true when work arrived meanwhile (checked after the task was marked
    /// unscheduled, so a producer that pushed in between is never missed).
    virtual bool hasWork() const = 0;

private:
    friend class WorkerPool;
    /// true while queued, parked or running (or done). Set by whoever schedules; cleared by the worker
    /// after an Idle slice. seq_cst: the store/load pairs with the producer's push/exchange (Dekker).
    std::atomic<bool> m_scheduled{false};
};

} // namespace vibra::pipeline
