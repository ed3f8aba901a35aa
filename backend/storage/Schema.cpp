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
    // 2: raw blocks, 1 min / 1 h rollups, events, latest state, NULL-able DSP severity columns
    R"sql(
ALTER TABLE device ADD COLUMN sensitivity REAL;        -- sensor sensitivity (e.g. mV per unit), NULL = unknown
ALTER TABLE rollup_1s ADD COLUMN crest REAL;           -- peak / rms
ALTER TABLE rollup_1s ADD COLUMN velocity_rms REAL;    -- mm/s, NULL until the DSP provides it
ALTER TABLE rollup_1s ADD COLUMN zone INTEGER;         -- severity zone 0..3 (A..D), NULL = not evaluated
UPDATE rollup_1s SET crest = CASE WHEN rms > 0 THEN peak / rms ELSE 0 END;
CREATE TABLE rollup_1m(
  device_id    INTEGER NOT NULL REFERENCES device(id),
  axis         INTEGER NOT NULL,
  t_ns         INTEGER NOT NULL,      -- bucket start, multiple of 60e9
  n            INTEGER NOT NULL,
  min          REAL NOT NULL,
  max          REAL NOT NULL,
  mean         REAL NOT NULL,
  rms          REAL NOT NULL,         -- AC RMS of all samples of the bucket (exact merge)
  peak         REAL NOT NULL,         -- max |x - mean| = max(max - mean, mean - min)
  crest        REAL NOT NULL,
  kurtosis     REAL NOT NULL,         -- sample-weighted mean of the 1 s kurtosis values
  velocity_rms REAL,                  -- RMS of the 1 s values, NULL when none had one
  zone         INTEGER,               -- worst zone of the 1 s values
  gaps         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(device_id, axis, t_ns)
) WITHOUT ROWID;
CREATE INDEX rollup_1m_time ON rollup_1m(t_ns);
CREATE TABLE rollup_1h(
  device_id    INTEGER NOT NULL REFERENCES device(id),
  axis         INTEGER NOT NULL,
  t_ns         INTEGER NOT NULL,      -- bucket start, multiple of 3600e9
  n            INTEGER NOT NULL,
  min          REAL NOT NULL,
  max          REAL NOT NULL,
  mean         REAL NOT NULL,
  rms          REAL NOT NULL,
  peak         REAL NOT NULL,
  crest        REAL NOT NULL,
  kurtosis     REAL NOT NULL,
  velocity_rms REAL,
  zone         INTEGER,
  gaps         INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(device_id, axis, t_ns)
) WITHOUT ROWID;
CREATE INDEX rollup_1h_time ON rollup_1h(t_ns);
CREATE TABLE raw_block(
  id           INTEGER PRIMARY KEY,
  device_id    INTEGER NOT NULL REFERENCES device(id),
  session_id   INTEGER NOT NULL REFERENCES session(id),
  seq          INTEGER NOT NULL,      -- block sequence number within the stream
  first_sample INTEGER NOT NULL,      -- index of the block's first sample since the stream started
  t_ns         INTEGER NOT NULL,      -- UTC ns of the first sample
  end_ns       INTEGER NOT NULL,      -- UTC ns just after the last sample (t_ns + n / rate)
  n            INTEGER NOT NULL,      -- samples per axis
  axes         INTEGER NOT NULL,
  fmt          INTEGER NOT NULL,      -- 1 = zstd(planar LE float32); 2 = zstd(byte planes of it)
  data         BLOB NOT NULL
);
CREATE UNIQUE INDEX raw_block_key ON raw_block(device_id, session_id, seq);
CREATE INDEX raw_block_time ON raw_block(device_id, t_ns);
CREATE INDEX raw_block_end ON raw_block(end_ns);
CREATE TABLE event(
  id           INTEGER PRIMARY KEY,
  device_id    INTEGER REFERENCES device(id),   -- NULL for database-wide events
  session_id   INTEGER REFERENCES session(id),
  t_ns         INTEGER NOT NULL,
  kind         TEXT NOT NULL,         -- gap | unclean_shutdown | write_error | retention
  first_sample INTEGER,               -- gap: index of the first missing sample
  samples      INTEGER,               -- gap: samples per axis missing
  detail       TEXT
);
CREATE INDEX event_time ON event(t_ns);
CREATE TABLE device_latest(
  device_id    INTEGER NOT NULL REFERENCES device(id),
  axis         INTEGER NOT NULL,
  t_ns         INTEGER NOT NULL,      -- start of the newest 1 s bucket seen
  n            INTEGER NOT NULL,
  min          REAL NOT NULL,
  max          REAL NOT NULL,
  mean         REAL NOT NULL,
  rms          REAL NOT NULL,
  peak         REAL NOT NULL,
  crest        REAL NOT NULL,
  velocity_rms REAL,
  zone         INTEGER,
  PRIMARY KEY(device_id, axis)
) WITHOUT ROWID;
INSERT INTO device_latest(device_id, axis, t_ns, n, min, max, mean, rms, peak, crest)
  SELECT r.device_id, r.axis, r.t_ns, r.n, r.min, r.max, r.mean, r.rms, r.peak, r.crest FROM rollup_1s r
  WHERE r.t_ns = (SELECT max(t_ns) FROM rollup_1s q WHERE q.device_id = r.device_id AND q.axis = r.axis);
)sql",
    // 3: raw blocks are unique by (device, session, first sample): a decoder that restarts its block sequence
    // after a reconnect must not make new samples look like duplicates. seq stays as a plain column.
    R"sql(
DROP INDEX raw_block_key;
CREATE UNIQUE INDEX raw_block_key ON raw_block(device_id, session_id, first_sample);
)sql",
    // 4: events carry alarms (raised/cleared by a rule on a metric of an axis); per-device time queries.
    R"sql(
ALTER TABLE event ADD COLUMN state TEXT;        -- alarm: raised | cleared; NULL otherwise
ALTER TABLE event ADD COLUMN rule TEXT;         -- the rule as written, e.g. velocity>4.5 or zone>=C
ALTER TABLE event ADD COLUMN metric TEXT;       -- rms | peak | crest | velocity | kurtosis | zone | ...
ALTER TABLE event ADD COLUMN axis INTEGER;      -- axis index the value belongs to; NULL = device-wide
ALTER TABLE event ADD COLUMN value REAL;        -- the value that crossed (zone: 0..3 = A..D)
ALTER TABLE event ADD COLUMN threshold REAL;
CREATE INDEX event_device_time ON event(device_id, t_ns);
)sql",
    // 5: frames dropped by reason in the session accounting; device_latest carries every statistics column
    // and keeps the last known velocity/zone with their time; raw rows may hold several contiguous blocks.
    R"sql(
ALTER TABLE session_device ADD COLUMN frames_dropped_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session_device ADD COLUMN frames_dropped_json TEXT NOT NULL DEFAULT '{}'; -- {"reason": frames}
ALTER TABLE device_latest ADD COLUMN kurtosis REAL NOT NULL DEFAULT 0;
ALTER TABLE device_latest ADD COLUMN gaps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE device_latest ADD COLUMN velocity_t_ns INTEGER;  -- second velocity_rms/zone come from
UPDATE device_latest SET
  kurtosis = coalesce((SELECT r.kurtosis FROM rollup_1s r WHERE r.device_id = device_latest.device_id AND
                       r.axis = device_latest.axis AND r.t_ns = device_latest.t_ns), 0),
  gaps = coalesce((SELECT r.gaps FROM rollup_1s r WHERE r.device_id = device_latest.device_id AND
                   r.axis = device_latest.axis AND r.t_ns = device_latest.t_ns), 0),
  velocity_t_ns = CASE WHEN velocity_rms IS NOT NULL OR zone IS NOT NULL THEN t_ns END;
ALTER TABLE raw_block ADD COLUMN blocks INTEGER NOT NULL DEFAULT 1; -- source blocks in this row
ALTER TABLE raw_block ADD COLUMN parts BLOB;  -- NULL = one block; else per block: count, seq, start (varints)
)sql",
    // 6: rate tracking of timestamped streams in the session accounting.
    R"sql(
ALTER TABLE session_device ADD COLUMN rate_estimate_hz REAL;     -- estimated from time stamps; NULL = not estimated
ALTER TABLE session_device ADD COLUMN timestamp_jitter_ns INTEGER; -- robust std. dev. around the fit; NULL likewise
ALTER TABLE session_device ADD COLUMN rate_changes INTEGER NOT NULL DEFAULT 0; -- new streams: the rate changed
)sql",
    // 7: the relay ledger: raw blocks that arrived through a Redis consumer, unique by their producer key
    // (device, upstream session, sequence), so a re-delivered entry is stored once (RelayLedger).
    R"sql(
CREATE TABLE relay_block(
  device_id   INTEGER NOT NULL REFERENCES device(id),
  origin      TEXT NOT NULL,      -- the publisher's session
  seq         INTEGER NOT NULL,   -- entry sequence within it
  session_id  INTEGER NOT NULL,   -- the recording session that stored it
  PRIMARY KEY(device_id, origin, seq)
) WITHOUT ROWID;
)sql",
    // 8: the relay ledger counts the samples per axis each entry carried (edge-vs-centre reports); entries
    // of a features stream (1 s rollups, events) share it under their own origin; an edge's publisher
    // accounting per session and device (what Redis acknowledged, what was dropped and why).
    R"sql(
ALTER TABLE relay_block ADD COLUMN samples INTEGER NOT NULL DEFAULT 0; -- per axis; 0 for events
CREATE TABLE publish_device(
  session_id           INTEGER NOT NULL REFERENCES session(id),
  device_id            INTEGER NOT NULL REFERENCES device(id),
  origin               TEXT NOT NULL,  -- the relay ledger origin the centre files these entries under
  mode                 TEXT NOT NULL,  -- raw | features
  stream               TEXT NOT NULL,  -- the Redis stream key
  received             INTEGER NOT NULL, -- samples per axis offered to the publisher
  published            INTEGER NOT NULL, -- ... in entries Redis acknowledged
  entries              INTEGER NOT NULL,
  dropped_tap_overflow INTEGER NOT NULL,
  dropped_overflow     INTEGER NOT NULL, -- the outbound buffer was full (Redis unreachable too long)
  dropped_rejected     INTEGER NOT NULL, -- XADD answered with an error
  dropped_unpublished  INTEGER NOT NULL, -- still buffered when the recorder stopped
  events_offered       INTEGER NOT NULL DEFAULT 0,
  events_published     INTEGER NOT NULL DEFAULT 0,
  events_dropped       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(session_id, device_id)
) WITHOUT ROWID;
)sql",
    // 9: the relay ledger keeps each entry's time, so retention prunes it with what it stands for (raw
    // entries with raw blocks, features entries with rollups); rows from before have none and are kept.
    R"sql(
ALTER TABLE relay_block ADD COLUMN t_ns INTEGER; -- UTC ns: a raw block's start, a rollup's second, an event
CREATE INDEX relay_block_t ON relay_block(t_ns);
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
        // Another process (a second writer opening a new or older database at the same time) may have
        // migrated meanwhile: the version counts as read inside the write transaction.
        sqlite3_stmt* st = nullptr;
        int current = -1;
        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            current = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (current >= v) {
            execAll(db, "COMMIT", &err);
            continue;
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
