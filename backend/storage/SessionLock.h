#pragma once

#include <cstdint>
#include <string>

namespace vibra::storage {

/// Marks a recording session as live while its writer runs, so a second writer process on the same database
/// (e.g. two Redis consumers of one group storing into one central file) does not mistake it for a crashed
/// one and close it (SessionRecovery). The mark is an open-file-description lock (Linux F_OFD_SETLK) on byte
/// <session id> of the side file `<db>-sessions`: the kernel drops it when the process dies, kill -9
/// included. (Not on the database file itself: closing any descriptor of it would drop SQLite's POSIX locks.)
/// The last writer to stop removes the side file. Local file systems only (as for SQLite's WAL mode).
///
/// Threads: the writer thread (held()) may be called from any thread.
class SessionLock {
public:
    SessionLock() = default;
    ~SessionLock();
    SessionLock(const SessionLock&) = delete;
    SessionLock& operator=(const SessionLock&) = delete;

    /// Takes the session's lock (hold it inside the transaction that inserts the session row, so another
    /// writer that sees the row also sees the lock). False with a message when the lock is not available.
    bool hold(const std::string& dbPath, std::int64_t sessionId, std::string* error);
    void release();
    /// True while a process (this one included) holds the lock of that session: its writer is running.
    static bool held(const std::string& dbPath, std::int64_t sessionId);

private:
    int m_fd = -1;
    std::string m_path;
};

} // namespace vibra::storage
