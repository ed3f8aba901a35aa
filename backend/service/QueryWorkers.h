#pragma once

#include "storage/Database.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vibra::service {

/// A few threads that run history queries for the HTTP routes, each with its own read-only connection to
/// the history database (opened on first use, reopened after a failure), so a slow query never stalls the
/// owner thread (HTTP, WebSocket ingest) nor the engine. The job queue is bounded: submit() refuses when
/// it is full (the route answers 503, counted).
///
/// A job receives the connection (nullptr when the database cannot be opened, with the reason) and must
/// post its result back to the owner thread itself (QMetaObject::invokeMethod on a context object).
///
/// Threads: submit() and the counters from any thread; jobs on the worker threads.
class QueryWorkers {
public:
    using Job = std::function<void(storage::Database* db, const std::string& openError)>;

    QueryWorkers(std::string dbPath, int threads, std::size_t capacity);
    ~QueryWorkers();
    QueryWorkers(const QueryWorkers&) = delete;
    QueryWorkers& operator=(const QueryWorkers&) = delete;

    bool submit(Job job);
    std::size_t depth() const;
    std::size_t capacity() const { return m_capacity; }
    std::uint64_t rejected() const { return m_rejected.load(std::memory_order_relaxed); }
    std::uint64_t completed() const { return m_completed.load(std::memory_order_relaxed); }

private:
    void run();

    const std::string m_path;
    const std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_jobs;
    bool m_stop = false;
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_completed{0};
    std::vector<std::thread> m_threads;
};

} // namespace vibra::service
