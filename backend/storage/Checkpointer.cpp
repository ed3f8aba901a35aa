#include "storage/Checkpointer.h"

namespace vibra::storage {

int Checkpointer::walHook(void* self, sqlite3*, const char*, int pages) {
    static_cast<Checkpointer*>(self)->m_walPages = pages;
    return SQLITE_OK;
}

void Checkpointer::install(sqlite3* db) {
    sqlite3_wal_hook(db, &Checkpointer::walHook, this);
    m_last = std::chrono::steady_clock::now();
}

void Checkpointer::afterCommit(sqlite3* db) {
    const auto now = std::chrono::steady_clock::now();
    if (m_walPages <= 0 || (m_walPages < m_pages && now - m_last < m_interval))
        return;
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK) {
        m_count.fetch_add(1, std::memory_order_relaxed);
        m_walPages = log - done;
    }
    m_last = now;
}

void Checkpointer::truncate(sqlite3* db) {
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

} // namespace vibra::storage
