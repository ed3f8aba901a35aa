#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace vibra::exporting {

/// An output file written as PATH.partial and renamed to PATH only when complete, so a failed or cancelled
/// export never leaves a file under the final name. The first error is kept; after it every call fails.
///
/// Threads: the owning thread only.
class PartialFile {
public:
    explicit PartialFile(std::string path);
    ~PartialFile(); ///< removes the partial unless commit() succeeded
    PartialFile(const PartialFile&) = delete;
    PartialFile& operator=(const PartialFile&) = delete;

    /// Opens PATH.partial for writing. False with error() set.
    bool open();
    bool write(const std::string& text);
    /// Flushes, closes and renames to PATH. False with error() set (the partial is removed).
    bool commit();
    /// Removes the partial and records why (returns false, for `return file.abandon(...)`).
    bool abandon(const std::string& why);

    const std::string& error() const { return m_error; }
    std::uint64_t bytes() const { return m_bytes; }
    const std::string& partialPath() const { return m_partial; }

private:
    bool fail(const std::string& message);

    const std::string m_path;
    const std::string m_partial;
    std::FILE* m_file = nullptr;
    std::uint64_t m_bytes = 0;
    bool m_committed = false;
    std::string m_error;
};

} // namespace vibra::exporting
