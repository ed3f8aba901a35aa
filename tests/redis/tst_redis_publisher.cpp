// redis::StreamPublisher and the entry format against a real redis-server: content, order, back-off and
// reconnect, resume without duplicates (resync from the stream's last entry), bounded buffer, accounting.
#include "RedisServer.h"
#include "RedisTestUtil.h"
#include "redis/BlockEntry.h"
#include "redis/StreamKeys.h"
#include "redis/StreamPublisher.h"

#include <QtTest>

using namespace vibra;

namespace {

redis::StreamPublisher::Options options(const test::RedisServer& s, const std::string& prefix = "edge") {
    redis::StreamPublisher::Options o;
    o.url = s.url(prefix);
    o.backoffMinMs = 20;
    o.backoffMaxMs = 200;
    o.stopFlushMs = 2000;
    return o;
}

/// Every sample of every decoded entry equals the reference signal, entries are seq-contiguous from seq0.
void checkEntries(const std::vector<redis::BlockEntry::Decoded>& entries, std::uint64_t session,
                  std::uint64_t seq0, std::uint32_t n) {
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const auto& e = entries[k];
        QCOMPARE(e.session, session);
        QCOMPARE(e.seq, seq0 + k);
        QCOMPARE(e.count, n);
        QCOMPARE(e.axes.size(), std::size_t{3});
        QCOMPARE(e.rate, 1000.0);
        for (int a = 0; a < 3; ++a)
            for (std::uint32_t i = 0; i < n; ++i)
                QCOMPARE(e.planar[a * n + i], test::refValue(e.first + i, a));
    }
}

} // namespace

class TestRedisPublisher : public QObject {
    Q_OBJECT
private slots:
    void entryRoundTrip();
    void entryDecoderRejects_data();
    void entryDecoderRejects();
    void publishesEveryBlockInOrder();
    void waitsForRedisWithBackoff();
    void resumesWithoutDuplicates();
    void survivesRedisRestartWithAof();
    void boundedBufferCountsOverflow();
    void trimsToMaxLen();
};

void TestRedisPublisher::entryRoundTrip() {
    const auto dev = test::deviceInfo("pump-7", 25600.0);
    auto b = std::make_shared<core::SampleBlock>(*test::block(dev, 5, 100));
    b->gapBefore = 12;
    std::vector<std::pair<std::string, std::string>> fields;
    redis::BlockEntry::encode(*b, 42, 9, &fields);
    std::vector<std::pair<std::string_view, std::string_view>> view(fields.begin(), fields.end());
    redis::BlockEntry::Decoded d;
    std::string reason;
    QVERIFY2(redis::BlockEntry::decode(view, &d, &reason), reason.c_str());
    QCOMPARE(d.device, std::string("pump-7"));
    QCOMPARE(d.session, 42ULL);
    QCOMPARE(d.seq, 9ULL);
    QCOMPARE(d.first, 500ULL);
    QCOMPARE(d.gap, 12ULL);
    QCOMPARE(d.t0, b->startTimeNs);
    QCOMPARE(d.rate, 25600.0);
    QCOMPARE(d.axes, (std::vector<std::string>{"x", "y", "z"}));
    QCOMPARE(d.count, 100U);
    QCOMPARE(d.planar, b->data);
    // i16le with a scale (another producer's format)
    std::string raw;
    for (std::int16_t v : {std::int16_t{-2}, std::int16_t{3}}) {
        raw.push_back(static_cast<char>(v & 0xff));
        raw.push_back(static_cast<char>((v >> 8) & 0xff));
    }
    for (auto& [k, v] : view) {
        if (k == "fmt")
            v = "i16le";
        else if (k == "scale")
            v = "0.5";
        else if (k == "n")
            v = "2";
        else if (k == "axes")
            v = "z";
        else if (k == "data")
            v = raw;
    }
    QVERIFY2(redis::BlockEntry::decode(view, &d, &reason), reason.c_str());
    QCOMPARE(d.planar, (std::vector<float>{-1.0f, 1.5f}));
}

void TestRedisPublisher::entryDecoderRejects_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("reason");
    QTest::newRow("version") << "v"
                             << "2"
                             << "version";
    QTest::newRow("dev empty") << "dev"
                               << ""
                               << "dev";
    QTest::newRow("dev control") << "dev"
                                 << "a\nb"
                                 << "control";
    QTest::newRow("seq") << "seq"
                         << "-1"
                         << "seq";
    QTest::newRow("rate zero") << "rate"
                               << "0"
                               << "rate";
    QTest::newRow("rate nan") << "rate"
                              << "nan"
                              << "rate";
    QTest::newRow("axes empty") << "axes"
                                << ""
                                << "axes";
    QTest::newRow("axes four") << "axes"
                               << "a,b,c,d"
                               << "axes";
    QTest::newRow("unit") << "unit"
                          << "furlong"
                          << "unit";
    QTest::newRow("n zero") << "n"
                            << "0"
                            << "n";
    QTest::newRow("n huge") << "n"
                            << "65537"
                            << "n";
    QTest::newRow("n mismatch") << "n"
                                << "65"
                                << "data size";
    QTest::newRow("fmt") << "fmt"
                         << "f64le"
                         << "fmt";
    QTest::newRow("data short") << "data"
                                << "abc"
                                << "data size";
    QTest::newRow("missing t0") << "t0"
                                << "<drop>"
                                << "missing field t0";
}

void TestRedisPublisher::entryDecoderRejects() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, reason);
    const auto dev = test::deviceInfo("d");
    std::vector<std::pair<std::string, std::string>> fields;
    redis::BlockEntry::encode(*test::block(dev, 0, 64), 1, 0, &fields);
    std::vector<std::pair<std::string_view, std::string_view>> view;
    const std::string f = field.toStdString(), v = value.toStdString();
    for (const auto& [k, val] : fields) {
        if (k != f)
            view.emplace_back(k, val);
        else if (v != "<drop>")
            view.emplace_back(k, v);
    }
    redis::BlockEntry::Decoded d;
    std::string why;
    QVERIFY(!redis::BlockEntry::decode(view, &d, &why));
    QVERIFY2(QString::fromStdString(why).contains(reason), why.c_str());
}

void TestRedisPublisher::publishesEveryBlockInOrder() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::StreamPublisher pub(options(server));
    const auto a = test::deviceInfo("a"), b = test::deviceInfo("b");
    auto ta = std::make_shared<pipeline::TapFeed>("a", "test://a");
    auto tb = std::make_shared<pipeline::TapFeed>("b", "test://b");
    pub.addFeed(ta);
    pub.start();
    constexpr int kBlocks = 500;
    for (int i = 0; i < kBlocks; ++i) {
        QVERIFY(test::waitFor([&] { return ta->ring.size() < ta->ring.capacity(); }));
        QVERIFY(test::offer(*ta, test::block(a, i)));
        if (i == 100)
            pub.addFeed(tb); // a device arriving later
        if (i >= 100)
            QVERIFY(test::offer(*tb, test::block(b, i - 100)));
    }
    ta->close();
    tb->close();
    pub.stop();
    const auto acc = pub.accounting();
    QCOMPARE(acc.size(), std::size_t{2});
    for (const auto& x : acc) {
        QVERIFY(x.balanced());
        QCOMPARE(x.dropped(), 0ULL);
    }
    QCOMPARE(acc[0].published, 500ULL * 64);
    QCOMPARE(acc[1].published, 400ULL * 64);
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    std::vector<std::string> errors;
    const auto ea = test::readStream(c, redis::StreamKeys::device("edge", "a"), &errors);
    const auto eb = test::readStream(c, redis::StreamKeys::device("edge", "b"), &errors);
    QVERIFY(errors.empty());
    QCOMPARE(ea.size(), std::size_t{500});
    QCOMPARE(eb.size(), std::size_t{400});
    checkEntries(ea, pub.session(), 0, 64);
    checkEntries(eb, pub.session(), 0, 64);
    QCOMPARE(eb.front().first, 0ULL);
    QCOMPARE(ea.back().first, 499ULL * 64);
}

void TestRedisPublisher::waitsForRedisWithBackoff() {
    test::RedisServer server;
    QVERIFY(server.start());
    const int port = server.port();
    server.stop(); // the broker is down when the edge starts
    auto o = options(server);
    redis::StreamPublisher pub(o);
    const auto a = test::deviceInfo("a");
    auto tap = std::make_shared<pipeline::TapFeed>("a", "test://a");
    pub.addFeed(tap);
    pub.start();
    for (int i = 0; i < 50; ++i)
        QVERIFY(test::offer(*tap, test::block(a, i)));
    QVERIFY(test::waitFor([&] { return pub.status().buffered == 50; }));
    QVERIFY(!pub.status().connected);
    QVERIFY(!pub.status().lastError.empty());
    QVERIFY(server.start(port));
    QVERIFY(test::waitFor([&] { return pub.status().buffered == 0; }));
    tap->close();
    pub.stop();
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const auto entries = test::readStream(c, redis::StreamKeys::device("edge", "a"));
    QCOMPARE(entries.size(), std::size_t{50});
    checkEntries(entries, pub.session(), 0, 64);
    QVERIFY(pub.accounting()[0].balanced());
}

void TestRedisPublisher::resumesWithoutDuplicates() {
    // The stream already holds seq 0..4 of this session (their XADD replies were lost with the connection):
    // the publisher must send 5..9 only.
    test::RedisServer server;
    QVERIFY(server.start());
    auto o = options(server);
    o.session = 777;
    const auto a = test::deviceInfo("a");
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const std::string key = redis::StreamKeys::device("edge", "a");
    for (int i = 0; i < 5; ++i) {
        std::vector<std::pair<std::string, std::string>> fields;
        redis::BlockEntry::encode(*test::block(a, i), 777, i, &fields);
        std::vector<std::string_view> args{"XADD", key, "*"};
        for (const auto& [k, v] : fields) {
            args.emplace_back(k);
            args.emplace_back(v);
        }
        const auto r = c.command(args);
        QVERIFY(r && !r->isError());
    }
    redis::StreamPublisher pub(o);
    auto tap = std::make_shared<pipeline::TapFeed>("a", "test://a");
    for (int i = 0; i < 10; ++i)
        QVERIFY(test::offer(*tap, test::block(a, i)));
    tap->close();
    pub.addFeed(tap);
    pub.start();
    pub.stop();
    const auto entries = test::readStream(c, key);
    QCOMPARE(entries.size(), std::size_t{10});
    checkEntries(entries, 777, 0, 64);
    QCOMPARE(pub.status().resyncSkipped, 5ULL);
    const auto acc = pub.accounting();
    QCOMPARE(acc[0].published, 640ULL);
    QVERIFY(acc[0].balanced());
    // Another session's last entry does not suppress anything.
    o.session = 778;
    redis::StreamPublisher other(o);
    auto tap2 = std::make_shared<pipeline::TapFeed>("a", "test://a");
    for (int i = 0; i < 3; ++i)
        QVERIFY(test::offer(*tap2, test::block(a, i)));
    tap2->close();
    other.addFeed(tap2);
    other.start();
    other.stop();
    QCOMPARE(test::readStream(c, key).size(), std::size_t{13});
    QCOMPARE(other.status().resyncSkipped, 0ULL);
}

void TestRedisPublisher::survivesRedisRestartWithAof() {
    // Redis with AOF is restarted (clean shutdown) mid-stream: afterwards the stream holds every block
    // exactly once, in order.
    test::RedisServer server(true);
    QVERIFY(server.start());
    const int port = server.port();
    redis::StreamPublisher pub(options(server));
    const auto a = test::deviceInfo("a");
    auto tap = std::make_shared<pipeline::TapFeed>("a", "test://a");
    pub.addFeed(tap);
    pub.start();
    int next = 0;
    const auto feed = [&](int upTo) {
        for (; next < upTo; ++next) {
            if (!test::waitFor([&] { return tap->ring.size() < tap->ring.capacity(); }))
                return false;
            if (!test::offer(*tap, test::block(a, next)))
                return false;
        }
        return true;
    };
    QVERIFY(feed(300));
    QVERIFY(test::waitFor([&] {
        const auto acc = pub.accounting();
        return !acc.empty() && acc[0].entries >= 200;
    }));
    server.terminate(); // SIGTERM: Redis writes its AOF and exits
    QVERIFY(feed(600));
    QVERIFY(server.start(port));
    QVERIFY(feed(900));
    QVERIFY(test::waitFor([&] { return pub.status().buffered == 0 && tap->ring.empty(); }));
    tap->close();
    pub.stop();
    QVERIFY(pub.status().connects >= 2);
    const auto acc = pub.accounting()[0];
    QVERIFY(acc.balanced());
    QCOMPARE(acc.dropped(), 0ULL);
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const auto entries = test::readStream(c, redis::StreamKeys::device("edge", "a"));
    QCOMPARE(entries.size(), std::size_t{900});
    checkEntries(entries, pub.session(), 0, 64);
}

void TestRedisPublisher::boundedBufferCountsOverflow() {
    test::RedisServer server;
    QVERIFY(server.start());
    const int port = server.port();
    server.stop();
    auto o = options(server);
    o.bufferBlocks = 8;
    redis::StreamPublisher pub(o);
    const auto a = test::deviceInfo("a");
    auto tap = std::make_shared<pipeline::TapFeed>("a", "test://a");
    pub.addFeed(tap);
    pub.start();
    for (int i = 0; i < 50; ++i)
        QVERIFY(test::offer(*tap, test::block(a, i)));
    QVERIFY(test::waitFor([&] {
        const auto acc = pub.accounting();
        return tap->ring.empty() && !acc.empty() && acc[0].droppedOverflow == 42 * 64;
    }));
    QCOMPARE(pub.status().buffered, 8ULL);
    QVERIFY(server.start(port));
    QVERIFY(test::waitFor([&] { return pub.status().buffered == 0; }));
    tap->close();
    pub.stop();
    const auto acc = pub.accounting()[0];
    QCOMPARE(acc.published, 8ULL * 64);
    QVERIFY(acc.balanced());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const auto entries = test::readStream(c, redis::StreamKeys::device("edge", "a"));
    QCOMPARE(entries.size(), std::size_t{8});
    checkEntries(entries, pub.session(), 0, 64); // the oldest 8 were kept, seq without holes
    QCOMPARE(entries.back().first, 7ULL * 64);
}

void TestRedisPublisher::trimsToMaxLen() {
    test::RedisServer server;
    QVERIFY(server.start());
    auto o = options(server);
    o.maxLen = 100;
    redis::StreamPublisher pub(o);
    const auto a = test::deviceInfo("a");
    auto tap = std::make_shared<pipeline::TapFeed>("a", "test://a", 4096);
    for (int i = 0; i < 2000; ++i)
        QVERIFY(test::offer(*tap, test::block(a, i, 8)));
    tap->close();
    pub.addFeed(tap);
    pub.start();
    pub.stop();
    QCOMPARE(pub.accounting()[0].entries, 2000ULL);
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const auto len = c.command({"XLEN", redis::StreamKeys::device("edge", "a")});
    QVERIFY(len);
    // MAXLEN ~ trims whole macro nodes (100 entries each by default): at least 100 kept, far fewer than 2000
    QVERIFY2(len->integer >= 100 && len->integer < 300, std::to_string(len->integer).c_str());
}

QTEST_GUILESS_MAIN(TestRedisPublisher)
#include "tst_redis_publisher.moc"
