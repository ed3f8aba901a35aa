// Schema migrations: each step from the previous version with data in it, and refusal of damaged files.
#include "storage/Database.h"
#include "storage/Schema.h"
#include "storage/Statement.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace vibra;

namespace {
std::int64_t scalar(sqlite3* db, const char* sql) {
    storage::Statement st(db, sql);
    return st.step() == SQLITE_ROW ? st.int64(0) : -999;
}
double real(sqlite3* db, const char* sql) {
    storage::Statement st(db, sql);
    return st.step() == SQLITE_ROW ? st.real(0) : std::nan("");
}
bool exec(sqlite3* db, const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}
} // namespace

class TstStorageSchema : public QObject {
    Q_OBJECT
private slots:
    void v1ToV2KeepsDataAndFillsLatest() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/v1.db").toStdString();
        {
            sqlite3* raw = nullptr;
            QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
            std::string err;
            QVERIFY2(storage::Schema::migrateTo(raw, 0, 1, &err), err.c_str());
            QCOMPARE(scalar(raw, "PRAGMA user_version"), 1);
            QVERIFY(exec(raw, "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) "
                              "VALUES(1, 'a', 1000, 2, 'x,y', 'g')"));
            QVERIFY(exec(raw, "INSERT INTO session(id, started_ns, stopped_ns, clean) VALUES(1, 0, 5, 1)"));
            QVERIFY(exec(
                raw,
                "INSERT INTO session_device(session_id, device_id, received, stored) VALUES(1,1,3000,3000)"));
            for (int t = 0; t < 3; ++t)
                for (int a = 0; a < 2; ++a) {
                    const std::string sql = "INSERT INTO rollup_1s(device_id, axis, t_ns, n, min, max, mean, "
                                            "rms, peak, kurtosis) "
                                            "VALUES(1," +
                                            std::to_string(a) + "," + std::to_string(t) +
                                            "000000000, 1000, -2, 2, 0, " + std::to_string(0.5 + t) +
                                            ", 2, 3)";
                    QVERIFY(exec(raw, sql.c_str()));
                }
            // v1 has none of the v2 tables
            QCOMPARE(scalar(raw, "SELECT count(*) FROM sqlite_schema WHERE name='raw_block'"), 0);
            sqlite3_close(raw);
        }
        storage::Database db;
        std::string err;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadWrite, &err), err.c_str());
        sqlite3* h = db.handle();
        QCOMPARE(scalar(h, "PRAGMA user_version"), storage::Schema::kCurrentVersion);
        QCOMPARE(scalar(h, "SELECT count(*) FROM rollup_1s"), 6);
        QCOMPARE(scalar(h, "SELECT stored FROM session_device"), 3000);
        // crest derived from the v1 columns: peak / rms
        QCOMPARE(real(h, "SELECT crest FROM rollup_1s WHERE axis=0 AND t_ns=2000000000"), 2.0 / 2.5);
        QCOMPARE(scalar(h, "SELECT count(*) FROM rollup_1s WHERE velocity_rms IS NULL AND zone IS NULL"), 6);
        // device_latest holds the newest second per axis
        QCOMPARE(scalar(h, "SELECT count(*) FROM device_latest"), 2);
        QCOMPARE(scalar(h, "SELECT min(t_ns) FROM device_latest"), 2000000000);
        QCOMPARE(real(h, "SELECT rms FROM device_latest WHERE axis=1"), 2.5);
        for (const char* t : {"rollup_1m", "rollup_1h", "raw_block", "event", "device_latest"}) {
            const std::string sql = std::string("SELECT count(*) FROM sqlite_schema WHERE name='") + t + "'";
            QCOMPARE(scalar(h, sql.c_str()), 1);
        }
        QVERIFY(std::isnan(real(h, "SELECT sensitivity FROM device")) ||
                scalar(h, "SELECT sensitivity IS NULL FROM device") == 1);
    }

    void v2ToV3KeysRawBlocksByFirstSample() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/v2.db").toStdString();
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        std::string err;
        QVERIFY2(storage::Schema::migrateTo(raw, 0, 2, &err), err.c_str());
        QVERIFY(exec(
            raw,
            "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) VALUES(1,'a',100,1,'x','g');"
            "INSERT INTO session(id, started_ns) VALUES(1, 0);"
            "INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, fmt, "
            "data) VALUES(1,1,0,0,0,1000000000,100,1,2,x'01'), "
            "(1,1,1,100,1000000000,2000000000,100,1,2,x'02')"));
        // version 2: the same sequence number again is refused even though the samples are new
        QVERIFY(!exec(
            raw,
            "INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, fmt, "
            "data) VALUES(1,1,0,200,2000000000,3000000000,100,1,2,x'03')"));
        QVERIFY2(storage::Schema::migrateTo(raw, 2, 3, &err), err.c_str());
        QCOMPARE(scalar(raw, "PRAGMA user_version"), 3);
        QCOMPARE(scalar(raw, "SELECT count(*) FROM raw_block"), 2);
        QVERIFY(exec(
            raw,
            "INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, fmt, "
            "data) VALUES(1,1,0,200,2000000000,3000000000,100,1,2,x'03')"));
        // the same first sample again is a duplicate
        QVERIFY(!exec(
            raw,
            "INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, fmt, "
            "data) VALUES(1,1,7,100,1000000000,2000000000,100,1,2,x'04')"));
        QCOMPARE(scalar(raw, "SELECT sum(n) FROM raw_block"), 300);
        sqlite3_close(raw);
    }

    void v3ToV4AddsAlarmColumnsToEvents() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/v3.db").toStdString();
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        std::string err;
        QVERIFY2(storage::Schema::migrateTo(raw, 0, 3, &err), err.c_str());
        QVERIFY(exec(
            raw, "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) VALUES(1,'a',100,1,'x','g');"
                 "INSERT INTO session(id, started_ns) VALUES(1, 0);"
                 "INSERT INTO event(device_id, session_id, t_ns, kind, first_sample, samples, detail) "
                 "VALUES(1, 1, 5, 'gap', 100, 50, 'detected'), (NULL, 1, 9, 'unclean_shutdown', NULL, "
                 "NULL, 'quick_check: ok')"));
        // version 3 has no alarm columns
        QVERIFY(!exec(raw, "INSERT INTO event(t_ns, kind, rule) VALUES(1, 'alarm', 'rms>1')"));
        QVERIFY2(storage::Schema::migrateTo(raw, 3, 4, &err), err.c_str());
        QCOMPARE(scalar(raw, "PRAGMA user_version"), 4);
        QCOMPARE(scalar(raw,
                        "SELECT count(*) FROM event WHERE kind='gap' AND first_sample=100 AND samples=50 AND "
                        "detail='detected' AND state IS NULL AND rule IS NULL AND axis IS NULL AND value IS "
                        "NULL AND threshold IS NULL AND metric IS NULL"),
                 1);
        QCOMPARE(scalar(raw, "SELECT count(*) FROM event"), 2);
        QVERIFY(exec(raw,
                     "INSERT INTO event(device_id, session_id, t_ns, kind, state, rule, metric, axis, value, "
                     "threshold, detail) VALUES(1, 1, 20, 'alarm', 'raised', 'velocity>4.5', 'velocity', 0, "
                     "7.75, 4.5, 'velocity RMS x 7.75 mm/s > 4.5')"));
        QCOMPARE(real(raw, "SELECT value FROM event WHERE kind='alarm'"), 7.75);
        // per-device time queries use the new index
        storage::Statement plan(
            raw, "EXPLAIN QUERY PLAN SELECT * FROM event WHERE device_id=1 AND t_ns>=0 AND t_ns<9");
        QCOMPARE(plan.step(), SQLITE_ROW);
        QVERIFY2(plan.text(3).find("event_device_time") != std::string::npos, plan.text(3).c_str());
        sqlite3_close(raw);
    }

    void v4ToV5FillsLatestAndKeepsAccounting() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/v4.db").toStdString();
        sqlite3* raw = nullptr;
        QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        std::string err;
        QVERIFY2(storage::Schema::migrateTo(raw, 0, 4, &err), err.c_str());
        QVERIFY(exec(
            raw,
            "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) VALUES(1,'a',100,2,'x,y','g');"
            "INSERT INTO session(id, started_ns) VALUES(1, 0);"
            "INSERT INTO session_device(session_id, device_id, received, stored, dropped_total, "
            "dropped_json) VALUES(1, 1, 300, 250, 50, '{\"malformed\":50}');"
            "INSERT INTO rollup_1s(device_id, axis, t_ns, n, min, max, mean, rms, peak, kurtosis, gaps, "
            "crest, velocity_rms, zone) VALUES(1, 0, 1000000000, 100, -1, 1, 0, 0.5, 1, 2.5, 1, 2, 3.5, "
            "1), (1, 1, 1000000000, 100, -1, 1, 0, 0.5, 1, 4.5, 0, 2, NULL, NULL);"
            "INSERT INTO device_latest(device_id, axis, t_ns, n, min, max, mean, rms, peak, crest, "
            "velocity_rms, zone) VALUES(1, 0, 1000000000, 100, -1, 1, 0, 0.5, 1, 2, 3.5, 1), "
            "(1, 1, 1000000000, 100, -1, 1, 0, 0.5, 1, 2, NULL, NULL);"
            "INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, fmt, "
            "data) VALUES(1, 1, 0, 0, 0, 1000000000, 100, 2, 2, x'00')"));
        // version 4 has none of the new columns
        QVERIFY(!exec(raw, "SELECT frames_dropped_json FROM session_device"));
        QVERIFY2(storage::Schema::migrateTo(raw, 4, 5, &err), err.c_str());
        QCOMPARE(scalar(raw, "PRAGMA user_version"), 5);
        // version 5 has no rate tracking columns; 6 adds them, NULL (not estimated) for existing rows
        QVERIFY(!exec(raw, "SELECT rate_estimate_hz FROM session_device"));
        QVERIFY2(storage::Schema::migrateTo(raw, 5, 6, &err), err.c_str());
        QCOMPARE(scalar(raw, "SELECT count(*) FROM session_device WHERE rate_estimate_hz IS NULL AND "
                             "timestamp_jitter_ns IS NULL AND rate_changes = 0"),
                 scalar(raw, "SELECT count(*) FROM session_device"));
        QCOMPARE(
            scalar(raw,
                   "SELECT received + stored + dropped_total + frames_dropped_total FROM session_device"),
            600);
        storage::Statement js(raw, "SELECT frames_dropped_json, dropped_json FROM session_device");
        QCOMPARE(js.step(), SQLITE_ROW);
        QCOMPARE(js.text(0), std::string("{}"));
        QCOMPARE(js.text(1), std::string(R"({"malformed":50})"));
        // device_latest: kurtosis and gaps filled from the 1 s row of its second; velocity time where known
        QCOMPARE(real(raw, "SELECT kurtosis FROM device_latest WHERE axis=0"), 2.5);
        QCOMPARE(real(raw, "SELECT kurtosis FROM device_latest WHERE axis=1"), 4.5);
        QCOMPARE(scalar(raw, "SELECT gaps FROM device_latest WHERE axis=0"), 1);
        QCOMPARE(scalar(raw, "SELECT velocity_t_ns FROM device_latest WHERE axis=0"), 1000000000);
        QCOMPARE(scalar(raw, "SELECT velocity_t_ns IS NULL FROM device_latest WHERE axis=1"), 1);
        // a version-4 raw row is one block
        QCOMPARE(scalar(raw, "SELECT blocks FROM raw_block"), 1);
        QCOMPARE(scalar(raw, "SELECT parts IS NULL FROM raw_block"), 1);
        // 6 -> 7: the relay ledger appears, empty, and keeps (device, origin, seq) unique
        QVERIFY(!exec(raw, "SELECT count(*) FROM relay_block"));
        QVERIFY2(storage::Schema::migrateTo(raw, 6, 7, &err), err.c_str());
        QCOMPARE(scalar(raw, "PRAGMA user_version"), 7);
        QCOMPARE(scalar(raw, "SELECT count(*) FROM relay_block"), 0);
        QVERIFY(exec(raw, "INSERT INTO relay_block VALUES(1, '17', 0, 1)"));
        QVERIFY(!exec(raw, "INSERT INTO relay_block VALUES(1, '17', 0, 2)"));
        QVERIFY(exec(raw, "INSERT INTO relay_block VALUES(1, '18', 0, 2)"));
        QCOMPARE(scalar(raw, "SELECT count(*) FROM raw_block"), 1); // untouched
        // 7 -> 8: ledger rows keep their keys and get samples = 0; publish_device appears, keyed by session
        // and device
        QVERIFY(!exec(raw, "SELECT count(*) FROM publish_device"));
        QVERIFY2(storage::Schema::migrateTo(raw, 7, 8, &err), err.c_str());
        QCOMPARE(scalar(raw, "PRAGMA user_version"), 8);
        QCOMPARE(scalar(raw, "SELECT count(*) FROM relay_block WHERE samples = 0"), 2);
        QVERIFY(!exec(raw, "INSERT INTO relay_block VALUES(1, '17', 0, 3, 256)"));
        QVERIFY(exec(raw, "INSERT INTO relay_block VALUES(1, '17:features', 0, 3, 16000)"));
        QCOMPARE(scalar(raw, "SELECT sum(samples) FROM relay_block"), 16000);
        const char* pub = "INSERT INTO publish_device(session_id, device_id, origin, mode, stream, received, "
                          "published, entries, dropped_tap_overflow, dropped_overflow, dropped_rejected, "
                          "dropped_unpublished) VALUES(1, 1, '17', 'raw', 'p:{dev:a}', 10, 8, 1, 0, 2, 0, 0)";
        QVERIFY(exec(raw, pub));
        QVERIFY(!exec(raw, pub));
        QCOMPARE(scalar(raw, "SELECT events_offered + events_published + events_dropped FROM publish_device"),
                 0);
        sqlite3_close(raw);
    }

    void everyStepFromEveryVersion() {
        // From each older version (with its tables present) to the current one.
        for (int from = 0; from < storage::Schema::kCurrentVersion; ++from) {
            QTemporaryDir dir;
            const std::string path = (dir.path() + "/s.db").toStdString();
            sqlite3* raw = nullptr;
            QCOMPARE(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
            std::string err;
            QVERIFY(storage::Schema::migrateTo(raw, 0, from, &err));
            QVERIFY2(storage::Schema::migrate(raw, from, &err), err.c_str());
            QCOMPARE(scalar(raw, "PRAGMA user_version"), storage::Schema::kCurrentVersion);
            QCOMPARE(scalar(raw, "PRAGMA application_id"), storage::Schema::kApplicationId);
            storage::Statement ic(raw, "PRAGMA integrity_check");
            QCOMPARE(ic.step(), SQLITE_ROW);
            QCOMPARE(ic.text(0), std::string("ok"));
            sqlite3_close(raw);
        }
    }

    void failedStepRollsBack() {
        // A v1 database that already has a table named like a v2 one: the step fails, nothing changes.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/c.db").toStdString();
        sqlite3* raw = nullptr;
        sqlite3_open(path.c_str(), &raw);
        std::string err;
        QVERIFY(storage::Schema::migrateTo(raw, 0, 1, &err));
        QVERIFY(exec(raw, "CREATE TABLE rollup_1m(x)"));
        QVERIFY(!storage::Schema::migrate(raw, 1, &err));
        QVERIFY2(err.find("version 2") != std::string::npos, err.c_str());
        QCOMPARE(scalar(raw, "PRAGMA user_version"), 1);
        QCOMPARE(scalar(raw, "SELECT count(*) FROM pragma_table_info('rollup_1s') WHERE name='crest'"), 0);
        sqlite3_close(raw);
    }

    void truncatedAndCorruptFilesAreRefusedUntouched() {
        QTemporaryDir dir;
        const QString good = dir.path() + "/g.db";
        {
            storage::Database db;
            std::string err;
            QVERIFY(db.open(good.toStdString(), storage::Database::Mode::Create, &err));
            for (int i = 0; i < 2000; ++i)
                QVERIFY(db.exec(("INSERT INTO event(t_ns, kind, detail) VALUES(" + std::to_string(i) +
                                 ", 'x', hex(randomblob(100)))")
                                    .c_str(),
                                &err));
            db.exec("PRAGMA wal_checkpoint(TRUNCATE)", nullptr);
        }
        QFile f(good);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        f.close();
        QVERIFY(bytes.size() > 8192);
        // truncated to a header fragment, and a file whose header page is overwritten with garbage
        const QString truncated = dir.path() + "/t.db", corrupt = dir.path() + "/c.db";
        {
            QFile t(truncated);
            QVERIFY(t.open(QIODevice::WriteOnly));
            t.write(bytes.left(50));
        }
        {
            QByteArray c = bytes;
            for (int i = 16; i < 100; ++i)
                c[i] = static_cast<char>(0xA5);
            QFile t(corrupt);
            QVERIFY(t.open(QIODevice::WriteOnly));
            t.write(c);
        }
        for (const QString& p : {truncated, corrupt}) {
            QFile in(p);
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray before = in.readAll();
            in.close();
            for (auto mode : {storage::Database::Mode::Create, storage::Database::Mode::ReadOnly}) {
                storage::Database db;
                std::string err;
                QVERIFY2(!db.open(p.toStdString(), mode, &err), qPrintable(p));
                QVERIFY2(!err.empty() && err.find(p.toStdString()) != std::string::npos, err.c_str());
            }
            QVERIFY(in.open(QIODevice::ReadOnly));
            QCOMPARE(in.readAll(), before);
            QVERIFY(!QFile::exists(p + "-wal"));
        }
    }
};

QTEST_GUILESS_MAIN(TstStorageSchema)
#include "tst_storage_schema.moc"
