// Incremental 1 min / 1 h rollups against statistics computed directly from the samples, velocity/zone,
// checkpoints, retention, range level selection, latest/as-of with out-of-order data, and a full database
// (disk-full stand-in) during writing. Raw blocks: tst_storage_raw.
#include "StorageTestUtil.h"
#include "storage/Database.h"
#include "storage/HistoryQuery.h"
#include "storage/RawCursor.h"
#include "storage/Retention.h"
#include "storage/SqliteWriter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

using namespace vibra;

using namespace storage_test;

class TstStorageHistory : public QObject {
    Q_OBJECT
private slots:
    void checkpointsKeepTheWalBounded() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/wal.db").toStdString();
        auto dev = device("c", 16000, 2);
        auto feed = feedOf("c", 64);
        auto& ring = feed->ring;
        auto o = opts(path, true);
        o.checkpointPages = 50;
        storage::SqliteWriter w(o);
        std::string err;
        QVERIFY(w.start(&err));
        w.attach(feed);
        std::mt19937 rng(9);
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        std::uintmax_t maxWal = 0;
        for (std::uint64_t i = 0; i < 400; ++i) {
            std::vector<float> planar(4000);
            for (auto& x : planar)
                x = u(rng);
            while (!ring.tryPush(rawOf(dev, i, i * 2000, planar, 2000)))
                QThread::msleep(1);
            if (i % 10 == 0) {
                QThread::msleep(5);
                std::error_code ec;
                maxWal = std::max(maxWal, std::filesystem::file_size(path + "-wal", ec) == std::uintmax_t(-1)
                                              ? 0
                                              : std::filesystem::file_size(path + "-wal", ec));
            }
        }
        feed->close();
        QTRY_COMPARE(feed.use_count(), 1L); // drained, committed and released
        QVERIFY2(w.checkpoints() >= 3, qPrintable(QString("checkpoints %1 commits %2 wal %3")
                                                      .arg(w.checkpoints())
                                                      .arg(w.commits())
                                                      .arg(maxWal)));
        // ~6 MB written; checkpoints restart the WAL, so it stays far below the data size
        QVERIFY2(maxWal < 4'000'000, qPrintable(QString::number(maxWal)));
        w.stop();
        QVERIFY(!QFile::exists(QString::fromStdString(path + "-wal")) ||
                std::filesystem::file_size(path + "-wal") == 0);
    }

    void minuteAndHourRollupsMatchDirectStatistics() {
        // 130 s of 2-axis data crossing a minute boundary twice, written by two writer sessions (a restart
        // at 70.5 s, inside a second and inside a minute); compare 1 min / 1 h rows with statistics over
        // the raw samples computed here in plain double loops.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/agg.db").toStdString();
        auto dev = device("m", 100, 2);
        std::mt19937 rng(11);
        std::normal_distribution<double> noise(0.0, 1.0);
        const int seconds = 130;
        std::vector<std::vector<float>> all(2);
        for (int s = 0; s < seconds * 100; ++s) {
            const double t = s / 100.0;
            all[0].push_back(
                static_cast<float>(1.0 + 0.5 * std::sin(2 * M_PI * 3 * t) + 0.1 * noise(rng) + t / 100));
            all[1].push_back(static_cast<float>(-2.0 + 3.0 * noise(rng)));
        }
        auto runWriter = [&](int fromSample, int toSample) {
            auto feed = feedOf("m", 512);
            auto& ring = feed->ring;
            storage::SqliteWriter w(opts(path));
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(feed);
            for (int s0 = fromSample; s0 < toSample;) {
                const int s1 = std::min(toSample, (s0 / 100 + 1) * 100);
                std::vector<std::vector<float>> part(2);
                for (int a = 0; a < 2; ++a)
                    part[a].assign(all[a].begin() + s0, all[a].begin() + s1);
                QVERIFY(ring.tryPush(rollupOf(dev, kT0 + (s0 / 100) * kS, part)));
                s0 = s1;
            }
            w.stop();
            QVERIFY(!w.failed());
        };
        runWriter(0, 7050);
        runWriter(7050, seconds * 100);

        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        auto check = [&](const char* table, std::int64_t bucketNs, int bucketSamples) {
            const int buckets = (seconds * 100 + bucketSamples - 1) / bucketSamples;
            QCOMPARE(scalar(db.handle(), std::string("SELECT count(*) FROM ") + table + " WHERE axis=0"),
                     buckets);
            for (int b = 0; b < buckets; ++b)
                for (int a = 0; a < 2; ++a) {
                    const int s0 = b * bucketSamples, s1 = std::min(seconds * 100, s0 + bucketSamples);
                    double sum = 0, mn = 1e300, mx = -1e300;
                    for (int i = s0; i < s1; ++i) {
                        sum += all[a][i];
                        mn = std::min<double>(mn, all[a][i]);
                        mx = std::max<double>(mx, all[a][i]);
                    }
                    const double mean = sum / (s1 - s0);
                    double ss = 0;
                    for (int i = s0; i < s1; ++i)
                        ss += (all[a][i] - mean) * (all[a][i] - mean);
                    const double rms = std::sqrt(ss / (s1 - s0));
                    storage::Statement st(db.handle(),
                                          std::string("SELECT n, min, max, mean, rms, peak, crest FROM ") +
                                              table + " WHERE axis=? AND t_ns=?");
                    st.bind(1, std::int64_t{a}).bind(2, kT0 + b * bucketNs);
                    QCOMPARE(st.step(), SQLITE_ROW);
                    QCOMPARE(st.int64(0), std::int64_t{s1 - s0});
                    QCOMPARE(st.real(1), mn);
                    QCOMPARE(st.real(2), mx);
                    QVERIFY2(std::abs(st.real(3) - mean) < 1e-9, table);
                    QVERIFY2(std::abs(st.real(4) - rms) < 1e-9 * std::max(1.0, rms), table);
                    const double peak = std::max(mx - mean, mean - mn);
                    QVERIFY(std::abs(st.real(5) - peak) < 1e-9);
                    QVERIFY(std::abs(st.real(6) - peak / rms) < 1e-9);
                }
        };
        check("rollup_1m", 60 * kS, 6000);
        check("rollup_1h", 3600 * kS, 360000);
        // the restart inside second 70 is merged in the 1 s table and counted as a seam gap everywhere
        QCOMPARE(scalar(db.handle(),
                        "SELECT n FROM rollup_1s WHERE axis=0 AND t_ns=" + std::to_string(kT0 + 70 * kS)),
                 100);
        QCOMPARE(scalar(db.handle(),
                        "SELECT gaps FROM rollup_1m WHERE axis=0 AND t_ns=" + std::to_string(kT0 + 60 * kS)),
                 1);
        QCOMPARE(scalar(db.handle(), "SELECT gaps FROM rollup_1h WHERE axis=0"), 1);
    }

    void velocityAndZoneAreStoredAndMerged() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/v.db").toStdString();
        auto dev = device("v", 10, 2);
        auto feed = feedOf("v", 8);
        auto& ring = feed->ring;
        {
            storage::SqliteWriter w(opts(path));
            std::string err;
            QVERIFY(w.start(&err));
            w.attach(feed);
            const double vel[3][2] = {{3.0, std::nan("")}, {4.0, 1.0}, {0.0, 2.0}};
            const dsp::SeverityZone zones[3] = {dsp::SeverityZone::A, dsp::SeverityZone::C,
                                                dsp::SeverityZone::Unknown};
            for (int s = 0; s < 3; ++s) {
                auto item =
                    rollupOf(dev, kT0 + s * kS, {std::vector<float>(10, 1.f), std::vector<float>(10, 2.f)});
                auto rec = std::make_shared<pipeline::RollupRecord>(*item->rollup);
                rec->velocityRmsMmS = {vel[s][0], vel[s][1]};
                rec->zone = zones[s];
                auto it = std::make_shared<pipeline::StoreItem>();
                it->rollup = rec;
                QVERIFY(ring.tryPush(it));
            }
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        storage::Statement st(db.handle(),
                              "SELECT velocity_rms, zone FROM rollup_1s WHERE axis=1 ORDER BY t_ns");
        QCOMPARE(st.step(), SQLITE_ROW);
        QVERIFY(st.isNull(0)); // NaN: no velocity for that second
        QCOMPARE(st.int64(1), std::int64_t{0});
        QCOMPARE(st.step(), SQLITE_ROW);
        QCOMPARE(st.real(0), 1.0);
        QCOMPARE(st.int64(1), std::int64_t{2});
        QCOMPARE(st.step(), SQLITE_ROW);
        QVERIFY(st.isNull(1));
        storage::Statement m(db.handle(), "SELECT velocity_rms, zone FROM rollup_1m WHERE axis=0");
        QCOMPARE(m.step(), SQLITE_ROW);
        QVERIFY(std::abs(m.real(0) - std::sqrt((9.0 + 16.0 + 0.0) / 3.0)) <
                1e-12);                        // RMS of equal-length seconds
        QCOMPARE(m.int64(1), std::int64_t{2}); // worst zone
        storage::Statement m1(db.handle(), "SELECT velocity_rms FROM rollup_1m WHERE axis=1");
        QCOMPARE(m1.step(), SQLITE_ROW);
        QVERIFY(std::abs(m1.real(0) - std::sqrt((1.0 + 4.0) / 2.0)) <
                1e-12); // seconds without one are skipped
    }

    void latestKeepsTheLastKnownVelocityAndZone() {
        // A stream's last, partial second is too short for a velocity spectrum: device_latest shows that
        // second with the velocity and zone of the last second that had them, and says which second that was.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/lv.db").toStdString();
        auto dev = device("lv", 10, 2);
        auto feed = feedOf("lv", 8);
        {
            storage::SqliteWriter w(opts(path));
            std::string err;
            QVERIFY(w.start(&err));
            w.attach(feed);
            struct Second {
                int n;
                double vx, vy;
                dsp::SeverityZone zone;
            } seconds[] = {{10, 3.0, 1.0, dsp::SeverityZone::B},
                           {10, 4.0, 2.0, dsp::SeverityZone::C},
                           {4, std::nan(""), std::nan(""), dsp::SeverityZone::Unknown}};
            for (int s = 0; s < 3; ++s) {
                auto item =
                    rollupOf(dev, kT0 + s * kS,
                             {std::vector<float>(seconds[s].n, 1.f), std::vector<float>(seconds[s].n, 2.f)});
                auto rec = std::make_shared<pipeline::RollupRecord>(*item->rollup);
                rec->velocityRmsMmS = {seconds[s].vx, seconds[s].vy};
                rec->zone = seconds[s].zone;
                auto it = std::make_shared<pipeline::StoreItem>();
                it->rollup = rec;
                QVERIFY(feed->ring.tryPush(it));
            }
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        storage::HistoryQuery q(db);
        std::vector<storage::HistoryQuery::State> states;
        std::uint64_t total = 0;
        QVERIFY2(q.latest({}, &states, &total, &err), err.c_str());
        QCOMPARE(states.size(), std::size_t{1});
        const auto& s = states[0];
        QCOMPARE(s.tNs, kT0 + 2 * kS); // the newest (partial) second
        QCOMPARE(s.samples, std::uint64_t{4});
        QCOMPARE(s.velocityRms.value_or(-1), 4.0); // from the second before
        QCOMPARE(s.zone.value_or(-1), 2);
        QCOMPARE(s.velocityTNs.value_or(0), kT0 + kS);
        QCOMPARE(s.axes[1].velocityRms.value_or(-1), 2.0);
        // the 1 s row of the partial second itself has none
        QCOMPARE(
            scalar(db.handle(), "SELECT count(*) FROM rollup_1s WHERE t_ns=" + std::to_string(kT0 + 2 * kS) +
                                    " AND velocity_rms IS NULL AND zone IS NULL"),
            2);
        // as of that second: the row itself (no velocity)
        storage::HistoryQuery::State at;
        bool found = false;
        QVERIFY(q.asOf("lv", kT0 + 2 * kS, &at, &found, &err));
        QVERIFY(found && !at.velocityRms && !at.velocityTNs);
    }

    void retentionRemovesExactlyWhatIsDue() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/ret.db").toStdString();
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::Create, &err));
        sqlite3* h = db.handle();
        QVERIFY(db.exec(
            "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) VALUES(1,'d',1000,1,'x','g');"
            "INSERT INTO session(id, started_ns) VALUES(1, 0)",
            &err));
        // 100 raw blocks of 1 s, 3000 s of 1 s rollups, 50 min of 1 min rollups, 3 h of 1 h rollups, events
        for (int i = 0; i < 100; ++i)
            QVERIFY(db.exec(
                ("INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, "
                 "fmt, data) VALUES(1,1," +
                 std::to_string(i) + "," + std::to_string(i * 1000) + "," + std::to_string(i * kS) + "," +
                 std::to_string((i + 1) * kS) + ",1000,1,2,x'00')")
                    .c_str(),
                &err));
        auto fill = [&](const char* table, std::int64_t len, int count) {
            for (int i = 0; i < count; ++i)
                QVERIFY(db.exec((std::string("INSERT INTO ") + table +
                                 "(device_id, axis, t_ns, n, min, max, mean, rms, "
                                 "peak, crest, kurtosis) VALUES(1,0," +
                                 std::to_string(i * len) + ",1,0,0,0,0,0,0,0)")
                                    .c_str(),
                                &err));
        };
        QVERIFY(db.exec("BEGIN", &err));
        fill("rollup_1s", kS, 3000);
        QVERIFY(db.exec("COMMIT", &err));
        fill("rollup_1m", 60 * kS, 50);
        fill("rollup_1h", 3600 * kS, 3);
        for (int i = 0; i < 10; ++i)
            QVERIFY(db.exec(
                ("INSERT INTO event(t_ns, kind) VALUES(" + std::to_string(i * 300 * kS) + ", 'gap')").c_str(),
                &err));

        // the relay ledger: keys of 100 raw entries (1 s each), of 3000 features entries (one per second),
        // and one key written before schema 9 (no time: kept)
        QVERIFY(db.exec("BEGIN", &err));
        for (int i = 0; i < 100; ++i)
            QVERIFY(db.exec(("INSERT INTO relay_block(device_id, origin, seq, session_id, samples, t_ns) "
                             "VALUES(1,'e1'," +
                             std::to_string(i) + ",1,1000," + std::to_string(i * kS) + ")")
                                .c_str(),
                            &err));
        for (int i = 0; i < 3000; ++i)
            QVERIFY(db.exec(("INSERT INTO relay_block(device_id, origin, seq, session_id, samples, t_ns) "
                             "VALUES(1,'e1:features'," +
                             std::to_string(i) + ",1,1000," + std::to_string(i * kS) + ")")
                                .c_str(),
                            &err));
        QVERIFY(db.exec("INSERT INTO relay_block(device_id, origin, seq, session_id, samples) "
                        "VALUES(1,'old',0,1,1000)",
                        &err));
        QVERIFY(db.exec("COMMIT", &err));

        const std::int64_t now = 3000 * kS;
        storage::RetentionPolicy policy;
        policy.rawNs = 2950 * kS;    // raw cutoff 50 s: blocks ending <= 50 s go: 50 blocks
        policy.rollupNs = 1200 * kS; // rollup cutoff 1800 s
        storage::Retention::Result r, total;
        int calls = 0;
        do {
            QVERIFY2(storage::Retention::applyBatch(h, now, policy, 400, &r, &err), err.c_str());
            total.rawBlocks += r.rawBlocks;
            total.rollupRows += r.rollupRows;
            total.events += r.events;
            total.relayRows += r.relayRows;
            ++calls;
        } while (r.more && calls < 100);
        QVERIFY(calls >= 5); // 1800 rows in batches of 400
        QCOMPARE(total.rawBlocks, std::uint64_t{50});
        QCOMPARE(scalar(h, "SELECT min(end_ns) FROM raw_block"), 51 * kS);
        // 1 s: buckets ending <= 1800 s -> t < 1800 s: 1800 rows; 1 min: ending <= 1800 s -> 30 rows; 1 h:
        // none
        QCOMPARE(scalar(h, "SELECT count(*) FROM rollup_1s"), 1200);
        QCOMPARE(scalar(h, "SELECT min(t_ns) FROM rollup_1s"), 1800 * kS);
        QCOMPARE(scalar(h, "SELECT count(*) FROM rollup_1m"), 20);
        QCOMPARE(scalar(h, "SELECT count(*) FROM rollup_1h"), 3);
        QCOMPARE(total.rollupRows, std::uint64_t{1800 + 30});
        QCOMPARE(scalar(h, "SELECT count(*) FROM event"), 3); // t = 2100, 2400, 2700 s remain; 1800 s is due
        // relay keys: raw entries starting <= 50 s (51) with the raw cutoff, features entries <= 1800 s
        // (1801) with the rollup cutoff; the key without a time stays
        QCOMPARE(scalar(h, "SELECT count(*) FROM relay_block WHERE origin = 'e1'"), 49);
        QCOMPARE(scalar(h, "SELECT min(t_ns) FROM relay_block WHERE origin = 'e1'"), 51 * kS);
        QCOMPARE(scalar(h, "SELECT count(*) FROM relay_block WHERE origin = 'e1:features'"), 1199);
        QCOMPARE(scalar(h, "SELECT min(t_ns) FROM relay_block WHERE origin = 'e1:features'"), 1801 * kS);
        QCOMPARE(scalar(h, "SELECT count(*) FROM relay_block WHERE origin = 'old'"), 1);
        QCOMPARE(total.relayRows, std::uint64_t{51 + 1801});
        // nothing more is due
        QVERIFY(storage::Retention::applyBatch(h, now, policy, 400, &r, &err));
        QCOMPARE(r.rawBlocks + r.rollupRows + r.events + r.relayRows, std::uint64_t{0});
        QVERIFY(!r.more);

        QCOMPARE(storage::Retention::parseDuration("7d").value(), 7 * 86400 * kS);
        QCOMPARE(storage::Retention::parseDuration("12h").value(), 12 * 3600 * kS);
        QCOMPARE(storage::Retention::parseDuration("30min").value(), 30 * 60 * kS);
        QCOMPARE(storage::Retention::parseDuration("1.5h").value(), 5400 * kS);
        QVERIFY(!storage::Retention::parseDuration("0d"));
        QVERIFY(!storage::Retention::parseDuration("7 days"));
        QVERIFY(!storage::Retention::parseDuration("-1h"));
    }

    void levelSelection() {
        using storage::RollupLevel;
        QCOMPARE(storage::HistoryQuery::chooseLevel(24 * 3600 * kS, 1000), RollupLevel::Minute); // 1440 min
        QCOMPARE(storage::HistoryQuery::chooseLevel(24 * 3600 * kS, 24), RollupLevel::Hour);
        QCOMPARE(storage::HistoryQuery::chooseLevel(24 * 3600 * kS, 25), RollupLevel::Minute);
        QCOMPARE(storage::HistoryQuery::chooseLevel(30 * 86400 * kS, 500), RollupLevel::Hour); // 720 h
        QCOMPARE(storage::HistoryQuery::chooseLevel(600 * kS, 100), RollupLevel::Second);      // 10 min < 100
        QCOMPARE(storage::HistoryQuery::chooseLevel(600 * kS, 10), RollupLevel::Minute);
        QCOMPARE(storage::HistoryQuery::chooseLevel(5 * kS, 1000), RollupLevel::Second);
    }

    void rangeLatestAsOfAndOutOfOrder() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/q.db").toStdString();
        auto fa = feedOf("a", 1024), fb = feedOf("b", 1024), fc = feedOf("c", 16);
        auto &ra = fa->ring, &rb = fb->ring, &rc = fc->ring;
        auto& cc = *fc->counters;
        auto a = device("a", 10, 1), b = device("b", 10, 1), c = device("c", 10, 1);
        auto sec = [](const std::shared_ptr<const core::DeviceInfo>& d, std::int64_t t, float amp) {
            std::vector<float> x(10);
            for (int i = 0; i < 10; ++i)
                x[i] = (i % 2 ? amp : -amp);
            return rollupOf(d, t, {x});
        };
        {
            storage::SqliteWriter w(opts(path));
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(fa);
            w.attach(fb);
            w.attach(fc);
            // a: 3 hours of seconds with an amplitude that grows each hour; b: 10 s at amplitude 5;
            for (int s = 0; s < 3 * 3600; ++s) {
                while (!ra.tryPush(sec(a, kT0 + s * kS, 1.f + float(s / 3600))))
                    QThread::msleep(2);
            }
            for (int s = 0; s < 10; ++s)
                QVERIFY(rb.tryPush(sec(b, kT0 + s * kS, 5.f)));
            // c: second 100 arrives, then the late seconds 50 and 99: latest must stay at 100
            QVERIFY(rc.tryPush(sec(c, kT0 + 100 * kS, 2.f)));
            QTRY_COMPARE(cc.samplesStored.load(), std::uint64_t{10}); // committed before the late ones arrive
            QVERIFY(rc.tryPush(sec(c, kT0 + 50 * kS, 7.f)));
            QVERIFY(rc.tryPush(sec(c, kT0 + 99 * kS, 8.f)));
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        storage::HistoryQuery q(db);

        storage::HistoryQuery::Range range;
        QVERIFY2(q.range("a", kT0, kT0 + 3 * 3600 * kS, 100, std::nullopt, &range, &err), err.c_str());
        QCOMPARE(range.level, storage::RollupLevel::Minute);
        QCOMPARE(range.points.size(), std::size_t{180});
        QCOMPARE(range.points.front().samples, std::uint64_t{600});
        QCOMPARE(range.points[61].axes[0].max, 2.0); // envelope of the second hour
        QCOMPARE(range.points[61].axes[0].min, -2.0);
        QVERIFY(q.range("a", kT0, kT0 + 3 * 3600 * kS, 3, std::nullopt, &range, &err));
        QCOMPARE(range.level, storage::RollupLevel::Hour);
        QCOMPARE(range.points.size(), std::size_t{3});
        QCOMPARE(range.points[2].axes[0].rms, 3.0);
        QVERIFY(q.range("a", kT0 + 10 * kS, kT0 + 20 * kS, 1000, std::nullopt, &range, &err));
        QCOMPARE(range.level, storage::RollupLevel::Second);
        QCOMPARE(range.points.size(), std::size_t{10});
        QCOMPARE(range.points.front().tNs, kT0 + 10 * kS);
        QVERIFY(!q.range("zz", kT0, kT0 + kS, 1, std::nullopt, &range, &err));

        // latest: c stays at second 100 (late rows are stored but do not replace the newer state)
        std::vector<storage::HistoryQuery::State> states;
        std::uint64_t total = 0;
        storage::HistoryQuery::LatestRequest req;
        QVERIFY2(q.latest(req, &states, &total, &err), err.c_str());
        QCOMPARE(total, std::uint64_t{3});
        QCOMPARE(states.size(), std::size_t{3});
        QCOMPARE(states[2].device.name, std::string("c"));
        QCOMPARE(states[2].tNs, kT0 + 100 * kS);
        QCOMPARE(states[2].rms, 2.0);
        QCOMPARE(
            scalar(db.handle(),
                   "SELECT count(*) FROM rollup_1s WHERE device_id=(SELECT id FROM device WHERE name='c')"),
            3);
        // sort by rms descending, paginated
        req.sort = storage::HistoryQuery::SortKey::Rms;
        req.descending = true;
        req.limit = 2;
        QVERIFY(q.latest(req, &states, &total, &err));
        QCOMPARE(states.size(), std::size_t{2});
        QCOMPARE(states[0].device.name, std::string("b"));
        QCOMPARE(states[1].device.name, std::string("a"));
        req.offset = 2;
        QVERIFY(q.latest(req, &states, &total, &err));
        QCOMPARE(states.size(), std::size_t{1});
        QCOMPARE(states[0].device.name, std::string("c"));
        req = {};
        req.sort = storage::HistoryQuery::SortKey::Time;
        req.descending = true;
        QVERIFY(q.latest(req, &states, &total, &err));
        QCOMPARE(states[0].device.name, std::string("a"));
        QCOMPARE(states[2].device.name, std::string("b"));

        // as-of: the newest second at or before the time
        storage::HistoryQuery::State st;
        bool found = false;
        QVERIFY(q.asOf("c", kT0 + 99 * kS + 500'000'000, &st, &found, &err));
        QVERIFY(found);
        QCOMPARE(st.tNs, kT0 + 99 * kS);
        QCOMPARE(st.rms, 8.0);
        QVERIFY(q.asOf("c", kT0 + 70 * kS, &st, &found, &err));
        QCOMPARE(st.tNs, kT0 + 50 * kS);
        QVERIFY(q.asOf("c", kT0 + 10 * kS, &st, &found, &err));
        QVERIFY(!found);
        QVERIFY(q.asOf("a", kT0 + 7200 * kS + 5, &st, &found, &err));
        QCOMPARE(st.rms, 3.0);
    }

    void latestSortedByVelocity() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/vs.db").toStdString();
        const char* names[] = {"p", "q", "r"};
        const double vel[] = {2.0, std::nan(""), 5.0};
        {
            storage::SqliteWriter w(opts(path));
            std::string err;
            QVERIFY(w.start(&err));
            std::vector<pipeline::StoreFeedPtr> feeds;
            for (int d = 0; d < 3; ++d) {
                feeds.push_back(feedOf(names[d], 4));
                w.attach(feeds.back());
                auto item = rollupOf(device(names[d], 10, 1), kT0, {std::vector<float>(10, 1.f)});
                auto rec = std::make_shared<pipeline::RollupRecord>(*item->rollup);
                rec->velocityRmsMmS = {vel[d]};
                auto it = std::make_shared<pipeline::StoreItem>();
                it->rollup = rec;
                QVERIFY(feeds.back()->ring.tryPush(it));
            }
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        storage::HistoryQuery q(db);
        std::vector<storage::HistoryQuery::State> states;
        std::uint64_t total = 0;
        storage::HistoryQuery::LatestRequest req;
        req.sort = storage::HistoryQuery::SortKey::Velocity;
        for (bool desc : {true, false}) {
            req.descending = desc;
            QVERIFY(q.latest(req, &states, &total, &err));
            QCOMPARE(states.size(), std::size_t{3});
            QCOMPARE(states[0].device.name, std::string(desc ? "r" : "p"));
            QCOMPARE(states[1].device.name, std::string(desc ? "p" : "r"));
            QCOMPARE(states[2].device.name, std::string("q")); // no velocity: last either way
            QVERIFY(!states[2].velocityRms);
        }
    }

    void asOfFallsBackToCoarserLevels() {
        // Retention removed the 1 s rows: as-of answers from a 1 min bucket only when it ended by then.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/asof.db").toStdString();
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::Create, &err));
        QVERIFY(db.exec(
            "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) VALUES(1,'d',10,1,'x','g')",
            &err));
        for (int m = 0; m < 3; ++m)
            QVERIFY(db.exec(
                ("INSERT INTO rollup_1m(device_id, axis, t_ns, n, min, max, mean, rms, peak, crest, "
                 "kurtosis) VALUES(1,0," +
                 std::to_string(kT0 + m * 60 * kS) + ",600,0,0,0," + std::to_string(m + 1) + ",0,0,3)")
                    .c_str(),
                &err));
        storage::HistoryQuery q(db);
        storage::HistoryQuery::State st;
        bool found = false;
        QVERIFY(q.asOf("d", kT0 + 30 * kS, &st, &found, &err));
        QVERIFY(!found); // the first minute has not ended at 30 s
        QVERIFY(q.asOf("d", kT0 + 59 * kS, &st, &found, &err));
        QVERIFY(found);
        QCOMPARE(st.level, storage::RollupLevel::Minute);
        QCOMPARE(st.tNs, kT0);
        QVERIFY(q.asOf("d", kT0 + 150 * kS, &st, &found, &err));
        QCOMPARE(st.tNs, kT0 + 60 * kS);
        QCOMPARE(st.rms, 2.0);
    }

    void fullDatabaseStopsWritingKeepsCommittedData() {
        // max_page_count stands in for a full disk (the end-to-end test uses a real tiny tmpfs when it can).
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/full.db").toStdString();
        auto dev = device("f", 1000, 2);
        auto feed = feedOf("f", 4096);
        auto& ring = feed->ring;
        auto& counters = *feed->counters;
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        std::uint64_t pushed = 0;
        {
            auto o = opts(path, true);
            o.maxPageCount = 200; // 800 KiB at 4 KiB pages
            storage::SqliteWriter w(o);
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(feed);
            for (std::uint64_t i = 0; i < 2000 && !w.failed(); ++i) {
                std::vector<float> planar(2000);
                for (auto& x : planar)
                    x = u(rng);
                while (!ring.tryPush(rawOf(dev, i, i * 1000, planar, 1000)))
                    QThread::msleep(1);
                pushed += 1000;
                counters.samplesReceived += 1000;
                if (i == 0) // something is committed before the database fills, however slow the machine
                    QTRY_VERIFY_WITH_TIMEOUT(counters.samplesStored.load() > 0, 10000);
                if (i % 20 == 0)
                    QThread::msleep(5);
            }
            QTRY_VERIFY_WITH_TIMEOUT(w.failed(), 10000);
            w.stop();
            QVERIFY2(w.errorMessage().find("full") != std::string::npos, w.errorMessage().c_str());
        }
        const auto c = counters.snapshot();
        QVERIFY(c.dropped(core::DropReason::WriteError) > 0);
        QCOMPARE(c.samplesReceived, c.samplesStored + c.droppedTotal());
        storage::Database db;
        std::string err;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadWrite, &err), err.c_str());
        // The writer closed the session with its final accounting after the failure (no new pages needed):
        // not clean, the write errors in the row, the message as an event.
        QVERIFY(!db.recoveredUncleanSession());
        QCOMPARE(scalar(db.handle(), "SELECT clean FROM session WHERE stopped_ns IS NOT NULL"), 0);
        QCOMPARE(static_cast<std::uint64_t>(scalar(db.handle(), "SELECT received FROM session_device")),
                 c.samplesReceived);
        QCOMPARE(static_cast<std::uint64_t>(scalar(db.handle(), "SELECT dropped_total FROM session_device")),
                 c.droppedTotal());
        QCOMPARE(static_cast<std::uint64_t>(scalar(db.handle(), "SELECT json_extract(dropped_json, "
                                                                "'$.write_error') FROM session_device")),
                 c.dropped(core::DropReason::WriteError));
        QCOMPARE(static_cast<std::uint64_t>(scalar(db.handle(), "SELECT json_extract(frames_dropped_json, "
                                                                "'$.write_error') FROM session_device")),
                 c.framesDropped[static_cast<std::size_t>(core::DropReason::WriteError)]);
        QCOMPARE(scalar(db.handle(), "SELECT count(*) FROM event WHERE kind='write_error' AND detail LIKE "
                                     "'%full%'"),
                 1);
        storage::Statement ic(db.handle(), "PRAGMA integrity_check");
        QCOMPARE(ic.step(), SQLITE_ROW);
        QCOMPARE(ic.text(0), std::string("ok"));
        QCOMPARE(static_cast<std::uint64_t>(scalar(db.handle(), "SELECT sum(n) FROM raw_block")),
                 c.samplesStored);
        QCOMPARE(static_cast<std::uint64_t>(scalar(db.handle(), "SELECT stored FROM session_device")),
                 c.samplesStored);
        storage::RawCursor cur;
        QVERIFY(cur.open(db, "f", std::nullopt, std::nullopt, &err));
        storage::RawBlock b;
        std::uint64_t n = 0;
        while (cur.next(&b))
            n += b.count;
        QVERIFY(cur.error().empty());
        QCOMPARE(n, c.samplesStored);
        QVERIFY(n > 0);
    }
};

QTEST_GUILESS_MAIN(TstStorageHistory)
#include "tst_storage_history.moc"
