// Raw blocks: the codec bit-exact; blocks through the writer with gaps, duplicates and accounting; blocks
// gathered into rows and read back exactly; the DSP processor's raw accounting under store overflow.
#include "StorageTestUtil.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/WorkerPool.h"
#include "storage/Database.h"
#include "storage/HistoryQuery.h"
#include "storage/RawCodec.h"
#include "storage/RawCursor.h"
#include "storage/RawStore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace vibra;
using namespace storage_test;

class TstStorageRaw : public QObject {
    Q_OBJECT
private slots:
    void rawCodecIsBitExact() {
        std::mt19937 rng(7);
        std::normal_distribution<float> noise(0.f, 1.f);
        std::vector<float> v(3000);
        for (auto& x : v)
            x = 9.81f + noise(rng);
        const float specials[] = {0.f,
                                  -0.f,
                                  std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(),
                                  std::numeric_limits<float>::denorm_min(),
                                  std::numeric_limits<float>::quiet_NaN(),
                                  std::numeric_limits<float>::max()};
        for (std::size_t i = 0; i < std::size(specials); ++i)
            v[i * 97] = specials[i];
        storage::RawCodec codec;
        std::vector<std::uint8_t> blob;
        const int fmt = codec.encode(v, &blob);
        QVERIFY(blob.size() < v.size() * 4); // the sign/exponent planes compress
        std::vector<float> back;
        std::string err;
        QVERIFY2(codec.decode(fmt, blob, v.size(), &back, &err), err.c_str());
        QCOMPARE(back.size(), v.size());
        for (std::size_t i = 0; i < v.size(); ++i)
            QVERIFY2(sameBits(v[i], back[i]), qPrintable(QString::number(i)));
        // corrupt data and a wrong size are refused with a message
        auto bad = blob;
        bad[bad.size() / 2] ^= 0xFF;
        bad[4] ^= 0x55;
        QVERIFY(!codec.decode(fmt, bad, v.size(), &back, &err) || back.size() == v.size());
        QVERIFY(!codec.decode(fmt, blob, v.size() + 1, &back, &err));
        QVERIFY(!codec.decode(9, blob, v.size(), &back, &err));
    }

    void rawBlocksRoundTripWithGapsAndAccounting() {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/raw.db").toStdString();
        auto dev = device("r", 1000, 2);
        auto feed = feedOf("r", 64);
        auto& ring = feed->ring;
        auto& counters = *feed->counters;
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> u(-4.f, 4.f);
        std::vector<std::vector<float>> blocks;
        std::vector<std::uint64_t> firsts = {0, 250, 500, 900}; // 750..899 missing: a gap of 150
        {
            storage::SqliteWriter w(opts(path, true));
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(feed);
            for (std::size_t i = 0; i < firsts.size(); ++i) {
                std::vector<float> planar(500);
                for (auto& x : planar)
                    x = u(rng);
                blocks.push_back(planar);
                QVERIFY(ring.tryPush(rawOf(dev, i, firsts[i], planar, 250)));
            }
            QVERIFY(ring.tryPush(rawOf(dev, 1, 250, blocks[1], 250))); // same first sample again: a duplicate
            // a rollup does not count as stored in raw mode
            QVERIFY(
                ring.tryPush(rollupOf(dev, kT0, {std::vector<float>(10, 1.f), std::vector<float>(10, 2.f)})));
            counters.samplesReceived = 1250;
            w.stop();
        }
        QCOMPARE(counters.samplesStored.load(), std::uint64_t{1000});
        QCOMPARE(counters.snapshot().dropped(core::DropReason::Duplicate), std::uint64_t{250});
        const auto c = counters.snapshot();
        QCOMPARE(c.samplesReceived, c.samplesStored + c.droppedTotal());

        storage::Database db;
        std::string err;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
        QCOMPARE(scalar(db.handle(), "SELECT stored FROM session_device"), 1000);
        QCOMPARE(scalar(db.handle(), "SELECT dropped_total FROM session_device"), 250); // duplicate, same txn
        QCOMPARE(scalar(db.handle(),
                        "SELECT count(*) FROM event WHERE kind='gap' AND first_sample=750 AND samples=150"),
                 1);
        storage::RawCursor cur;
        QVERIFY2(cur.open(db, "r", std::nullopt, std::nullopt, &err), err.c_str());
        QCOMPARE(cur.count(), std::uint64_t{4});
        storage::RawBlock b;
        std::size_t i = 0;
        while (cur.next(&b)) {
            QCOMPARE(b.firstSample, firsts[i]);
            QCOMPARE(b.count, 250u);
            QCOMPARE(b.tNs, kT0 + static_cast<std::int64_t>(firsts[i]) * 1'000'000);
            QCOMPARE(b.endNs, b.tNs + 250'000'000);
            QCOMPARE(b.data.size(), blocks[i].size());
            QVERIFY(std::memcmp(b.data.data(), blocks[i].data(), b.data.size() * 4) == 0);
            ++i;
        }
        QVERIFY2(cur.error().empty(), cur.error().c_str());
        QCOMPARE(i, std::size_t{4});
        // finer than 1 s: the range query builds an envelope from the raw samples (10 ms buckets here)
        storage::HistoryQuery q(db);
        storage::HistoryQuery::Range range;
        QVERIFY2(q.range("r", kT0, kT0 + kS, 100, std::nullopt, &range, &err), err.c_str());
        QCOMPARE(range.level, storage::RollupLevel::Raw);
        QCOMPARE(range.bucketNs, std::int64_t{10'000'000});
        QCOMPARE(range.points.size(), std::size_t{100 - 15}); // samples 750..899 are missing: 15 buckets
        for (const auto& p : range.points) {
            const auto first = static_cast<std::uint64_t>((p.tNs - kT0) / 1'000'000);
            const std::size_t bi = first < 250 ? 0 : first < 500 ? 1 : first < 750 ? 2 : 3;
            const std::size_t off = first - firsts[bi];
            for (int a = 0; a < 2; ++a) {
                const float* x = blocks[bi].data() + a * 250 + off;
                const auto [mn, mx] = std::minmax_element(x, x + 10);
                QCOMPARE(p.samples, std::uint64_t{10});
                QCOMPARE(p.axes[a].min, double(*mn));
                QCOMPARE(p.axes[a].max, double(*mx));
            }
        }
        // a time window returns only the overlapping blocks (count() is an upper bound for progress)
        QVERIFY(cur.open(db, "r", kT0 + 300'000'000, kT0 + 600'000'000, &err));
        std::vector<std::uint64_t> inWindow;
        while (cur.next(&b))
            inWindow.push_back(b.firstSample);
        QCOMPARE(inWindow, (std::vector<std::uint64_t>{250, 500}));
        QVERIFY(cur.count() >= 2);
        QVERIFY(!cur.open(db, "nope", std::nullopt, std::nullopt, &err));
    }

    void rawRowsGatherBlocksAndStayExact() {
        // 600 contiguous 3-axis blocks of 100 samples at 25.6 kHz (a period of 39062.5 ns: block start times
        // are rounded, so only per-block times reproduce them) go into rows of up to 16384 values; RawCursor
        // gives back every block with its own sequence number, first sample and exact sample times. Then: a
        // re-delivered block from the middle of a row, and a block overlapping stored samples at its head.
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/gather.db").toStdString();
        auto dev = std::make_shared<core::DeviceInfo>(*device("g", 25600, 2));
        dev->axisNames = {"x", "y", "z"};
        std::mt19937 rng(13);
        std::normal_distribution<float> noise(0.f, 0.2f);
        auto makeBlock = [&](std::uint64_t seq, std::uint64_t first, std::uint32_t n) {
            auto b = std::make_shared<core::SampleBlock>();
            b->device = dev;
            b->sequence = seq;
            b->firstSample = first;
            b->count = n;
            b->startTimeNs = kT0 + std::llround(static_cast<double>(first) * 1e9 / dev->sampleRate);
            b->data.resize(3 * std::size_t{n});
            for (std::uint32_t i = 0; i < n; ++i)
                for (int a = 0; a < 3; ++a)
                    b->data[a * std::size_t{n} + i] =
                        static_cast<float>(std::sin(0.01 * static_cast<double>(first + i) * (a + 1))) +
                        noise(rng);
            return b;
        };
        std::vector<core::SampleBlockPtr> sent;
        for (std::uint64_t k = 0; k < 600; ++k)
            sent.push_back(makeBlock(k, k * 100, 100));
        const auto overlapping =
            makeBlock(600, 59950, 100); // 50 stored samples, then 50 new ones (offset 50)
        auto feed = feedOf("g", 1024);
        std::uint64_t pushed = 0;
        {
            auto o = opts(path, true);
            o.commitIntervalMs = 1000; // several rows per transaction
            storage::SqliteWriter w(o);
            std::string err;
            QVERIFY2(w.start(&err), err.c_str());
            w.attach(feed);
            auto push = [&](core::SampleBlockPtr b) {
                auto item = std::make_shared<pipeline::StoreItem>();
                item->raw = std::move(b);
                pushed += item->raw->count;
                while (!feed->ring.tryPush(item))
                    QThread::msleep(1);
            };
            for (const auto& b : sent)
                push(b);
            QTRY_COMPARE(feed->counters->samplesStored.load(), std::uint64_t{60000});
            push(sent[250]); // re-delivered, from the middle of a stored row
            push(overlapping);
            feed->counters->samplesReceived = pushed;
            w.stop();
        }
        const auto c = feed->counters->snapshot();
        QCOMPARE(c.samplesStored, std::uint64_t{60050});
        QCOMPARE(c.dropped(core::DropReason::Duplicate), std::uint64_t{150});
        QCOMPARE(c.samplesReceived, c.samplesStored + c.droppedTotal());

        storage::Database db;
        std::string err;
        QVERIFY2(db.open(path, storage::Database::Mode::ReadOnly, &err), err.c_str());
        sqlite3* h = db.handle();
        QCOMPARE(scalar(h, "SELECT sum(blocks) FROM raw_block"), 601);
        QCOMPARE(scalar(h, "SELECT sum(n) FROM raw_block"), 60050);
        QVERIFY(scalar(h, "SELECT max(n * axes) FROM raw_block") <=
                std::int64_t{storage::RawStore::kRowValues});
        QVERIFY2(scalar(h, "SELECT count(*) FROM raw_block") <= 20, "600 blocks gathered into few rows");
        QCOMPARE(scalar(h, "SELECT count(*) FROM event WHERE kind='gap'"), 0);
        // rows are still keyed by (device, session, first sample): the same key again is refused
        QVERIFY(
            !db.exec("INSERT INTO raw_block(device_id, session_id, seq, first_sample, t_ns, end_ns, n, axes, "
                     "fmt, data) SELECT device_id, session_id, 9, first_sample, t_ns, end_ns, n, axes, fmt, "
                     "data FROM raw_block LIMIT 1",
                     &err));

        storage::RawCursor cur;
        QVERIFY2(cur.open(db, "g", std::nullopt, std::nullopt, &err), err.c_str());
        QCOMPARE(cur.count(), std::uint64_t{601});
        storage::RawBlock b;
        std::size_t i = 0;
        while (cur.next(&b)) {
            const auto& want = i < 600 ? *sent[i] : *overlapping;
            const std::uint32_t skip = i < 600 ? 0 : 50;
            QCOMPARE(b.sequence, static_cast<std::int64_t>(want.sequence));
            QCOMPARE(b.firstSample, want.firstSample + skip);
            QCOMPARE(b.count, want.count - skip);
            for (std::uint32_t k = 0; k < b.count; k += 7)
                QCOMPARE(b.timeOfSampleNs(k, 25600), want.timeOfSampleNs(k + skip));
            QCOMPARE(b.tNs, want.timeOfSampleNs(skip));
            for (int a = 0; a < 3; ++a)
                QVERIFY(std::memcmp(b.data.data() + a * b.count, want.axis(a).data() + skip, b.count * 4) ==
                        0);
            ++i;
        }
        QVERIFY2(cur.error().empty(), cur.error().c_str());
        QCOMPARE(i, std::size_t{601});
    }

    void dspWorkerRawAccountingWithOverflow() {
        // With raw storage on, every processed block goes to the store feed; those that do not fit count as
        // StoreOverflow, rollups that do not fit count nothing (derived data). So received = raw items in
        // the feed + StoreOverflow exactly (drop-newest policy, no back-pressure).
        pipeline::WorkerPool pool(1);
        auto core = std::make_shared<pipeline::ChannelCore>("w", "test://w", pipeline::DspSettings{}, pool,
                                                            nullptr, nullptr);
        auto feed = std::make_shared<pipeline::StoreFeed>("w", "test://w", core->counters(), 8);
        core->setStore(feed, {true, false});
        auto dev = device("w", 1000, 2);
        std::uint64_t received = 0;
        for (std::uint64_t i = 0; i < 40; ++i) {
            auto b = std::make_shared<core::SampleBlock>();
            b->device = dev;
            b->sequence = i;
            b->firstSample = i * 100;
            b->count = 100;
            b->startTimeNs = kT0 + static_cast<std::int64_t>(i) * 100'000'000;
            b->data.assign(200, 0.5f);
            QVERIFY(core->outlet().deliver(b));
            received += 100;
        }
        core->finish(); // drains the input and flushes the last second
        QVERIFY(core->waitFinished(30'000'000'000));
        std::uint64_t rawSamples = 0, rawItems = 0, rollups = 0;
        pipeline::StoreItemPtr item;
        while (feed->ring.tryPop(item)) {
            if (item->raw) {
                rawSamples += item->raw->count;
                ++rawItems;
            }
            rollups += item->rollup ? 1 : 0;
        }
        const auto c = core->counters()->snapshot();
        QCOMPARE(c.samplesReceived, received);
        QVERIFY(rawItems > 0 && rawItems < 40);
        QCOMPARE(rawSamples + c.dropped(core::DropReason::StoreOverflow), received);
        QCOMPARE(c.droppedTotal(), c.dropped(core::DropReason::StoreOverflow));
        QCOMPARE(rawItems + rollups, std::uint64_t{8}); // the feed was full
    }
};

QTEST_GUILESS_MAIN(TstStorageRaw)
#include "tst_storage_raw.moc"
