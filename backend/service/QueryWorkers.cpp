#include "service/QueryWorkers.h"

#include <memory>

namespace vibra::service {

QueryWorkers::QueryWorkers(std::string dbPath, int threads, std::size_t capacity)
    : m_path(std::move(dbPath))
    , m_capacity(capacity ? capacity : 1) {
    for (int i = 0; i < std::max(threads, 1); ++i)
        m_threads.emplace_back([this] { run(); });
}

QueryWorkers::~QueryWorkers() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    for (auto& t : m_threads)
        t.join();
}

bool QueryWorkers::submit(Job job) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stop || m_jobs.size() >= m_capacity) {
            m_rejected.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        m_jobs.push_back(std::move(job));
    }
    m_cv.notify_one();
    return true;
}

std::size_t QueryWorkers::depth() const {
    std::lock_guard lock(m_mutex);
    return m_jobs.size();
}

void QueryWorkers::run() {
    std::unique_ptr<storage::Database> db;
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [&] { return m_stop || !m_jobs.empty(); });
            if (m_stop)
                return; // queued jobs are dropped: their responders find the connections gone
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        std::string error;
        if (!db && !m_path.empty()) {
            db = std::make_unique<storage::Database>();
            if (!db->open(m_path, storage::Database::Mode::ReadOnly, &error))
                db.reset();
        } else if (m_path.empty()) {
            error = "no history database (serve was started without --db)";
        }
        job(db.get(), error);
        m_completed.fetch_add(1, std::memory_order_relaxed);
    }
}

} // namespace vibra::service
