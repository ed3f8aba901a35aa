#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vibra::storage {

/// RAII prepared statement (sqlite3 C API). Owned by the thread that owns its connection.
class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& o) noexcept;
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    bool isValid() const { return m_stmt != nullptr; }
    const std::string& error() const { return m_error; }

    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, double v);
    Statement& bind(int index, std::string_view v);
    Statement& bindNull(int index);
    /// The bytes must stay valid until the next reset() (bound without a copy).
    Statement& bindBlob(int index, std::span<const std::uint8_t> v);
    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    /// For reading loops: true when a row is ready; false at the end (*error untouched) or on an error
    /// (*error = SQLite's message, e.g. "database disk image is malformed"). Use as
    /// `while (st.fetch(&err)) {...} if (!err.empty()) fail`, so an error never looks like "no more rows".
    bool fetch(std::string* error);
    void reset();

    std::int64_t int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
    double real(int col) const { return sqlite3_column_double(m_stmt, col); }
    std::string text(int col) const;
    std::span<const std::uint8_t> blob(int col) const {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, col));
        return {p, p ? static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)) : 0u};
    }
    bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

private:
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_error;
};

} // namespace vibra::storage
