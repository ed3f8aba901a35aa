#include "pipeline/WorkerPool.h"

#include "core/Clock.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace vibra::pipeline {

int WorkerPool::defaultThreads() {
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

WorkerPool::WorkerPool(int threads) {
    const int n = threads > 0 ? threads : defaultThreads();
    m_threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        m_threads.emplace_back([this, i] { run(i); });
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    for (auto& t : m_threads)
        t.join();
}

void WorkerPool::schedule(const std::shared_ptr<PoolTask>& task) {
    if (!task || task->m_scheduled.exchange(true, std::memory_order_seq_cst))
        return; // queued, parked, running or done: the worker re-checks hasWork() before letting go
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        enqueueLocked(task);
        wake = m_waiting > 0;
    }
    // Under load every worker is busy and will find the task without a wake-up: no futex call per block.
    if (wake)
        m_cv.notify_one();
}

void WorkerPool::enqueueLocked(std::shared_ptr<PoolTask> task) {
    m_ready.push_back(std::move(task));
    m_maxReady = std::max(m_maxReady, m_ready.size());
}

WorkerPool::Stats WorkerPool::stats() const {
    std::lock_guard lock(m_mutex);
    Stats s;
    s.slices = m_slices;
    s.parks = m_parks;
    s.maxReady = m_maxReady;
    s.ready = m_ready.size();
    s.parked = m_parked.size();
    s.busyNs = m_busyNs.load(std::memory_order_relaxed);
    return s;
}

void WorkerPool::run(int index) {
    const std::string name = "dsp-" + std::to_string(index);
    pthread_setname_np(pthread_self(), name.c_str());
    std::unique_lock lock(m_mutex);
    for (;;) {
        // Parked tasks whose time has come go to the tail of the ready queue.
        const std::int64_t now = core::monotonicNs();
        while (!m_parked.empty() && m_parked.top().dueNs <= now) {
            enqueueLocked(m_parked.top().task);
            m_parked.pop();
        }
        if (m_stopping)
            return;
        if (m_ready.empty()) {
            ++m_waiting;
            if (m_parked.empty())
                m_cv.wait(lock);
            else
                m_cv.wait_for(lock, std::chrono::nanoseconds(m_parked.top().dueNs - now));
            --m_waiting;
            continue;
        }
        std::shared_ptr<PoolTask> task = std::move(m_ready.front());
        m_ready.pop_front();
        if (!m_ready.empty() && m_waiting > 0)
            m_cv.notify_one(); // more work than this worker: wake another
        lock.unlock();

        const std::int64_t t0 = core::monotonicNs();
        const PoolTask::Result r = task->runSlice();
        const std::int64_t t1 = core::monotonicNs();
        m_busyNs.fetch_add(t1 - t0, std::memory_order_relaxed);

        bool requeue = false;
        switch (r.outcome) {
        case PoolTask::Outcome::Idle:
            task->m_scheduled.store(false, std::memory_order_seq_cst);
            // A producer that pushed after our last look but before the store above saw scheduled == true and
            // did not queue us: look again (seq_cst store, then load in hasWork: no lost wake-up).
            if (task->hasWork() && !task->m_scheduled.exchange(true, std::memory_order_seq_cst))
                requeue = true;
            break;
        case PoolTask::Outcome::Again:
            requeue = true;
            break;
        case PoolTask::Outcome::Park:
        case PoolTask::Outcome::Done:
            break;
        }
        if (!requeue && r.outcome != PoolTask::Outcome::Park)
            task.reset(); // release outside the lock (the last reference may free a device's buffers)
        lock.lock();
        ++m_slices;
        if (requeue) {
            enqueueLocked(std::move(task));
        } else if (r.outcome == PoolTask::Outcome::Park) {
            ++m_parks;
            m_parked.push({t1 + std::max<std::int64_t>(r.parkNs, 0), std::move(task)});
            if (m_waiting > 0)
                m_cv.notify_one(); // a sleeping worker may need an earlier deadline
        }
    }
}

} // namespace vibra::pipeline
