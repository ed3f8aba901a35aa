#pragma once

#include "storage/Statement.h"

#include <sqlite3.h>

#include <string>

namespace vibra::storage {

/// One SQLite connection to a Vibrascope history database, with schema validation and migration.
///
/// Threads: a connection belongs to the thread that opened it (the writer thread, or a reader's thread).
class Database {
public:
    enum class Mode { ReadOnly, ReadWrite, Create };
    enum class Durability { Normal, Full };

    Database() = default;
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Opens path. Create makes the file if missing and migrates it to the current schema; ReadWrite and
    /// ReadOnly require an existing Vibrascope database. ReadOnly also works in a directory this process
    /// cannot write (a read-only mount, another user's files): when a probe shows that files cannot be
    /// created there, a database without pending WAL content is opened as immutable (no locks, no -shm; see
    /// note()), one with pending WAL content but no -shm is refused with a message saying to copy it. A
    /// foreign SQLite file, a file that is not SQLite, or a database from a newer Vibrascope is refused with
    /// a message naming the problem and is left untouched; a file this call created is removed again on
    /// failure.
    bool open(const std::string& path, Mode mode, std::string* error,
              Durability durability = Durability::Normal);
    void close();

    sqlite3* handle() const { return m_db; }
    bool exec(const char* sql, std::string* error);
    int schemaVersion() const { return m_schemaVersion; }
    /// True when the previous writer did not close its session (crash, kill -9, power loss).
    bool recoveredUncleanSession() const { return m_unclean; }
    /// Result of PRAGMA quick_check run after an unclean shutdown ("ok"), empty when none was needed.
    const std::string& quickCheckResult() const { return m_quickCheck; }
    const std::string& path() const { return m_path; }
    /// Something the user should know about how the file was opened (empty normally), e.g. that its directory
    /// is not writable so it is read as an unchanging file (ReadOnly mode only).
    const std::string& note() const { return m_note; }

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    std::string m_note;
    int m_schemaVersion = 0;
    bool m_unclean = false;
    std::string m_quickCheck;
};

} // namespace vibra::storage
