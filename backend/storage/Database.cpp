#include "storage/Database.h"

#include "storage/Schema.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace vibra::storage {

namespace {
bool queryInt(sqlite3* db, const char* sql, std::int64_t* out, std::string* error) {
    Statement st(db, sql);
    if (!st.isValid()) {
        *error = st.error();
        return false;
    }
    const int rc = st.step();
    if (rc != SQLITE_ROW) {
        *error = sqlite3_errmsg(db);
        return false;
    }
    *out = st.int64(0);
    return true;
}

/// Whether files can be created next to path (what SQLite needs for -wal/-shm): tried, not guessed from the
/// mode bits (root passes those; a read-only mount or an immutable directory stops everyone).
bool directoryWritable(const std::string& path) {
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty())
        dir = ".";
    const std::string probe = (dir / (".vibrascope-probe-" + std::to_string(::getpid()))).string();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST; // a stale probe of ours: the directory took it, so it is writable
    ::close(fd);
    ::unlink(probe.c_str());
    return true;
}

/// "file:PATH?immutable=1" with the URI-special characters of PATH escaped.
std::string immutableUri(const std::string& path) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
            uri += buf;
        } else {
            uri += c;
        }
    }
    return uri + "?immutable=1";
}

void removeDatabaseFiles(const std::string& path) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(path + suffix, ec);
}
} // namespace

Database::~Database() {
    close();
}

void Database::close() {
    if (m_db) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }
}

bool Database::exec(const char* sql, std::string* error) {
    char* msg = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        if (error)
            *error = msg ? msg : sqlite3_errmsg(m_db);
        sqlite3_free(msg);
        return false;
    }
    return true;
}

bool Database::open(const std::string& path, Mode mode, std::string* error, Durability durability) {
    close();
    m_path = path;
    m_note.clear();
    m_unclean = false;
    m_quickCheck.clear();
    std::error_code ec;
    const bool existed = std::filesystem::exists(path, ec);
    if (!existed && mode != Mode::Create) {
        *error = "database '" + path + "' does not exist";
        return false;
    }
    if (existed && std::filesystem::is_directory(path, ec)) {
        *error = "'" + path + "' is a directory, not a database file";
        return false;
    }
    int flags = mode == Mode::ReadOnly    ? SQLITE_OPEN_READONLY
                : mode == Mode::ReadWrite ? SQLITE_OPEN_READWRITE
                                          : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const bool createdHere = !existed;
    const bool hadWal = std::filesystem::exists(path + "-wal", ec);
    const bool hadShm = std::filesystem::exists(path + "-shm", ec);
    std::string target = path;
    if (mode == Mode::ReadOnly && !directoryWritable(path)) {
        // A finished history in a directory we cannot write (read-only mount, permissions): SQLite cannot
        // create its -shm there. Without WAL content the file is complete: read it as an unchanging file.
        const auto walBytes = hadWal ? std::filesystem::file_size(path + "-wal", ec) : 0;
        if (walBytes > 0 && !hadShm) {
            *error =
                "cannot read '" + path + "': its directory is not writable and '" + path +
                "-wal' holds data not yet in the database file (the recorder is still running or did not "
                "stop cleanly); copy both files to a writable directory";
            return false;
        }
        if (walBytes == 0) {
            target = immutableUri(path);
            flags |= SQLITE_OPEN_URI;
            m_note = "the directory of '" + path +
                     "' is not writable: reading it read-only, as an unchanging file";
        }
    }
    auto fail = [&](const std::string& message) {
        *error = message;
        close();
        if (createdHere) {
            removeDatabaseFiles(path);
        } else {
            // leave a refused file exactly as it was: no sidecar files of ours next to it
            if (!hadWal)
                std::filesystem::remove(path + "-wal", ec);
            if (!hadShm)
                std::filesystem::remove(path + "-shm", ec);
        }
        return false;
    };
    if (sqlite3_open_v2(target.c_str(), &m_db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        return fail("cannot open database '" + path + "': " + why +
                    (createdHere ? " (does the directory exist and is it writable?)" : ""));
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, 5000);
    if (mode != Mode::ReadOnly && sqlite3_db_readonly(m_db, "main") == 1)
        return fail("database '" + path + "' is read-only (check the file's permissions)");

    std::int64_t appId = 0, version = 0, objects = 0;
    std::string err;
    if (!queryInt(m_db, "PRAGMA application_id", &appId, &err) ||
        !queryInt(m_db, "PRAGMA user_version", &version, &err) ||
        !queryInt(m_db, "SELECT count(*) FROM sqlite_schema", &objects, &err))
        return fail("'" + path + "' is not a usable SQLite database: " + err);

    const bool empty = appId == 0 && version == 0 && objects == 0;
    if (!empty && appId != Schema::kApplicationId)
        return fail("'" + path + "' is an SQLite database of another application (application_id " +
                    std::to_string(appId) + "), not a Vibrascope history; choose another file");
    if (version > Schema::kCurrentVersion)
        return fail("'" + path + "' was written by a newer Vibrascope (schema version " +
                    std::to_string(version) + "; this build reads up to " +
                    std::to_string(Schema::kCurrentVersion) + ")");
    if (empty && mode != Mode::Create)
        return fail("'" + path + "' is an empty database, not a Vibrascope history");
    if (version < Schema::kCurrentVersion && mode == Mode::ReadOnly)
        return fail("'" + path + "' has the older schema version " + std::to_string(version) +
                    "; open it once for writing (e.g. vibrascope record) to upgrade it");

    if (mode != Mode::ReadOnly) {
        if (!exec("PRAGMA journal_mode=WAL", &err))
            return fail("cannot switch '" + path + "' to WAL: " + err);
        exec(durability == Durability::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
             nullptr);
        exec("PRAGMA journal_size_limit=67108864", nullptr);
        if (version < Schema::kCurrentVersion && !Schema::migrate(m_db, static_cast<int>(version), &err))
            return fail("'" + path + "': " + err);
        // A session without a stop time means the last writer died: check the file before trusting it.
        std::int64_t open = 0;
        if (queryInt(m_db, "SELECT count(*) FROM session WHERE stopped_ns IS NULL", &open, &err) &&
            open > 0) {
            m_unclean = true;
            Statement qc(m_db, "PRAGMA quick_check");
            if (qc.isValid() && qc.step() == SQLITE_ROW)
                m_quickCheck = qc.text(0);
            if (m_quickCheck != "ok")
                return fail("'" + path + "' failed its integrity check after an unclean shutdown: " +
                            (qc.isValid() ? m_quickCheck : qc.error()));
        }
    }
    m_schemaVersion = Schema::kCurrentVersion;
    return true;
}

} // namespace vibra::storage
