#include "exporting/PartialFile.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace vibra::exporting {

PartialFile::PartialFile(std::string path)
    : m_path(std::move(path))
    , m_partial(m_path + ".partial") {}

PartialFile::~PartialFile() {
    if (!m_committed)
        abandon(m_error);
}

bool PartialFile::open() {
    m_file = std::fopen(m_partial.c_str(), "wb");
    if (!m_file)
        return fail("cannot write '" + m_partial + "': " + std::strerror(errno));
    return true;
}

bool PartialFile::write(const std::string& text) {
    if (!m_file)
        return false;
    if (std::fwrite(text.data(), 1, text.size(), m_file) != text.size())
        return fail("writing '" + m_partial + "' failed: " + std::strerror(errno));
    m_bytes += text.size();
    return true;
}

bool PartialFile::commit() {
    if (!m_file)
        return false;
    if (std::fflush(m_file) != 0 || std::ferror(m_file))
        return fail("writing '" + m_partial + "' failed: " + std::strerror(errno));
    const int rc = std::fclose(m_file);
    m_file = nullptr;
    if (rc != 0)
        return fail("closing '" + m_partial + "' failed: " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(m_partial, m_path, ec);
    if (ec)
        return fail("cannot rename '" + m_partial + "' to '" + m_path + "': " + ec.message());
    m_committed = true;
    return true;
}

bool PartialFile::abandon(const std::string& why) {
    if (m_file) {
        std::fclose(m_file);
        m_file = nullptr;
    }
    std::error_code ec;
    std::filesystem::remove(m_partial, ec);
    if (m_error.empty())
        m_error = why;
    return false;
}

bool PartialFile::fail(const std::string& message) {
    return abandon(message);
}

} // namespace vibra::exporting
