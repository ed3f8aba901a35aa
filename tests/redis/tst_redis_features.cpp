// Features-only publishing (`--publish …?mode=features`): the FeatureEntry format (round trip bit-exact,
// rejections with a reason) and redis::StreamPublisher in features mode against a real redis-server (rollups
// and events in order on the features stream, seq without holes, accounting of samples and events, bounded
// buffer while Redis is down).
#include "RedisServer.h"
#include "RedisTestUtil.h"
#include "redis/FeatureEntry.h"
#include "redis/StreamKeys.h"
#include "redis/StreamPublisher.h"

#include <QtTest>

#include <cmath>

using namespace vibra;

namespace {

std::shared_ptr<pipeline::RollupRecord> rollup(const std::shared_ptr<const core::DeviceInfo>& dev,
                                               int second) {
    auto r = std::make_shared<pipeline::RollupRecord>();
    r->device = dev;
    r->bucketStartNs = 1'700'000'000'000'000'000 + std::int64_t{second} * 1'000'000'000;
    r->samples = 1000;
    r->gaps = second % 2;
    r->zone = dsp::SeverityZone::B;
    for (int a = 0; a < 3; ++a) {
        dsp::Moments m;
        m.count = 1000 - static_cast<std::uint64_t>(a);
        m.min = -0.1 * (a + 1) - second;
        m.max = 0.3 / 7.0 + a;
        m.mean = 1.0 / 3.0;
        m.rms = std::sqrt(2.0) / (a + 2);
        m.peak = M_PI / 10;
        m.kurtosis = 3.0 + 1e-17 * a;
        r->axes.push_back(m);
        r->velocityRmsMmS.push_back(a == 1 ? std::nan("") : 4.5 + a / 3.0);
    }
    return r;
}

std::shared_ptr<core::Event> alarm(int second) {
    auto e = std::make_shared<core::Event>();
    e->deviceId = "a";
    e->tNs = 1'700'000'000'000'000'000 + std::int64_t{second} * 1'000'000'000;
    e->kind = "alarm";
    e->state = "raised";
    e->rule = "velocity>4.5";
    e->metric = "velocity";
    e->axis = 2;
    e->axisName = "z";
    e->value = 4.5 + 2 / 3.0;
    e->threshold = 4.5;
    e->detail = "raised: velocity z 5.17 mm/s (velocity>4.5)";
    return e;
}

pipeline::StoreItemPtr itemOf(std::shared_ptr<const pipeline::RollupRecord> r) {
    auto i = std::make_shared<pipeline::StoreItem>();
    i->rollup = std::move(r);
    return i;
}

pipeline::StoreItemPtr itemOf(std::shared_ptr<const core::Event> e) {
    auto i = std::make_shared<pipeline::StoreItem>();
    i->event = std::move(e);
    return i;
}

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

std::vector<std::pair<std::string_view, std::string_view>>
view(const std::vector<std::pair<std::string, std::string>>& f) {
    return {f.begin(), f.end()};
}

/// Every entry of a features stream, decoded (a failure fails the test through an empty result).
std::vector<redis::FeatureEntry::Decoded> readFeatures(redis::Client& c, const std::string& key) {
    std::vector<redis::FeatureEntry::Decoded> out;
    const auto r = c.command({"XRANGE", key, "-", "+"});
    if (!r || !r->isArray())
        return out;
    for (const auto& e : r->elements) {
        std::vector<std::pair<std::string_view, std::string_view>> fields;
        for (std::size_t i = 0; i + 1 < e[1].size(); i += 2)
            fields.emplace_back(e[1][i].str, e[1][i + 1].str);
        redis::FeatureEntry::Decoded d;
        std::string reason;
        if (!redis::FeatureEntry::decode(fields, &d, &reason))
            return {};
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace

class TestRedisFeatures : public QObject {
    Q_OBJECT
private slots:
    void rollupRoundTripIsBitExact();
    void eventRoundTrip();
    void decoderRejects_data();
    void decoderRejects();
    void publishesRollupsAndEventsInOrder();
    void boundedBufferCountsSamplesAndEvents();
};

void TestRedisFeatures::rollupRoundTripIsBitExact() {
    const auto dev = test::deviceInfo("pump-7", 25600.0);
    const auto r = rollup(dev, 3);
    std::vector<std::pair<std::string, std::string>> f;
    redis::FeatureEntry::encode(*itemOf(r), *dev, 42, 9, &f);
    redis::FeatureEntry::Decoded d;
    std::string reason;
    QVERIFY2(redis::FeatureEntry::decode(view(f), &d, &reason), reason.c_str());
    QVERIFY(d.rollup && !d.event);
    QCOMPARE(d.device, std::string("pump-7"));
    QCOMPARE(d.session, 42ULL);
    QCOMPARE(d.seq, 9ULL);
    QCOMPARE(d.rate, 25600.0);
    QCOMPARE(d.axes, (std::vector<std::string>{"x", "y", "z"}));
    QCOMPARE(d.rollup->bucketStartNs, r->bucketStartNs);
    QCOMPARE(d.rollup->samples, 1000ULL);
    QCOMPARE(d.rollup->gaps, 1U);
    QCOMPARE(d.rollup->zone, dsp::SeverityZone::B);
    for (int a = 0; a < 3; ++a) {
        const auto &x = r->axes[a], &y = d.rollup->axes[a];
        QCOMPARE(y.count, x.count);
        for (const auto& [p, q] : {std::pair{x.min, y.min},
                                   {x.max, y.max},
                                   {x.mean, y.mean},
                                   {x.rms, y.rms},
                                   {x.peak, y.peak},
                                   {x.kurtosis, y.kurtosis}})
            QVERIFY2(sameBits(p, q),
                     qPrintable(QString::number(p, 'g', 17) + " vs " + QString::number(q, 'g', 17)));
        QCOMPARE(y.crestFactor, x.peak / x.rms);
    }
    QVERIFY(sameBits(d.rollup->velocityRmsMmS[0], 4.5));
    QVERIFY(std::isnan(d.rollup->velocityRmsMmS[1]));
    QVERIFY(sameBits(d.rollup->velocityRmsMmS[2], 4.5 + 2 / 3.0));
}

void TestRedisFeatures::eventRoundTrip() {
    const auto dev = test::deviceInfo("a");
    const auto e = alarm(5);
    std::vector<std::pair<std::string, std::string>> f;
    redis::FeatureEntry::encode(*itemOf(e), *dev, 1, 2, &f);
    redis::FeatureEntry::Decoded d;
    std::string reason;
    QVERIFY2(redis::FeatureEntry::decode(view(f), &d, &reason), reason.c_str());
    QVERIFY(d.event && !d.rollup);
    QCOMPARE(d.event->tNs, e->tNs);
    QCOMPARE(d.event->kind, e->kind);
    QCOMPARE(d.event->state, e->state);
    QCOMPARE(d.event->rule, e->rule);
    QCOMPARE(d.event->metric, e->metric);
    QCOMPARE(d.event->axis, 2);
    QCOMPARE(d.event->axisName, std::string("z"));
    QVERIFY(sameBits(d.event->value, e->value));
    QCOMPARE(d.event->threshold, 4.5);
    QCOMPARE(d.event->detail, e->detail);
}

void TestRedisFeatures::decoderRejects_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("reason");
    QTest::newRow("type") << "type"
                          << "samples"
                          << "type";
    QTest::newRow("version") << "v"
                             << "2"
                             << "version";
    QTest::newRow("dev control") << "dev"
                                 << "a\tb"
                                 << "dev";
    QTest::newRow("four axes") << "axes"
                               << "w,x,y,z"
                               << "axes";
    QTest::newRow("n zero") << "n"
                            << "0"
                            << "bad n";
    QTest::newRow("zone") << "zone"
                          << "4"
                          << "zone";
    QTest::newRow("axis stats short") << "a1"
                                      << "1000 0 1 0 1 1 3"
                                      << "a1";
    QTest::newRow("axis count > n") << "a0"
                                    << "1001 0 1 0 1 1 3 nan"
                                    << "a0";
    QTest::newRow("axis min > max") << "a2"
                                    << "10 2 1 0 1 1 3 nan"
                                    << "a2";
    QTest::newRow("axis rms nan") << "a0"
                                  << "10 0 1 0 nan 1 3 nan"
                                  << "a0";
    QTest::newRow("axis trailing") << "a0"
                                   << "10 0 1 0 1 1 3 nan "
                                   << "a0";
    QTest::newRow("t") << "t"
                       << "12x"
                       << "bad t";
}

void TestRedisFeatures::decoderRejects() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, reason);
    const auto dev = test::deviceInfo("a");
    std::vector<std::pair<std::string, std::string>> f;
    redis::FeatureEntry::encode(*itemOf(rollup(dev, 0)), *dev, 1, 0, &f);
    for (auto& [k, v] : f)
        if (k == field.toStdString())
            v = value.toStdString();
    redis::FeatureEntry::Decoded d;
    std::string why;
    QVERIFY(!redis::FeatureEntry::decode(view(f), &d, &why));
    QVERIFY2(why.find(reason.toStdString()) != std::string::npos, why.c_str());
}

void TestRedisFeatures::publishesRollupsAndEventsInOrder() {
    test::RedisServer server;
    QVERIFY(server.start());
    redis::StreamPublisher::Options o;
    o.url = server.url("edge");
    o.mode = redis::StreamPublisher::Mode::Features;
    redis::StreamPublisher pub(o);
    auto tap = std::make_shared<pipeline::FeatureTap>("a", "test://a");
    pub.addFeatureFeed(tap);
    pub.start();
    const auto dev = test::deviceInfo("a");
    // an event before any second of its device cannot be described: dropped, counted (rejected)
    QVERIFY(tap->offer(itemOf(alarm(0))));
    for (int s = 0; s < 20; ++s) {
        QVERIFY(tap->offer(itemOf(rollup(dev, s))));
        if (s % 5 == 4)
            QVERIFY(tap->offer(itemOf(alarm(s))));
    }
    tap->close();
    pub.stop();
    const auto acc = pub.accounting();
    QCOMPARE(acc.size(), std::size_t{1});
    QCOMPARE(acc[0].received, 20'000ULL);
    QCOMPARE(acc[0].published, 20'000ULL);
    QCOMPARE(acc[0].entries, 24ULL);
    QCOMPARE(acc[0].eventsOffered, 5ULL);
    QCOMPARE(acc[0].eventsPublished, 4ULL);
    QCOMPARE(acc[0].eventsDropped, 1ULL);
    QVERIFY(acc[0].balanced());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    QCOMPARE(c.command({"EXISTS", redis::StreamKeys::device("edge", "a")})->integer, 0LL); // no raw stream
    const auto entries = readFeatures(c, redis::StreamKeys::features("edge", "a"));
    QCOMPARE(entries.size(), std::size_t{24});
    int second = 0;
    for (std::size_t k = 0; k < entries.size(); ++k) {
        const auto& e = entries[k];
        QCOMPARE(e.seq, k);
        QCOMPARE(e.session, pub.session());
        if (e.rollup) {
            QCOMPARE(e.rollup->bucketStartNs, rollup(dev, second)->bucketStartNs);
            ++second;
        } else {
            QCOMPARE(second % 5, 0); // right after the 5th, 10th, ... second
            QCOMPARE(e.event->tNs, alarm(second - 1)->tNs);
        }
    }
    QCOMPARE(second, 20);
}

void TestRedisFeatures::boundedBufferCountsSamplesAndEvents() {
    test::RedisServer server;
    QVERIFY(server.start());
    const int port = server.port();
    server.stop();
    redis::StreamPublisher::Options o;
    o.url = server.url("edge");
    o.mode = redis::StreamPublisher::Mode::Features;
    o.bufferBlocks = 4;
    o.backoffMinMs = 20;
    o.backoffMaxMs = 200;
    redis::StreamPublisher pub(o);
    auto tap = std::make_shared<pipeline::FeatureTap>("a", "test://a");
    pub.addFeatureFeed(tap);
    pub.start();
    const auto dev = test::deviceInfo("a");
    for (int s = 0; s < 10; ++s) {
        QVERIFY(tap->offer(itemOf(rollup(dev, s))));
        QVERIFY(tap->offer(itemOf(alarm(s))));
    }
    // 4 entries fit (2 rollups, 2 events); 8 rollups and 8 events overflow
    QVERIFY(test::waitFor([&] {
        const auto acc = pub.accounting();
        return tap->ring.empty() && !acc.empty() && acc[0].droppedOverflow == 8000 &&
               acc[0].eventsDropped == 8;
    }));
    QVERIFY(server.start(port));
    QVERIFY(test::waitFor([&] { return pub.status().buffered == 0; }));
    tap->close();
    pub.stop();
    const auto acc = pub.accounting()[0];
    QCOMPARE(acc.published, 2000ULL);
    QCOMPARE(acc.eventsPublished, 2ULL);
    QVERIFY(acc.balanced());
    redis::Client c;
    std::string err;
    QVERIFY(c.connect(server.url(), 2000, &err));
    const auto entries = readFeatures(c, redis::StreamKeys::features("edge", "a"));
    QCOMPARE(entries.size(), std::size_t{4});
    QCOMPARE(entries.back().seq, 3ULL); // the oldest were kept, seq without holes
}

QTEST_GUILESS_MAIN(TestRedisFeatures)
#include "tst_redis_features.moc"
