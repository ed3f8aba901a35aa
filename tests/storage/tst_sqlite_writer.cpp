// SqliteWriter and Database: schema creation, accounting, batching, merging an overlapping second,
// refusal of foreign / newer files, and the integrity check after an unclean shutdown.
#include "storage/Database.h"
#include "storage/RollupCursor.h"
#include "storage/Schema.h"
#include "storage/SqliteWriter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace vibra;

namespace {
std::shared_ptr<const core::DeviceInfo> device(const char* name) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = name;
    d->sampleRate = 1000;
    d->axisNames = {"x", "y"};
    d->unit = core::Unit::G;
    return d;
}

pipeline::StoreItemPtr rollup(const std::shared_ptr<const core::DeviceInfo>& dev, std::int64_t t,
                              std::uint64_t n, double mean, double rms) {
    auto r = std::make_shared<pipeline::RollupRecord>();
    r->device = dev;
    r->bucketStartNs = t;
    r->samples = n;
    for (int a = 0; a < 2; ++a) {
        dsp::Moments m;
        m.count = n;
        m.mean = mean + a;
        m.rms = rms;
        m.min = mean + a - 2 * rms;
        m.max = mean + a + 2 * rms;
        m.peak = 2 * rms;
        m.kurtosis = 3;
        r->axes.push_back(m);
    }
    auto item = std::make_shared<pipeline::StoreItem>();
    item->rollup = std::move(r);
    return item;
}

pipeline::StoreFeedPtr feedOf(const char* id, std::size_t capacity = 64) {
    return std::make_shared<pipeline::StoreFeed>(id, std::string("sim://") + id,
                                                 std::make_shared<core::DeviceCounters>(), capacity);
}

std::int64_t scalar(storage::Database& db, const char* sql) {
    storage::Statement st(db.handle(), sql);
    return st.step() == SQLITE_ROW ? st.int64(0) : -999;
}
} // namespace

class TstSqliteWriter : public QObject {
    Q_OBJECT
private slots:
    void writesRollupsAndAccounting() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/h.db").toStdString();
        auto feed = feedOf("d1", 8);
        auto& ring = feed->ring;
        auto& counters = *feed->counters;
        auto dev = device("d1");
        {
            storage::SqliteWriter w({path, storage::Database::Durability::Normal, 50, "{}", "test"});
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(feed);
            counters.samplesReceived = 3000;
            for (int s = 0; s < 3; ++s)
                QVERIFY(ring.tryPush(rollup(dev, std::int64_t(s) * 1'000'000'000, 1000, 0.5, 0.25)));
            QTRY_COMPARE(counters.samplesStored.load(), std::uint64_t{3000});
            QVERIFY(w.commits() >= 1);
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
        QCOMPARE(db.schemaVersion(), storage::Schema::kCurrentVersion);
        QCOMPARE(scalar(db, "SELECT count(*) FROM rollup_1s"), 6);
        QCOMPARE(scalar(db, "SELECT received FROM session_device"), 3000);
        QCOMPARE(scalar(db, "SELECT stored FROM session_device"), 3000);
        QCOMPARE(scalar(db, "SELECT clean FROM session"), 1);
        storage::RollupCursor cursor;
        QVERIFY(cursor.open(db, {}, std::nullopt, std::nullopt, &err));
        QCOMPARE(cursor.count(), std::uint64_t{3});
        storage::RollupRow row;
        int rows = 0;
        while (cursor.next(&row)) {
            QCOMPARE(row.tNs, std::int64_t(rows) * 1'000'000'000);
            QCOMPARE(row.axes.size(), std::size_t{2});
            QCOMPARE(row.axes[1].mean, 1.5);
            ++rows;
        }
        QCOMPARE(rows, 3);
    }

    void overlappingSecondIsMerged() {
        // Two runs of the same second (e.g. a restart inside one second) combine like one run would.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/m.db").toStdString();
        auto feed = feedOf("d1", 8); // one device feeding two recording sessions in turn
        auto dev = device("d1");
        for (double mean : {0.0, 1.0}) {
            storage::SqliteWriter w({path, storage::Database::Durability::Normal, 50, "{}", "test"});
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(feed);
            QVERIFY(feed->ring.tryPush(rollup(dev, 5'000'000'000, 500, mean, 1.0)));
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        storage::Statement st(db.handle(), "SELECT n, mean, rms, gaps FROM rollup_1s WHERE axis = 0");
        QCOMPARE(st.step(), SQLITE_ROW);
        QCOMPARE(st.int64(0), 1000);
        QCOMPARE(st.real(1), 0.5);
        // Two halves with means 0 and 1, each of variance 1: total variance 1 + 0.25.
        QVERIFY(std::abs(st.real(2) - std::sqrt(1.25)) < 1e-12);
        QCOMPARE(st.int64(3), 1); // the seam is counted as a gap
        QCOMPARE(scalar(db, "SELECT count(*) FROM session"), 2);
    }

    void closedFeedIsDrainedAndReleased() {
        // The producer closes its feed after its last push; the writer drains it completely, commits the
        // final accounting and lets go of it, while the writer keeps running.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/d.db").toStdString();
        auto feed = feedOf("d1");
        storage::SqliteWriter w({path, storage::Database::Durability::Normal, 60000, "{}", "test"});
        std::string err;
        QVERIFY(w.start(&err));
        w.attach(feed);
        w.attach(feed); // twice: no effect
        feed->counters->samplesReceived = 200;
        for (int s = 0; s < 20; ++s)
            QVERIFY(feed->ring.tryPush(rollup(device("d1"), std::int64_t(s) * 1'000'000'000, 10, 0, 1)));
        feed->close();
        w.requestCommit(); // a minute-long commit interval: the release happens now, not in a minute
        QTRY_COMPARE(feed.use_count(), 1L); // released by the writer
        QCOMPARE(feed->counters->samplesStored.load(), std::uint64_t{200});
        QVERIFY(feed->ring.empty());
        {
            storage::Database db; // the final accounting is committed while the writer still runs
            QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
            QCOMPARE(scalar(db, "SELECT received FROM session_device"), 200);
            QCOMPARE(scalar(db, "SELECT stored FROM session_device"), 200);
        }
        w.stop();
    }

    void deviceAttachedAgainAddsUp() {
        // A device removed (feed closed) and added back (a new feed with fresh counters) in one session: its
        // session_device row is the sum of both feeds, each counted once; a second device is unaffected.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/r.db").toStdString();
        storage::SqliteWriter w({path, storage::Database::Durability::Normal, 20, "{}", "test"});
        std::string err;
        QVERIFY(w.start(&err));
        auto first = feedOf("d1"), other = feedOf("d2");
        w.attach(first);
        w.attach(other);
        first->counters->samplesReceived = 30;
        first->counters->addDropped(core::DropReason::RingOverflow, 10, 1);
        other->counters->samplesReceived = 7;
        for (int s = 0; s < 2; ++s)
            QVERIFY(first->ring.tryPush(rollup(device("d1"), std::int64_t(s) * 1'000'000'000, 10, 0, 1)));
        QVERIFY(other->ring.tryPush(rollup(device("d2"), 0, 7, 0, 1)));
        first->close();
        QTRY_COMPARE(first.use_count(), 1L);
        // several commits later, the new feed of the same device
        const auto commits = w.commits();
        QTRY_VERIFY(w.commits() >= commits + 3);
        auto second = feedOf("d1");
        w.attach(second);
        second->counters->samplesReceived = 50;
        second->counters->addDropped(core::DropReason::StoreOverflow, 20, 2);
        for (int s = 10; s < 13; ++s)
            QVERIFY(second->ring.tryPush(rollup(device("d1"), std::int64_t(s) * 1'000'000'000, 10, 0, 1)));
        QTRY_COMPARE(second->counters->samplesStored.load(), std::uint64_t{30});
        w.stop(); // second is still open: stop drains it and closes the session
        storage::Database db;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
        const char* d1 = "FROM session_device WHERE device_id=(SELECT id FROM device WHERE name='d1')";
        QCOMPARE(scalar(db, (std::string("SELECT received ") + d1).c_str()), 80);
        QCOMPARE(scalar(db, (std::string("SELECT stored ") + d1).c_str()), 50);
        QCOMPARE(scalar(db, (std::string("SELECT dropped_total ") + d1).c_str()), 30);
        QCOMPARE(scalar(db,
                        "SELECT received FROM session_device WHERE device_id=(SELECT id FROM device WHERE "
                        "name='d2')"),
                 7);
        storage::Statement js(db.handle(), (std::string("SELECT dropped_json ") + d1).c_str());
        QCOMPARE(js.step(), SQLITE_ROW);
        QCOMPARE(js.text(0), std::string(R"({"ring_overflow":10,"store_overflow":20})"));
        // frames (blocks, records) dropped by reason next to the samples: the only count for malformed input
        storage::Statement fs(
            db.handle(), (std::string("SELECT frames_dropped_json, frames_dropped_total ") + d1).c_str());
        QCOMPARE(fs.step(), SQLITE_ROW);
        QCOMPARE(fs.text(0), std::string(R"({"ring_overflow":1,"store_overflow":2})"));
        QCOMPARE(fs.int64(1), 3);
        QCOMPARE(scalar(db, "SELECT sum(n) FROM rollup_1s WHERE axis=0 AND device_id=(SELECT id FROM device "
                            "WHERE name='d1')"),
                 50);
        QCOMPARE(scalar(db, "SELECT count(*) FROM session"), 1);
    }

    void feedAttachedMidStreamCountsFromItsBaseline() {
        // A device that ran before recording started: the session row holds the feed's share only
        // (StoreFeed::sessionCounters: counters minus the baseline set at attach).
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/b.db").toStdString();
        auto feed = feedOf("d1");
        auto& c = *feed->counters;
        c.samplesReceived = 5000;
        c.samplesProcessed = 5000;
        c.samplesStored = 4000; // an earlier recording
        c.addDropped(core::DropReason::RingOverflow, 1000, 3);
        feed->setBaseline(c.snapshot());
        storage::SqliteWriter w({path, storage::Database::Durability::Normal, 20, "{}", "test"});
        std::string err;
        QVERIFY(w.start(&err));
        w.attach(feed);
        c.samplesReceived += 40;
        c.samplesProcessed += 30;
        c.addDropped(core::DropReason::RingOverflow, 10, 1);
        for (int s = 0; s < 3; ++s)
            QVERIFY(feed->ring.tryPush(rollup(device("d1"), std::int64_t(s) * 1'000'000'000, 10, 0, 1)));
        feed->setEnd(c.snapshot());
        feed->close();
        QTRY_COMPARE(feed.use_count(), 1L);
        w.stop();
        storage::Database db;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
        QCOMPARE(scalar(db, "SELECT received FROM session_device"), 40);
        QCOMPARE(scalar(db, "SELECT stored FROM session_device"), 30);
        QCOMPARE(scalar(db, "SELECT dropped_total FROM session_device"), 10);
        QCOMPARE(c.samplesStored.load(), std::uint64_t{4030});
    }

    void refusesForeignAndNewerFiles() {
        QTemporaryDir dir;
        std::string err;
        const std::string foreign = (dir.path() + "/f.db").toStdString();
        {
            sqlite3* raw = nullptr;
            sqlite3_open(foreign.c_str(), &raw);
            sqlite3_exec(raw, "CREATE TABLE other(x); PRAGMA user_version=3;", nullptr, nullptr, nullptr);
            sqlite3_close(raw);
        }
        storage::Database db;
        QVERIFY(!db.open(foreign, storage::Database::Mode::Create, &err));
        QVERIFY2(err.find("another application") != std::string::npos, err.c_str());
        const std::string newer = (dir.path() + "/n.db").toStdString();
        {
            sqlite3* raw = nullptr;
            sqlite3_open(newer.c_str(), &raw);
            sqlite3_exec(raw, "CREATE TABLE x(y); PRAGMA application_id=1447187267; PRAGMA user_version=99;",
                         nullptr, nullptr, nullptr);
            sqlite3_close(raw);
        }
        QVERIFY(!db.open(newer, storage::Database::Mode::Create, &err));
        QVERIFY2(err.find("newer Vibrascope") != std::string::npos, err.c_str());
        QVERIFY(
            !db.open((dir.path() + "/missing.db").toStdString(), storage::Database::Mode::ReadOnly, &err));
        QVERIFY(!QFile::exists(dir.path() + "/missing.db"));
    }

    void uncleanSessionIsDetectedAndChecked() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/u.db").toStdString();
        std::string err;
        {
            storage::Database db;
            QVERIFY(db.open(path, storage::Database::Mode::Create, &err));
            QVERIFY(db.exec("INSERT INTO session(started_ns) VALUES(1)", &err)); // never stopped: a crash
        }
        storage::Database db;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadWrite, &err), err.c_str());
        QVERIFY(db.recoveredUncleanSession());
    }

    void migrationFromEmptyIsIdempotent() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/e.db").toStdString();
        std::string err;
        for (int i = 0; i < 2; ++i) {
            storage::Database db;
            QVERIFY2(db.open(path, storage::Database::Mode::Create, &err), err.c_str());
            QCOMPARE(scalar(db, "PRAGMA user_version"), storage::Schema::kCurrentVersion);
            QCOMPARE(scalar(db, "PRAGMA application_id"), storage::Schema::kApplicationId);
        }
    }
};

QTEST_GUILESS_MAIN(TstSqliteWriter)
#include "tst_sqlite_writer.moc"
