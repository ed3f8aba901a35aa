#include "parquet/AtomicFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace vibra::parquet {

namespace {

std::string directoryOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

} // namespace

AtomicFile::~AtomicFile() {
    discard();
}

std::string AtomicFile::failure(const char* what, const std::string& path, int err) const {
    return std::string(what) + " '" + path + "' failed: " + std::strerror(err) + " (errno " +
           std::to_string(err) + ")";
}

bool AtomicFile::open(const std::string& finalPath, std::string* error) {
    discard();
    if (finalPath.empty() || finalPath.back() == '/') {
        if (error)
            *error = "invalid output path '" + finalPath + "': must name a file";
        return false;
    }
    m_final = finalPath;
    m_partial = finalPath + ".partial";
    m_offset = 0;
    m_fd = ::open(m_partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_fd < 0) {
        if (error)
            *error = failure("creating", m_partial, errno);
        return false;
    }
    return true;
}

bool AtomicFile::write(std::span<const std::uint8_t> bytes, std::string* error) {
    if (m_fd < 0) {
        if (error)
            *error = "write to a file that is not open";
        return false;
    }
    const std::uint8_t* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (error)
                *error = failure("writing", m_partial, errno);
            return false;
        }
        if (n == 0) { // should not happen for regular files; avoid spinning
            if (error)
                *error = failure("writing", m_partial, ENOSPC);
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
        m_offset += static_cast<std::uint64_t>(n);
    }
    return true;
}

bool AtomicFile::commit(bool sync, std::string* error) {
    if (m_fd < 0) {
        if (error)
            *error = "commit of a file that is not open";
        return false;
    }
    if (sync && ::fsync(m_fd) != 0) {
        if (error)
            *error = failure("fsync of", m_partial, errno);
        discard();
        return false;
    }
    const int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0) {
        if (error)
            *error = failure("closing", m_partial, errno);
        ::unlink(m_partial.c_str());
        return false;
    }
    if (::rename(m_partial.c_str(), m_final.c_str()) != 0) {
        if (error)
            *error = "renaming '" + m_partial + "' to " + failure("", m_final, errno).substr(1);
        ::unlink(m_partial.c_str());
        return false;
    }
    if (sync) {
        const std::string dir = directoryOf(m_final);
        const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || ::fsync(dfd) != 0) {
            const int err = errno;
            if (dfd >= 0)
                ::close(dfd);
            // The file is complete and renamed; only the directory entry's durability is in doubt. Report it,
            // leaving the valid file in place (removing it would turn a durability doubt into certain loss).
            if (error)
                *error = "file '" + m_final + "' is complete but " + failure("fsync of directory", dir, err);
            return false;
        }
        ::close(dfd);
    }
    return true;
}

void AtomicFile::discard() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
        ::unlink(m_partial.c_str());
    }
}

} // namespace vibra::parquet
