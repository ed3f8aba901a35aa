#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace vibra::storage {

/// WAL checkpoints of the writer's connection. SQLite's auto-checkpoint is replaced by a WAL hook that only
/// records the WAL size after each commit; afterCommit() then runs a PASSIVE checkpoint when the WAL holds at
/// least `pages` pages or `intervalMs` passed since the last one, and truncate() a TRUNCATE checkpoint at a
/// clean stop. So checkpoints happen on the writer thread, between transactions, never inside a commit.
///
/// Threads: install/afterCommit/truncate on the writer thread; count() anywhere.
class Checkpointer {
public:
    Checkpointer(int pages, int intervalMs)
        : m_pages(pages)
        , m_interval(intervalMs) {}
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    void install(sqlite3* db);
    void afterCommit(sqlite3* db);
    void truncate(sqlite3* db);
    /// PASSIVE checkpoints run so far.
    std::uint64_t count() const { return m_count.load(std::memory_order_relaxed); }

private:
    static int walHook(void* self, sqlite3* db, const char* name, int pages);

    const int m_pages;
    const std::chrono::milliseconds m_interval;
    int m_walPages = 0; ///< writer thread: set by the hook after each commit
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> m_count{0};
};

} // namespace vibra::storage
