#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace vibra::parquet {

/// A file written under `FINAL.partial` and published as `FINAL` only by commit(): fsync the file, rename()
/// over FINAL, fsync the directory. Any failure (open, short write, ENOSPC, EFBIG, fsync, rename) is reported
/// as a message naming the operation, the path and strerror(errno); discard() closes and removes the partial,
/// so a failed or abandoned file never appears under its final name. Writes are unbuffered (callers write
/// whole pages). Plain POSIX, no Qt.
///
/// Threading: owned by one thread (the ParquetWriter's owner).
class AtomicFile {
public:
    AtomicFile() = default;
    ~AtomicFile(); // discards an uncommitted partial
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    /// Creates (truncating) FINAL.partial.
    bool open(const std::string& finalPath, std::string* error);
    bool write(std::span<const std::uint8_t> bytes, std::string* error);
    /// fsync (if sync), close, rename to the final path, fsync the directory (if sync). On failure before the
    /// rename the partial is removed and nothing exists under the final name. The one exception: if only the
    /// directory fsync after a successful rename fails, the complete file stays and the error says so.
    bool commit(bool sync, std::string* error);
    /// Closes and removes the partial (no-op when nothing is open).
    void discard();

    bool isOpen() const { return m_fd >= 0; }
    std::uint64_t offset() const { return m_offset; }
    const std::string& finalPath() const { return m_final; }
    const std::string& partialPath() const { return m_partial; }

private:
    std::string failure(const char* what, const std::string& path, int err) const;

    int m_fd = -1;
    std::uint64_t m_offset = 0;
    std::string m_final;
    std::string m_partial;
};

} // namespace vibra::parquet
