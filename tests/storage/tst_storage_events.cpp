// Events through the writer (StoreItem::event: alarms raised/cleared, an event before the device's first
// data, a device that never delivers data) and HistoryQuery::events (device, time range, kind, pagination).
#include "storage/Database.h"
#include "storage/HistoryQuery.h"
#include "storage/SqliteWriter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace vibra;

namespace {
constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kT0 = 1'763'870'400LL * kS;

std::shared_ptr<const core::DeviceInfo> device(const char* name) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = name;
    d->sampleRate = 100;
    d->axisNames = {"x", "y", "z"};
    d->unit = core::Unit::G;
    return d;
}

pipeline::StoreItemPtr rollup(const std::shared_ptr<const core::DeviceInfo>& dev, std::int64_t t) {
    auto r = std::make_shared<pipeline::RollupRecord>();
    r->device = dev;
    r->bucketStartNs = t;
    r->samples = 100;
    for (int a = 0; a < 3; ++a) {
        dsp::Moments m;
        m.count = 100;
        m.rms = 1;
        m.min = -2;
        m.max = 2;
        m.peak = 2;
        m.kurtosis = 3;
        r->axes.push_back(m);
    }
    auto item = std::make_shared<pipeline::StoreItem>();
    item->rollup = std::move(r);
    return item;
}

pipeline::StoreItemPtr alarm(const char* dev, std::int64_t t, const char* state, int axis, double value) {
    auto e = std::make_shared<core::Event>();
    e->deviceId = dev;
    e->tNs = t;
    e->kind = "alarm";
    e->state = state;
    e->rule = "velocity>4.5";
    e->metric = "velocity";
    e->axis = axis;
    e->value = value;
    e->threshold = 4.5;
    e->detail = std::string("velocity RMS ") + (axis == 1 ? "y" : "x") + " " + std::to_string(value);
    auto item = std::make_shared<pipeline::StoreItem>();
    item->event = std::move(e);
    return item;
}

pipeline::StoreFeedPtr feedOf(const char* id) {
    return std::make_shared<pipeline::StoreFeed>(id, "", std::make_shared<core::DeviceCounters>(), 64);
}

std::int64_t scalar(sqlite3* db, const std::string& sql) {
    storage::Statement st(db, sql);
    return st.step() == SQLITE_ROW ? st.int64(0) : -999;
}
} // namespace

class TstStorageEvents : public QObject {
    Q_OBJECT
private slots:
    void writerStoresEventsAndQueryFilters() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/ev.db").toStdString();
        {
            storage::SqliteWriter::Options o;
            o.path = path;
            o.commitIntervalMs = 20;
            storage::SqliteWriter w(o);
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            auto a = feedOf("a"), b = feedOf("b"), ghost = feedOf("ghost");
            w.attach(a);
            w.attach(b);
            w.attach(ghost);
            // a: the alarm comes before the device's first data in this session (deferred until the row
            // exists)
            QVERIFY(a->ring.tryPush(alarm("a", kT0 + 2 * kS, "raised", 1, 7.75)));
            QVERIFY(a->ring.tryPush(rollup(device("a"), kT0)));
            QVERIFY(a->ring.tryPush(alarm("a", kT0 + 5 * kS, "cleared", 1, 3.0)));
            // b: a zone alarm, device-wide (axis -1), value NaN-free
            QVERIFY(b->ring.tryPush(rollup(device("b"), kT0)));
            auto z = std::make_shared<core::Event>();
            z->deviceId = "b";
            z->tNs = kT0 + 3 * kS;
            z->kind = "alarm";
            z->state = "raised";
            z->rule = "zone>=C";
            z->metric = "zone";
            z->value = 2;
            z->threshold = 2;
            auto zi = std::make_shared<pipeline::StoreItem>();
            zi->event = z;
            QVERIFY(b->ring.tryPush(zi));
            // ghost never delivers data: its event is kept without a device row, naming it in the detail
            QVERIFY(ghost->ring.tryPush(alarm("ghost", kT0 + 4 * kS, "raised", 0, 9.0)));
            w.stop();
            QVERIFY(!w.failed());
        }
        storage::Database db;
        std::string err;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
        sqlite3* h = db.handle();
        QCOMPARE(scalar(h, "SELECT count(*) FROM event"), 4);
        QCOMPARE(
            scalar(h, "SELECT count(*) FROM event WHERE device_id=(SELECT id FROM device WHERE name='a') AND "
                      "kind='alarm' AND rule='velocity>4.5' AND metric='velocity' AND axis=1 AND "
                      "threshold=4.5 AND session_id=1"),
            2);
        QCOMPARE(scalar(h, "SELECT count(*) FROM event WHERE axis IS NULL AND metric='zone' AND value=2"), 1);
        QCOMPARE(scalar(h, "SELECT count(*) FROM event WHERE device_id IS NULL AND detail LIKE "
                           "'device ''ghost'': velocity RMS x 9%'"),
                 1);
        QCOMPARE(
            scalar(h, "SELECT count(*) FROM event WHERE first_sample IS NOT NULL OR samples IS NOT NULL"), 0);

        storage::HistoryQuery q(db);
        std::vector<storage::HistoryQuery::EventRecord> ev;
        std::uint64_t total = 0;
        storage::HistoryQuery::EventRequest req;
        QVERIFY2(q.events(req, &ev, &total, &err), err.c_str());
        QCOMPARE(total, std::uint64_t{4});
        QCOMPARE(ev.size(), std::size_t{4});
        for (std::size_t i = 1; i < ev.size(); ++i)
            QVERIFY(ev[i - 1].tNs <= ev[i].tNs);
        QCOMPARE(ev[0].device, std::string("a"));
        QCOMPARE(ev[0].state, std::string("raised"));
        QCOMPARE(ev[0].axis.value(), 1);
        QCOMPARE(ev[0].axisNames[1], std::string("y"));
        QCOMPARE(ev[0].value.value(), 7.75);
        QCOMPARE(ev[1].device, std::string("b"));
        QVERIFY(!ev[1].axis);
        QCOMPARE(ev[2].device, std::string()); // ghost: database-wide
        QCOMPARE(ev[3].state, std::string("cleared"));

        req.device = "a";
        QVERIFY(q.events(req, &ev, &total, &err));
        QCOMPARE(total, std::uint64_t{2});
        req.fromNs = kT0 + 3 * kS;
        QVERIFY(q.events(req, &ev, &total, &err));
        QCOMPARE(total, std::uint64_t{1});
        QCOMPARE(ev.at(0).tNs, kT0 + 5 * kS);
        req = {};
        req.toNs = kT0 + 3 * kS; // exclusive
        QVERIFY(q.events(req, &ev, &total, &err));
        QCOMPARE(total, std::uint64_t{1});
        req = {};
        req.kind = "gap";
        QVERIFY(q.events(req, &ev, &total, &err));
        QCOMPARE(total, std::uint64_t{0});
        QVERIFY(ev.empty());
        req = {};
        req.limit = 2;
        req.offset = 1;
        QVERIFY(q.events(req, &ev, &total, &err));
        QCOMPARE(total, std::uint64_t{4});
        QCOMPARE(ev.size(), std::size_t{2});
        QCOMPARE(ev[0].device, std::string("b"));
        req = {};
        req.device = "nope";
        QVERIFY(!q.events(req, &ev, &total, &err));
        QVERIFY2(err.find("no device 'nope'") != std::string::npos, err.c_str());
    }

    void eventOfAKnownDeviceFromAnEarlierSession() {
        // The device row exists from an earlier session: an event arriving first is stored under it at once.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/known.db").toStdString();
        for (int session = 0; session < 2; ++session) {
            storage::SqliteWriter::Options o;
            o.path = path;
            o.commitIntervalMs = 20;
            storage::SqliteWriter w(o);
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            auto f = feedOf("k");
            w.attach(f);
            if (session == 0)
                QVERIFY(f->ring.tryPush(rollup(device("k"), kT0)));
            else
                QVERIFY(f->ring.tryPush(alarm("k", kT0 + 9 * kS, "raised", 0, 5.0)));
            w.stop();
        }
        storage::Database db;
        std::string err;
        QVERIFY(db.open(path, storage::Database::Mode::ReadOnly, &err));
        QCOMPARE(scalar(db.handle(),
                        "SELECT count(*) FROM event WHERE device_id=(SELECT id FROM device WHERE "
                        "name='k') AND session_id=2"),
                 1);
    }
};

QTEST_GUILESS_MAIN(TstStorageEvents)
#include "tst_storage_events.moc"
