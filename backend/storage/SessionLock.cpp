#include "storage/SessionLock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vibra::storage {

namespace {
std::string sideFile(const std::string& dbPath) {
    return dbPath + "-sessions";
}

struct flock lockOf(std::int64_t sessionId, short type) {
    struct flock l {};
    l.l_type = type;
    l.l_whence = SEEK_SET;
    l.l_start = static_cast<off_t>(sessionId);
    l.l_len = 1;
    return l;
}
} // namespace

SessionLock::~SessionLock() {
    release();
}

bool SessionLock::hold(const std::string& dbPath, std::int64_t sessionId, std::string* error) {
    release();
    m_path = sideFile(dbPath);
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (m_fd < 0) {
            *error = "cannot open '" + m_path + "': " + std::strerror(errno);
            return false;
        }
        struct flock l = lockOf(sessionId, F_WRLCK);
        if (::fcntl(m_fd, F_OFD_SETLK, &l) != 0) {
            *error = "cannot lock '" + m_path + "': " + std::strerror(errno);
            ::close(m_fd);
            m_fd = -1;
            return false;
        }
        // The last writer to stop may have removed the file meanwhile: the lock must be on the file that is
        // there now.
        struct stat mine {
        }, there{};
        if (::fstat(m_fd, &mine) == 0 && ::stat(m_path.c_str(), &there) == 0 && mine.st_dev == there.st_dev &&
            mine.st_ino == there.st_ino)
            return true;
        ::close(m_fd);
        m_fd = -1;
    }
    *error = "cannot lock '" + m_path + "': it keeps being replaced";
    return false;
}

void SessionLock::release() {
    if (m_fd < 0)
        return;
    // No other writer holds a lock on the side file: remove it (a writer that opened it meanwhile finds it
    // replaced and opens a new one, see hold()).
    struct flock all {};
    all.l_type = F_WRLCK;
    all.l_whence = SEEK_SET;
    if (::fcntl(m_fd, F_OFD_SETLK, &all) == 0)
        ::unlink(m_path.c_str());
    ::close(m_fd); // closing the description drops its OFD locks
    m_fd = -1;
}

bool SessionLock::held(const std::string& dbPath, std::int64_t sessionId) {
    const int fd = ::open(sideFile(dbPath).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct flock l = lockOf(sessionId, F_WRLCK);
    const bool live = ::fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
    ::close(fd);
    return live;
}

} // namespace vibra::storage
