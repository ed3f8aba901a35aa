#include "storage/Statement.h"

#include <utility>

namespace vibra::storage {

Statement::Statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &m_stmt, nullptr) != SQLITE_OK) {
        m_error = sqlite3_errmsg(db);
        m_stmt = nullptr;
    }
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& o) noexcept
    : m_stmt(std::exchange(o.m_stmt, nullptr))
    , m_error(std::move(o.m_error)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(o.m_stmt, nullptr);
        m_error = std::move(o.m_error);
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t v) {
    sqlite3_bind_int64(m_stmt, index, v);
    return *this;
}

Statement& Statement::bind(int index, double v) {
    sqlite3_bind_double(m_stmt, index, v);
    return *this;
}

Statement& Statement::bind(int index, std::string_view v) {
    sqlite3_bind_text(m_stmt, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindBlob(int index, std::span<const std::uint8_t> v) {
    sqlite3_bind_blob64(m_stmt, index, v.data(), v.size(), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

int Statement::step() {
    return sqlite3_step(m_stmt);
}

bool Statement::fetch(std::string* error) {
    if (!m_stmt) {
        *error = m_error.empty() ? std::string("statement not prepared") : m_error;
        return false;
    }
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        *error = sqlite3_errmsg(sqlite3_db_handle(m_stmt));
    return false;
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(m_stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(m_stmt, col))
             : std::string();
}

} // namespace vibra::storage
