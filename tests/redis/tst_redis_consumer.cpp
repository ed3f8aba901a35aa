// redis::StreamConsumer against a real redis-server, feeding real ChannelCores on a WorkerPool and the real
// SqliteWriter (raw): every entry stored once and acknowledged after its commit, a dead consumer's entries
// claimed, an entry delivered too often and a poison entry dead-lettered. Threads: the consumer thread,
// the pool and the writer (also under ThreadSanitizer: make tsan).
#include "RedisServer.h"
#include "RedisTestUtil.h"
#include "core/Clock.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/StoreFeed.h"
#include "pipeline/WorkerPool.h"
#include "redis/DeviceLeases.h"
#include "redis/StreamConsumer.h"
#include "redis/StreamKeys.h"
#include "redis/StreamPublisher.h"
#include "storage/Database.h"
#include "storage/RelayLedger.h"
#include "storage/SqliteWriter.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using namespace vibra;

namespace {

long long scalar(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    long long v = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

/// Publishes `blocks` synthetic blocks of device id (64 samples each) and waits until Redis has them.
void publish(const test::RedisServer& server, const std::string& id, int blocks) {
    redis::StreamPublisher::Options o;
    o.url = server.url("plant");
    redis::StreamPublisher pub(o);
    auto tap = std::make_shared<pipeline::TapFeed>(id, "test://" + id, 4096);
    const auto dev = test::deviceInfo(id);
    for (int i = 0; i < blocks; ++i)
        test::offer(*tap, test::block(dev, i));
    tap->close();
    pub.addFeed(tap);
    pub.start();
    pub.stop();
}

struct Run {
    redis::StreamConsumer::Stats stats;
    std::uint64_t alreadyStored = 0, processed = 0, received = 0; ///< device counters (samples)
};

long long groupField(redis::Client& c, const std::string& key, const std::string& field);

/// One central run: writer (raw) + pool + consumer c1 until the group has read and acked everything of key.
Run consume(const test::RedisServer& server, const std::string& dbPath, const std::string& key,
            redis::StreamConsumer::StoredCheck check) {
    Run out;
    storage::SqliteWriter::Options wo;
    wo.path = dbPath;
    wo.storeRaw = true;
    wo.commitIntervalMs = 50;
    storage::SqliteWriter writer(wo);
    std::string err;
    if (!writer.start(&err))
        return out;
    pipeline::WorkerPool pool(2);
    std::mutex coresMutex;
    std::vector<std::shared_ptr<pipeline::ChannelCore>> cores;
    redis::StreamConsumer::Options co;
    co.url = server.url("plant");
    co.group = "central";
    co.consumer = "c1";
    redis::StreamConsumer* self = nullptr;
    redis::StreamConsumer consumer(co, [&](const std::string& id, const std::string& uri) {
        auto core =
            std::make_shared<pipeline::ChannelCore>(id, uri, pipeline::DspSettings{}, pool, nullptr, nullptr);
        auto feed = std::make_shared<pipeline::StoreFeed>(id, uri, core->counters());
        writer.attach(feed);
        core->setStore(feed, {true, true});
        {
            std::lock_guard lock(coresMutex);
            cores.push_back(core);
        }
        self->provide(id, core);
    });
    self = &consumer;
    if (check)
        consumer.setStoredCheck(std::move(check));
    consumer.start();
    redis::Client c;
    c.connect(server.url(), 2000, &err);
    test::waitFor(
        [&] {
            return groupField(c, key, "pending") == 0 && groupField(c, key, "lag") == 0 &&
                   consumer.stats().acked > 0;
        },
        30000);
    consumer.requestStop();
    {
        std::lock_guard lock(coresMutex);
        for (auto& core : cores)
            core->finish();
        for (auto& core : cores)
            core->waitFinished(30 * core::kSecondNs);
        for (auto& core : cores) {
            const auto snap = core->counters()->snapshot();
            out.alreadyStored += snap.dropped(core::DropReason::AlreadyStored);
            out.processed += snap.samplesProcessed;
            out.received += snap.samplesReceived;
        }
    }
    writer.stop();
    consumer.finish();
    out.stats = consumer.stats();
    return out;
}

long long groupField(redis::Client& c, const std::string& key, const std::string& field) {
    const auto r = c.command({"XINFO", "GROUPS", key});
    if (!r || !r->isArray() || r->size() == 0)
        return -1;
    const auto& g = (*r)[0];
    for (std::size_t i = 0; i + 1 < g.size(); i += 2)
        if (g[i].str == field)
            return g[i + 1].isNil() ? -1 : g[i + 1].integer;
    return -1;
}

} // namespace

class TestRedisConsumer : public QObject {
    Q_OBJECT
private slots:
    void storesOnceAcksAfterCommitClaimsAndDeadLetters();
    void leasesAreExclusiveRenewedReleasedAndExpire();
    void fairShare();
    void storedEntriesSkipTheEngine();
};

void TestRedisConsumer::storedEntriesSkipTheEngine() {
    test::RedisServer server;
    QVERIFY(server.start());
    publish(server, "b", 120);
    const std::string kb = redis::StreamKeys::device("plant", "b");
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("central.db")).toStdString();
    const Run first = consume(server, db, kb, {});
    QCOMPARE(first.stats.acked, 120ULL);
    const char* rollups = "SELECT sum(n) FROM rollup_1s WHERE axis = 0";
    const long long rolled = scalar(db, rollups);
    QVERIFY(rolled > 0);

    // Every entry delivered again (as after a crash between commit and XACK): looked up in the relay ledger
    // on the consumer thread (a read-only connection, while the writer runs), acked, not processed again.
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    QVERIFY(c.command({"XGROUP", "SETID", kb, "central", "0"})->is("OK"));
    auto db2 = std::make_shared<storage::Database>();
    auto ledger = std::make_shared<storage::RelayLedger>();
    QVERIFY(db2->open(db, storage::Database::Mode::ReadOnly, &err));
    QVERIFY(ledger->prepareLookup(db2->handle(), &err));
    std::atomic<int> lookups{0};
    const Run again = consume(
        server, db, kb, [&, db2, ledger](const std::string& d, const std::string& origin, std::uint64_t seq) {
            ++lookups;
            return ledger->stored(d, origin, seq) == 1;
        });
    QCOMPARE(again.stats.acked, 120ULL);
    QCOMPARE(lookups.load(), 120);
    QCOMPARE(again.alreadyStored, 120ULL * 64);
    QCOMPARE(again.received, 120ULL * 64); // balances: received = stored (0) + dropped{already_stored}
    QCOMPARE(scalar(db, rollups), rolled); // nothing folded into the rollups twice
    QCOMPARE(scalar(db, "SELECT sum(n) FROM raw_block"), 120LL * 64);
    QCOMPARE(scalar(db, "SELECT count(*) FROM relay_block"), 120LL);
    ledger->finalize();
}

void TestRedisConsumer::leasesAreExclusiveRenewedReleasedAndExpire() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    using R = redis::DeviceLeases::Result;
    const redis::DeviceLeases one("plant", "central", "c1", "*", 400),
        two("plant", "central", "c2", "*", 400);
    QCOMPARE(one.leaseKey("a"), std::string("plant:lease:{dev:a}:central"));
    QCOMPARE(one.acquire(c, "a"), R::Acquired);
    QCOMPARE(two.acquire(c, "a"), R::Busy); // exclusive
    QCOMPARE(one.acquire(c, "a"), R::Renewed);
    const auto ttl = c.command({"PTTL", one.leaseKey("a")});
    QVERIFY(ttl && ttl->integer > 0 && ttl->integer <= 400);
    QVERIFY(two.release(c, "a")); // not c2's: stays
    QCOMPARE(c.command({"GET", one.leaseKey("a")})->str, std::string("c1"));
    QVERIFY(one.release(c, "a"));
    QCOMPARE(two.acquire(c, "a"), R::Acquired);
    // c2 stops renewing: the lease expires in Redis and c1 can take it; c2's renewal then finds it taken
    QVERIFY(test::waitFor([&] { return one.acquire(c, "a") == R::Acquired; }, 5000));
    QCOMPARE(two.acquire(c, "a"), R::Busy);
    // membership: both count while they beat; a silent member drops out after the lease time
    QCOMPARE(one.heartbeat(c), std::size_t{1});
    QCOMPARE(two.heartbeat(c), std::size_t{2});
    QVERIFY(test::waitFor([&] { return one.heartbeat(c) == 1; }, 5000));
    QVERIFY(two.leave(c));
    QCOMPARE(c.command({"ZRANGE", one.membersKey(), "0", "-1"})->size(), std::size_t{1});
    // consumers with another match glob share other devices: another membership
    const redis::DeviceLeases line("plant", "central", "c3", "line1-*", 400);
    QVERIFY(line.membersKey() != one.membersKey());
    QCOMPARE(line.heartbeat(c), std::size_t{1});
}

void TestRedisConsumer::fairShare() {
    QCOMPARE(redis::DeviceLeases::fairShare(4, 2), std::size_t{2});
    QCOMPARE(redis::DeviceLeases::fairShare(5, 2), std::size_t{3});
    QCOMPARE(redis::DeviceLeases::fairShare(1, 3), std::size_t{1});
    QCOMPARE(redis::DeviceLeases::fairShare(0, 3), std::size_t{0});
    QCOMPARE(redis::DeviceLeases::fairShare(7, 0), std::size_t{7});
}

void TestRedisConsumer::storesOnceAcksAfterCommitClaimsAndDeadLetters() {
    test::RedisServer server;
    QVERIFY(server.start());
    publish(server, "a", 300);
    publish(server, "b", 120);
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const std::string ka = redis::StreamKeys::device("plant", "a"),
                      kb = redis::StreamKeys::device("plant", "b");
    const std::string kp = redis::StreamKeys::device("plant", "poison");
    // A consumer that read every entry of b and died: its entries must be claimed.
    QVERIFY(c.command({"XGROUP", "CREATE", kb, "central", "0"})->is("OK"));
    auto r = c.command({"XREADGROUP", "GROUP", "central", "ghost", "COUNT", "1000", "STREAMS", kb, ">"});
    QVERIFY(r && r->isArray());
    // Entry 0 of a was delivered 6 times to another consumer (which never managed to store it).
    QVERIFY(c.command({"XGROUP", "CREATE", ka, "central", "0"})->is("OK"));
    r = c.command({"XREADGROUP", "GROUP", "central", "loser", "COUNT", "1", "STREAMS", ka, ">"});
    QVERIFY(r && r->isArray());
    const std::string firstA = (*r)[0][1][0][0].str;
    for (int i = 0; i < 5; ++i)
        QVERIFY(c.command({"XCLAIM", ka, "central", "loser", "0", firstA}));
    // A poison entry.
    QVERIFY(c.command({"XADD", kp, "*", "v", "1", "dev", "poison", "data", "x"}));
    // Idle long enough for the janitor.
    QVERIFY(test::waitFor([&] {
        const auto p = c.command({"XPENDING", ka, "central", "IDLE", "300", "-", "+", "10"});
        return p && p->isArray() && p->size() == 1;
    }));

    QTemporaryDir dir;
    storage::SqliteWriter::Options wo;
    wo.path = dir.filePath(QStringLiteral("central.db")).toStdString();
    wo.storeRaw = true;
    wo.commitIntervalMs = 50;
    storage::SqliteWriter writer(wo);
    QVERIFY(writer.start(&err));
    pipeline::WorkerPool pool(2);
    std::mutex coresMutex;
    std::vector<std::shared_ptr<pipeline::ChannelCore>> cores;
    redis::StreamConsumer::Options co;
    co.url = server.url("plant");
    co.group = "central";
    co.consumer = "c1";
    co.claimIdleMs = 300;
    co.janitorMs = 200;
    co.maxDeliveries = 5;
    redis::StreamConsumer* self = nullptr;
    redis::StreamConsumer consumer(co, [&](const std::string& id, const std::string& uri) {
        // (consumer thread) what RedisIngest does on the owner thread: a channel with a store feed
        auto core =
            std::make_shared<pipeline::ChannelCore>(id, uri, pipeline::DspSettings{}, pool, nullptr, nullptr);
        auto feed = std::make_shared<pipeline::StoreFeed>(id, uri, core->counters());
        writer.attach(feed);
        core->setStore(feed, {true, true});
        {
            std::lock_guard lock(coresMutex);
            cores.push_back(core);
        }
        self->provide(id, core);
    });
    self = &consumer;
    consumer.start();
    QVERIFY(test::waitFor(
        [&] {
            return groupField(c, ka, "pending") == 0 && groupField(c, ka, "lag") == 0 &&
                   groupField(c, kb, "pending") == 0 && groupField(c, kp, "pending") == 0 &&
                   groupField(c, kp, "lag") == 0;
        },
        30000));
    consumer.requestStop();
    {
        std::lock_guard lock(coresMutex);
        for (auto& core : cores)
            core->finish();
        for (auto& core : cores)
            QVERIFY(core->waitFinished(30 * core::kSecondNs));
    }
    writer.stop();
    consumer.finish();

    // a: entry 0 went to the dead-letter stream (6 deliveries), the other 299 are stored once
    const std::string db = wo.path;
    QCOMPARE(
        scalar(db, "SELECT sum(n) FROM raw_block r JOIN device d ON d.id = r.device_id WHERE d.name = 'a'"),
        299LL * 64);
    QCOMPARE(scalar(db, "SELECT min(first_sample) FROM raw_block r JOIN device d ON d.id = r.device_id "
                        "WHERE d.name = 'a'"),
             64LL);
    // b: every entry claimed from the dead consumer and stored once
    QCOMPARE(
        scalar(db, "SELECT sum(n) FROM raw_block r JOIN device d ON d.id = r.device_id WHERE d.name = 'b'"),
        120LL * 64);
    QCOMPARE(scalar(db, "SELECT count(*) FROM relay_block"), 299LL + 120LL);
    QCOMPARE(scalar(db, "SELECT count(*) FROM device WHERE name = 'poison'"), 0LL);
    const auto dead = c.command({"XRANGE", redis::StreamKeys::deadLetter("plant", "central"), "-", "+"});
    QVERIFY(dead && dead->isArray());
    QCOMPARE(dead->size(), std::size_t{2});
    QString reasons;
    for (const auto& e : dead->elements)
        for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
            if (e[1][i].str == "reason")
                reasons += QString::fromStdString(e[1][i + 1].str) + "; ";
    QVERIFY2(reasons.contains("delivered 6 times") && reasons.contains("missing field"), qPrintable(reasons));
    const auto st = consumer.stats();
    QCOMPARE(st.acked, 299ULL + 120ULL);
    QCOMPARE(st.deadLettered, 2ULL);
    QVERIFY(st.claimed >= 120);
    // the only consumer of the group held every stream's lease and released them at its clean stop
    QCOMPARE(st.leasesTaken, 3ULL);
    QCOMPARE(st.leasesReleased, 3ULL);
    QCOMPARE(st.members, 1ULL);
    for (const char* d : {"a", "b", "poison"})
        QVERIFY(c.command({"EXISTS", std::string("plant:lease:{dev:") + d + "}:central"})->integer == 0);
}

QTEST_GUILESS_MAIN(TestRedisConsumer)
#include "tst_redis_consumer.moc"
