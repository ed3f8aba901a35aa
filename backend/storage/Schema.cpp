#include "storage/Schema.h"

#include <string>

namespace vibra::storage {

namespace {

// Migration step N takes the schema from version N-1 to N. Never edit a released step: add one.
const char* const kSteps[] = {
    // 1: initial schema
    R"sql(
CREATE TABLE device(
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  rate_hz     REAL NOT NULL,
  axes        INTEGER NOT NULL,
  axis_names  TEXT NOT NULL,          -- comma-separated, e.g. "x,y,z"
  unit        TEXT NOT NULL,          -- "g" or "m/s2"
  source_uri  TEXT,
  meta_json   TEXT
);
CREATE TABLE session(
  id          INTEGER PRIMARY KEY,
  started_ns  INTEGER NOT NULL,       -- UTC ns
  stopped_ns  INTEGER,                -- NULL while recording or after a crash
  clean       INTEGER NOT NULL DEFAULT 0,
  config_json TEXT,
  app_version TEXT
);
CREATE TABLE session_device(
  session_id       INTEGER NOT NULL REFERENCES session(id),
  device_id        INTEGER NOT NULL REFERENCES device(id),
  received         INTEGER NOT NULL DEFAULT 0,   -- samples per axis
  stored           INTEGER NOT NULL DEFAULT 0,
  dropped_total    INTEGER NOT NULL DEFAULT 0,
  dropped_json     TEXT NOT NULL DEFAULT '{}',   -- {"reason": samples}
  gaps_detected    INTEGER NOT NULL DEFAULT 0,
  gaps_inferred    INTEGER NOT NULL DEFAULT 0,
  samples_missing  INTEGER NOT NULL DEFAULT 0,
  reconnects       INTEGER NOT NULL DEFAULT 0,
  bytes            INTEGER NOT NULL DEFAULT 0,
  frames           INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(session_id, device_id)
);
CREATE TABLE rollup_1s(
  device_id  INTEGER NOT NULL REFERENCES device(id),
  axis       INTEGER NOT NULL,
  t_ns       INTEGER NOT NULL,        -- bucket start, UTC ns, multiple of 1e9
  n          INTEGER NOT NULL,        -- samples in the bucket
  min        REAL NOT NULL,
  max        REAL NOT NULL,
  mean       REAL NOT NULL,
  rms        REAL NOT NULL,           -- AC RMS (about the mean)
  peak       REAL NOT NULL,           -- max |x - mean|
  kurtosis   REAL NOT NULL,
  gaps       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(device_id, axis, t_ns)
) WITHOUT ROWID;
CREATE INDEX rollup_1s_time ON rollup_1s(t_ns);
)sql",
};

constexpr int kStepCount = static_cast<int>(sizeof(kSteps) / sizeof(kSteps[0]));
static_assert(kStepCount == Schema::kCurrentVersion, "one migration step per schema version");

bool execAll(sqlite3* db, const char* sql, std::string* error) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        *error = msg ? msg : "unknown SQLite error";
        sqlite3_free(msg);
        return false;
    }
    return true;
}

} // namespace

bool Schema::migrate(sqlite3* db, int fromVersion, std::string* error) {
    return migrateTo(db, fromVersion, kCurrentVersion, error);
}

bool Schema::migrateTo(sqlite3* db, int fromVersion, int targetVersion, std::string* error) {
    for (int v = fromVersion + 1; v <= targetVersion; ++v) {
        std::string err;
        if (!execAll(db, "BEGIN IMMEDIATE", &err)) {
            *error = "cannot start migration: " + err;
            return false;
        }
        const std::string tail = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                                 "; PRAGMA user_version = " + std::to_string(v) + ";";
        if (!execAll(db, kSteps[v - 1], &err) || !execAll(db, tail.c_str(), &err)) {
            std::string ignored;
            execAll(db, "ROLLBACK", &ignored);
            *error = "migration to schema version " + std::to_string(v) + " failed: " + err;
            return false;
        }
        if (!execAll(db, "COMMIT", &err)) {
            *error = "migration commit failed: " + err;
            return false;
        }
    }
    return true;
}

} // namespace vibra::storage
