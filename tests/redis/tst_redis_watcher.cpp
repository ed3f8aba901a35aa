// redis::StreamWatcher (the dashboard's read-only `--source redis://…` live view) against a real
// redis-server, feeding real ChannelCores on a WorkerPool; what the engine processed is read back from a raw
// tap on each core. Edges are real `vibrascope record --publish` processes (and, where exact control over the
// entries is needed, XADDs of BlockEntry-encoded blocks). Read-only is checked with Redis's own bookkeeping:
// stream lengths, key count, XINFO GROUPS and INFO commandstats (which commands ran at all).
#include "RedisServer.h"
#include "RedisTestUtil.h"
#include "core/Clock.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/TapFeed.h"
#include "pipeline/WorkerPool.h"
#include "redis/BlockEntry.h"
#include "redis/StreamKeys.h"
#include "redis/StreamWatcher.h"

#include <QProcess>
#include <QtTest>

#include <map>
#include <mutex>
#include <set>

using namespace vibra;

namespace {

/// The devices a watcher asked for: a real core each, with a tap that sees every processed block.
class Engine {
public:
    explicit Engine(bool autoProvide)
        : m_autoProvide(autoProvide) {}
    ~Engine() { finish(); }

    void attach(redis::StreamWatcher* w) { m_watcher = w; }
    /// The DeviceRequest (watcher thread).
    void request(const std::string& id) {
        auto core = std::make_shared<pipeline::ChannelCore>(id, "redis-test://" + id, pipeline::DspSettings{},
                                                            m_pool, nullptr, nullptr);
        auto tap = std::make_shared<pipeline::TapFeed>(id, "redis-test://" + id, 4096);
        core->addTap(tap);
        {
            std::lock_guard lock(m_mutex);
            m_devices[id] = {core, tap, {}};
            m_requested.push_back(id);
        }
        if (m_autoProvide)
            m_watcher->provide(id, core);
    }
    void provide(const std::string& id) {
        std::lock_guard lock(m_mutex);
        m_watcher->provide(id, m_devices.at(id).core);
    }
    std::vector<std::string> requested() {
        std::lock_guard lock(m_mutex);
        return m_requested;
    }
    /// Processed blocks of a device so far (test thread: the taps' only consumer).
    std::vector<core::SampleBlockPtr> blocks(const std::string& id) {
        std::lock_guard lock(m_mutex);
        const auto it = m_devices.find(id);
        if (it == m_devices.end())
            return {};
        while (auto b = it->second.tap->ring.tryPop())
            it->second.blocks.push_back(*b);
        return it->second.blocks;
    }
    core::CounterSnapshot counters(const std::string& id) {
        std::lock_guard lock(m_mutex);
        return m_devices.at(id).core->counters()->snapshot();
    }
    void finish() {
        std::lock_guard lock(m_mutex);
        for (auto& [id, d] : m_devices)
            d.core->finish();
        for (auto& [id, d] : m_devices)
            d.core->waitFinished(30 * core::kSecondNs);
    }

private:
    struct Device {
        std::shared_ptr<pipeline::ChannelCore> core;
        pipeline::TapFeedPtr tap;
        std::vector<core::SampleBlockPtr> blocks;
    };
    const bool m_autoProvide;
    pipeline::WorkerPool m_pool{2};
    redis::StreamWatcher* m_watcher = nullptr;
    std::mutex m_mutex;
    std::map<std::string, Device> m_devices;
    std::vector<std::string> m_requested;
};

/// XADD of synthetic block `seq` (64 samples, 3 axes, 1 kHz) of device id, as a publisher would.
void xadd(redis::Client& c, const std::string& prefix, const std::string& id, std::uint64_t seq,
          std::uint64_t session = 1) {
    std::vector<std::pair<std::string, std::string>> fields;
    redis::BlockEntry::encode(*test::block(test::deviceInfo(id), seq), session, seq, &fields);
    const std::string key = redis::StreamKeys::device(prefix, id);
    std::vector<std::string_view> args{"XADD", key, "*"};
    for (const auto& [k, v] : fields)
        args.insert(args.end(), {k, v});
    const auto r = c.command(args);
    QVERIFY2(r && r->isString(), r ? r->str.c_str() : c.lastError().c_str());
}

long long integerReply(redis::Client& c, const std::vector<std::string_view>& args) {
    const auto r = c.command(args);
    return r && r->type == redis::Value::Type::Integer ? r->integer : -1;
}

/// INFO commandstats as command -> calls.
std::map<std::string, long long> commandCalls(redis::Client& c) {
    std::map<std::string, long long> out;
    const auto r = c.command({"INFO", "commandstats"});
    if (!r || !r->isString())
        return out;
    QString text = QString::fromStdString(r->str);
    for (const QString& line : text.split(QStringLiteral("\r\n"))) {
        // cmdstat_xread:calls=12,usec=...
        if (!line.startsWith(QStringLiteral("cmdstat_")))
            continue;
        const QString name = line.mid(8, line.indexOf(':') - 8);
        const QString calls = line.section(QStringLiteral("calls="), 1).section(',', 0, 0);
        out[name.toStdString()] = calls.toLongLong();
    }
    return out;
}

/// Checks that every block is the next one of its stream: contiguous sample indices, no gap stamped.
void checkContiguous(const std::vector<core::SampleBlockPtr>& blocks, const char* what) {
    for (std::size_t i = 1; i < blocks.size(); ++i) {
        QVERIFY2(blocks[i]->firstSample == blocks[i - 1]->firstSample + blocks[i - 1]->count,
                 qPrintable(QStringLiteral("%1: block %2 starts at %3, expected %4")
                                .arg(what)
                                .arg(i)
                                .arg(blocks[i]->firstSample)
                                .arg(blocks[i - 1]->firstSample + blocks[i - 1]->count)));
        QCOMPARE(blocks[i]->gapBefore, std::uint64_t{0});
    }
}

class Edge {
public:
    Edge(const QString& source, const QString& publish) {
        const QString app = qEnvironmentVariable("VIBRA_BINARY_DIR") + QStringLiteral("/app/vibrascope");
        m_proc.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_proc.start(app, {QStringLiteral("record"), QStringLiteral("--source"), source,
                           QStringLiteral("--publish"), publish, QStringLiteral("-q")});
    }
    ~Edge() { stop(); }
    bool started() { return m_proc.waitForStarted(10000); }
    void stop() {
        if (m_proc.state() == QProcess::NotRunning)
            return;
        m_proc.terminate(); // SIGTERM: publishes what it holds, then exits
        if (!m_proc.waitForFinished(20000))
            m_proc.kill();
    }

private:
    QProcess m_proc;
};

} // namespace

class TestRedisWatcher : public QObject {
    Q_OBJECT
private slots:
    void watchesRealEdgesReadOnly();
    void reconnectResumesAndCountsGaps();
    void boundsRefusalsAndBadEntries();
};

void TestRedisWatcher::watchesRealEdgesReadOnly() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const std::string ka = redis::StreamKeys::device("plant", "a"),
                      kb = redis::StreamKeys::device("plant", "b");
    const QString url = server.urlText(QStringLiteral("plant"));
    Edge edgeA(QStringLiteral("sim://a?rate=2000&axes=2"), url);
    QVERIFY(edgeA.started());
    // History before the watcher starts: a live view does not replay it.
    QVERIFY(test::waitFor([&] { return integerReply(c, {"XLEN", ka}) >= 3; }, 20000));

    Engine engine(true);
    redis::StreamWatcher::Options o;
    o.url = server.url("plant");
    o.discoverMs = 300;
    redis::StreamWatcher watcher(o, [&](const std::string& id) { engine.request(id); });
    engine.attach(&watcher);
    watcher.start();
    QVERIFY(test::waitFor([&] { return watcher.stats().scans >= 1; }));
    Edge edgeB(QStringLiteral("sim://b?rate=1000&axes=3"), url); // appears after the watcher's first scan
    QVERIFY(edgeB.started());
    QVERIFY(test::waitFor([&] { return engine.blocks("a").size() >= 20 && engine.blocks("b").size() >= 5; },
                          30000));

    auto a = engine.blocks("a");
    QVERIFY2(a.front()->firstSample > 0, "the watcher replayed history instead of starting at the present");
    QCOMPARE(a.front()->device->id, std::string("a"));
    QCOMPARE(a.front()->device->sampleRate, 2000.0);
    QCOMPARE(a.front()->device->axisNames, (std::vector<std::string>{"x", "y"}));
    checkContiguous(a, "a");
    auto b = engine.blocks("b");
    QCOMPARE(b.front()->firstSample, std::uint64_t{0}); // a device that appears later is seen from its start
    QCOMPARE(b.front()->device->sampleRate, 1000.0);
    QCOMPARE(b.front()->device->axisNames, (std::vector<std::string>{"x", "y", "z"}));
    checkContiguous(b, "b");

    // The samples are the edge's, as Redis holds them.
    const auto entries = test::readStream(c, ka);
    int compared = 0;
    for (const auto& e : entries)
        for (const auto& blk : a)
            if (blk->firstSample == e.first) {
                QCOMPARE(blk->count, e.count);
                QVERIFY(blk->data == e.planar);
                ++compared;
            }
    QCOMPARE(compared, static_cast<int>(a.size()));

    // Edges stop: the watcher ends with the last entry of each stream, and writes nothing.
    edgeA.stop();
    edgeB.stop();
    const auto lastA = test::readStream(c, ka).back(), lastB = test::readStream(c, kb).back();
    QVERIFY(test::waitFor(
        [&] {
            a = engine.blocks("a");
            b = engine.blocks("b");
            return a.back()->firstSample == lastA.first && b.back()->firstSample == lastB.first;
        },
        20000));
    checkContiguous(engine.blocks("a"), "a");
    checkContiguous(engine.blocks("b"), "b");
    QCOMPARE(engine.counters("a").gapsDetected, std::uint64_t{0});
    QCOMPARE(engine.counters("a").droppedTotal(), std::uint64_t{0});

    const long long lenA = integerReply(c, {"XLEN", ka}), lenB = integerReply(c, {"XLEN", kb});
    const long long keys = integerReply(c, {"DBSIZE"});
    const auto before = commandCalls(c);
    const auto scans = watcher.stats().scans;
    QVERIFY(test::waitFor([&] { return watcher.stats().scans >= scans + 2; })); // it keeps working
    QCOMPARE(integerReply(c, {"XLEN", ka}), lenA);
    QCOMPARE(integerReply(c, {"XLEN", kb}), lenB);
    QCOMPARE(integerReply(c, {"DBSIZE"}), keys);
    for (const auto& k : {ka, kb}) {
        const auto g = c.command({"XINFO", "GROUPS", k});
        QVERIFY(g && g->isArray());
        QCOMPARE(g->size(), std::size_t{0});
    }
    // Since the edges stopped only read commands ran (the watcher's and this test's inspection), and no
    // group command ever ran on this server.
    const std::set<std::string> readOnly{"xread",   "scan",         "time", "xlen",  "dbsize",
                                         "xinfo",   "xinfo|groups", "info", "ping",  "xrange",
                                         "command", "select",       "auth", "client"};
    const auto after = commandCalls(c);
    for (const auto& [cmd, calls] : after) {
        const auto it = before.find(cmd);
        if (calls > (it == before.end() ? 0 : it->second))
            QVERIFY2(readOnly.count(cmd), qPrintable(QStringLiteral("command %1 ran after the edges stopped")
                                                         .arg(QString::fromStdString(cmd))));
    }
    for (const char* cmd : {"xgroup", "xgroup|create", "xreadgroup", "xack", "xclaim", "xautoclaim", "xdel",
                            "xtrim", "del", "xsetid"})
        QVERIFY2(!after.count(cmd), cmd);
    QVERIFY(after.count("xread"));
    const auto st = watcher.stats();
    QCOMPARE(st.undecodable, 0ULL);
    QCOMPARE(st.overflow, 0ULL);
    QCOMPARE(st.streams, 2ULL);
    watcher.stop();
}

void TestRedisWatcher::reconnectResumesAndCountsGaps() {
    auto server = std::make_unique<test::RedisServer>(true); // AOF: a clean restart keeps the streams
    QVERIFY(server->start());
    const int port = server->port();
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server->url(), 2000, &err));
    for (std::uint64_t i = 0; i < 5; ++i)
        xadd(c, "plant", "r", i); // history: not shown

    Engine engine(true);
    redis::StreamWatcher::Options o;
    o.url = server->url("plant");
    o.discoverMs = 200;
    o.backoffMinMs = 50;
    o.backoffMaxMs = 200;
    redis::StreamWatcher watcher(o, [&](const std::string& id) { engine.request(id); });
    engine.attach(&watcher);
    watcher.start();
    QVERIFY(test::waitFor([&] { return watcher.stats().scans >= 1; }));
    for (std::uint64_t i = 5; i < 10; ++i)
        xadd(c, "plant", "r", i);
    QVERIFY(test::waitFor([&] { return engine.blocks("r").size() == 5; }));
    QCOMPARE(engine.blocks("r").front()->firstSample, std::uint64_t{5 * 64});

    // Clean restart (SIGTERM writes the AOF): entries added before the watcher is back are not skipped.
    server->terminate();
    QVERIFY(test::waitFor([&] { return !watcher.stats().connected; }));
    QVERIFY(server->start(port));
    QVERIFY(c.connect(server->url(), 2000, &err));
    for (std::uint64_t i = 10; i < 15; ++i)
        xadd(c, "plant", "r", i);
    QVERIFY(test::waitFor([&] { return engine.blocks("r").size() == 10; }, 20000));
    checkContiguous(engine.blocks("r"), "r after a clean restart");
    QCOMPARE(engine.counters("r").gapsDetected, std::uint64_t{0});
    QVERIFY(watcher.stats().connects >= 2);

    // A broker that lost entries (killed, restarted empty without persistence): the publisher's blocks 15..19
    // are gone; the watcher resumes, and the engine counts the hole as a gap of exactly those samples.
    server->stop();
    server = std::make_unique<test::RedisServer>(false);
    QVERIFY(server->start(port));
    QVERIFY(c.connect(server->url(), 2000, &err));
    for (std::uint64_t i = 20; i < 25; ++i)
        xadd(c, "plant", "r", i);
    QVERIFY(test::waitFor([&] { return engine.blocks("r").size() == 15; }, 20000));
    const auto r = engine.blocks("r");
    QCOMPARE(r[10]->firstSample, std::uint64_t{20 * 64});
    QCOMPARE(r[10]->gapBefore, std::uint64_t{5 * 64});
    QCOMPARE(engine.counters("r").gapsDetected, std::uint64_t{1});
    QCOMPARE(engine.counters("r").samplesMissing, std::uint64_t{5 * 64});
    QVERIFY(watcher.stats().connects >= 3);

    // The publisher restarts (a new session counting from 0), 2 s of its clock later: the engine continues
    // after what it has, with the 2 s it did not get as a gap (not as duplicates of samples 0…).
    {
        std::vector<std::pair<std::string, std::string>> fields;
        auto blk = std::make_shared<core::SampleBlock>(*test::block(test::deviceInfo("r"), 0));
        blk->startTimeNs = r.back()->startTimeNs + 64'000'000 + 2'000'000'000; // 64 samples at 1 kHz + 2 s
        redis::BlockEntry::encode(*blk, 2, 0, &fields);
        std::vector<std::string_view> args{"XADD", redis::StreamKeys::device("plant", "r"), "*"};
        for (const auto& [k, v] : fields)
            args.insert(args.end(), {k, v});
        QVERIFY(c.command(args));
    }
    QVERIFY(test::waitFor([&] { return engine.blocks("r").size() == 16; }));
    QCOMPARE(engine.blocks("r").back()->firstSample, std::uint64_t{25 * 64 + 2000});
    QCOMPARE(engine.counters("r").gapsDetected, std::uint64_t{2});
    QCOMPARE(engine.counters("r").samplesMissing, std::uint64_t{5 * 64 + 2000});
    QCOMPARE(engine.counters("r").droppedTotal(), std::uint64_t{0});
    watcher.stop();
}

void TestRedisWatcher::boundsRefusalsAndBadEntries() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    for (const char* id : {"d1", "d2", "d3", "d4"})
        xadd(c, "plant", id, 0);
    QVERIFY(c.command({"SET", "plant:{dev:notastream}", "x"})); // another type under the prefix: ignored

    Engine engine(false); // the test decides when (and whether) a device gets its channel
    redis::StreamWatcher::Options o;
    o.url = server.url("plant");
    o.maxDevices = 3;
    o.maxHeldPerDevice = 4;
    o.discoverMs = 200;
    redis::StreamWatcher watcher(o, [&](const std::string& id) { engine.request(id); });
    engine.attach(&watcher);
    watcher.start();
    QVERIFY(test::waitFor([&] { return watcher.stats().scans >= 1; }));
    QCOMPARE(watcher.stats().overCap, 1ULL); // 4 device streams, 3 watched
    QCOMPARE(watcher.stats().streams, 3ULL);
    std::vector<std::string> watched;
    for (const auto& s : watcher.streams())
        watched.push_back(s.device);
    const std::string slow = watched[0], refused = watched[1], normal = watched[2];

    // slow: 10 entries while its channel does not exist yet: the hold keeps the newest 4 (6 dropped,
    // counted), plus two undecodable entries, counted and skipped.
    for (std::uint64_t i = 1; i <= 10; ++i)
        xadd(c, "plant", slow, i);
    const std::string ks = redis::StreamKeys::device("plant", slow);
    QVERIFY(c.command({"XADD", ks, "*", "v", "1", "dev", slow.c_str(), "data", "x"}));
    std::vector<std::pair<std::string, std::string>> other;
    redis::BlockEntry::encode(*test::block(test::deviceInfo("intruder"), 11), 1, 11, &other);
    std::vector<std::string_view> args{"XADD", ks, "*"};
    for (const auto& [k, v] : other)
        args.insert(args.end(), {k, v});
    QVERIFY(c.command(args));
    QVERIFY(test::waitFor([&] { return watcher.stats().entries == 10 && watcher.stats().undecodable == 2; }));
    QCOMPARE(watcher.stats().overflow, 6ULL);
    QVERIFY2(watcher.stats().lastUndecodable.find("does not match") != std::string::npos,
             watcher.stats().lastUndecodable.c_str());
    engine.provide(slow);
    QVERIFY(test::waitFor([&] { return engine.blocks(slow).size() == 4; }));
    QCOMPARE(engine.blocks(slow).front()->firstSample, std::uint64_t{7 * 64});
    checkContiguous(engine.blocks(slow), "slow");

    // refused: the owner gives no channel; its stream is not read any more.
    xadd(c, "plant", refused, 1);
    QVERIFY(test::waitFor([&] {
        const auto req = engine.requested();
        return std::find(req.begin(), req.end(), refused) != req.end();
    }));
    watcher.provide(refused, nullptr);
    QVERIFY(test::waitFor([&] {
        for (const auto& s : watcher.streams())
            if (s.device == refused)
                return s.refused;
        return false;
    }));
    // normal: provided at once; then released (the owner removed it): nothing more is delivered.
    xadd(c, "plant", normal, 1);
    QVERIFY(test::waitFor([&] {
        const auto req = engine.requested();
        return std::find(req.begin(), req.end(), normal) != req.end();
    }));
    engine.provide(normal);
    QVERIFY(test::waitFor([&] { return engine.blocks(normal).size() == 1; }));
    watcher.release(normal);
    QVERIFY(test::waitFor([&] {
        for (const auto& s : watcher.streams())
            if (s.device == normal)
                return s.released;
        return false;
    }));
    const auto entriesBefore = watcher.stats().entries;
    xadd(c, "plant", refused, 2);
    xadd(c, "plant", normal, 2);
    xadd(c, "plant", slow, 12); // a marker on the stream still read: once it is in, the others were seen too
    QVERIFY(test::waitFor([&] { return engine.blocks(slow).size() == 5; }));
    QCOMPARE(watcher.stats().entries, entriesBefore + 1);
    engine.finish();
    QCOMPARE(engine.blocks(normal).size(), std::size_t{1});
    QCOMPARE(engine.counters(normal).samplesReceived, std::uint64_t{64});
    watcher.stop();
}

QTEST_GUILESS_MAIN(TestRedisWatcher)
#include "tst_redis_watcher.moc"
