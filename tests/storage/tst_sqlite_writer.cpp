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
        core::SpscRing<pipeline::StoreItemPtr> ring(8);
        core::DeviceCounters counters;
        auto dev = device("d1");
        {
            storage::SqliteWriter w({path, storage::Database::Durability::Normal, 50, "{}", "test"});
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach({"d1", "sim://d1", &ring, &counters});
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
        core::SpscRing<pipeline::StoreItemPtr> ring(8);
        core::DeviceCounters counters;
        auto dev = device("d1");
        for (double mean : {0.0, 1.0}) {
            storage::SqliteWriter w({path, storage::Database::Durability::Normal, 50, "{}", "test"});
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach({"d1", "sim://d1", &ring, &counters});
            QVERIFY(ring.tryPush(rollup(dev, 5'000'000'000, 500, mean, 1.0)));
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

    void detachDrainsEverything() {
        QTemporaryDir dir;
        core::SpscRing<pipeline::StoreItemPtr> ring(64);
        core::DeviceCounters counters;
        storage::SqliteWriter w({(dir.path() + "/d.db").toStdString(), storage::Database::Durability::Normal,
                                 10000, "{}", "test"});
        std::string err;
        QVERIFY(w.start(&err));
        w.attach({"d1", "", &ring, &counters});
        for (int s = 0; s < 20; ++s)
            QVERIFY(ring.tryPush(rollup(device("d1"), std::int64_t(s) * 1'000'000'000, 10, 0, 1)));
        w.detach("d1"); // long commit interval: detach itself must cause the drain
        QCOMPARE(counters.samplesStored.load(), std::uint64_t{200});
        QVERIFY(ring.empty());
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
