// ParquetRecordingSink: rotation at exact samples across UTC period boundaries, gap metadata, accounting, a
// real ChannelCore tap with overflow, idle close, name collisions, and write errors (unwritable directory,
// RLIMIT_FSIZE -> EFBIG). Every file is read back by DuckDB and hyparquet (tests/e2e/parquet_dump.mjs, which
// also checks that both readers agree value for value).
#include "exporting/ParquetRecordingSink.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/WorkerPool.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

#include <cmath>
#include <csignal>
#include <random>
#include <thread>

using vibra::exporting::ParquetRecordingSink;
namespace core = vibra::core;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;
// 2023-11-14T22:13:20Z, a whole second; periods below are aligned to UTC multiples of the rotation.
constexpr std::int64_t kEpoch = 1'700'000'000 * kSec;

std::shared_ptr<const core::DeviceInfo> device(const std::string& id, double rate, int axes = 3) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = id;
    d->sourceUri = "test://" + id;
    d->sampleRate = rate;
    const char* names[] = {"x", "y", "z"};
    for (int a = 0; a < axes; ++a)
        d->axisNames.emplace_back(names[a]);
    return d;
}

/// Values: axis a of sample i = i + a * 0.25 (exact in float for i < 2^21), or random when noise is set.
core::SampleBlockPtr block(const std::shared_ptr<const core::DeviceInfo>& dev, std::uint64_t seq,
                           std::uint64_t first, std::uint32_t count, std::int64_t t0,
                           std::mt19937* noise = nullptr) {
    auto b = std::make_shared<core::SampleBlock>();
    b->device = dev;
    b->sequence = seq;
    b->firstSample = first;
    b->count = count;
    b->startTimeNs = t0 + std::llround(static_cast<double>(first) * 1e9 / dev->sampleRate);
    b->data.resize(static_cast<std::size_t>(dev->axisCount()) * count);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int a = 0; a < dev->axisCount(); ++a)
        for (std::uint32_t i = 0; i < count; ++i)
            b->axis(a)[i] = noise ? u(*noise) : static_cast<float>(first + i) + 0.25f * static_cast<float>(a);
    return b;
}

/// A tap feed for device `name`, added to the sink (as the recorder does for each device).
vibra::pipeline::TapFeedPtr addTap(ParquetRecordingSink& sink, const std::string& name) {
    auto feed = std::make_shared<vibra::pipeline::TapFeed>(name, "test://" + name, sink.options().tapBlocks);
    sink.addFeed(feed);
    return feed;
}

/// Acts as the DSP processor: pushes into the tap and counts.
void offer(const vibra::pipeline::TapFeedPtr& tap, core::SampleBlockPtr b) {
    tap->counters.offeredSamples.fetch_add(b->count);
    while (!tap->ring.tryPush(b))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

struct Dump {
    bool ok = false;
    QString errors;
    QJsonArray files;
};

/// Both oracles over every file under dir.
Dump readAll(const QString& dir) {
    Dump d;
    const QString src = qEnvironmentVariable("VIBRA_SOURCE_DIR");
    const QString out = dir + "/../dump-" + QFileInfo(dir).fileName() + ".json";
    QProcess node;
    node.start(QStringLiteral("node"), {src + "/tests/e2e/parquet_dump.mjs", dir, out});
    if (!node.waitForFinished(120000)) {
        d.errors = QStringLiteral("node did not finish: ") + node.errorString();
        return d;
    }
    QFile f(out);
    if (!f.open(QIODevice::ReadOnly)) {
        d.errors = QString::fromUtf8(node.readAllStandardError());
        return d;
    }
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    d.files = o.value("files").toArray();
    for (const auto& e : o.value("errors").toArray())
        d.errors += e.toString() + "\n";
    d.ok = node.exitCode() == 0 && d.errors.isEmpty();
    return d;
}

QStringList filesUnder(const QString& dir, const QString& pattern) {
    QStringList out;
    QDirIterator it(dir, {pattern}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << QDir(dir).relativeFilePath(it.next());
    out.sort();
    return out;
}

} // namespace

class TstParquetRecordingSink : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (!QFile::exists(qEnvironmentVariable("VIBRA_SOURCE_DIR") +
                           "/tests/tools/node_modules/@duckdb/node-api"))
            QFAIL("tests/tools/node_modules is missing: run npm ci --prefix tests/tools (or make test-deps)");
    }

    void namesAreUtcPeriodStarts() {
        QCOMPARE(ParquetRecordingSink::baseName("a", kEpoch), std::string("a_20231114T221320Z"));
        QCOMPARE(ParquetRecordingSink::baseName("dev/1", kEpoch + 600 * kSec),
                 std::string("dev_1_20231114T222320Z"));
        QCOMPARE(ParquetRecordingSink::safeName(".."), std::string("_.."));
    }

    // Blocks straddling 1 s boundaries at 1 kHz and at a non-integer rate; a gap inside a period and one that
    // spans a boundary. Every sample lands in the file of its own period, exactly once.
    void rotationSplitsAtExactSamplesAndRecordsGaps() {
        QTemporaryDir tmp;
        ParquetRecordingSink::Options o;
        o.dir = (tmp.path() + "/out").toStdString();
        o.rotateNs = kSec;
        o.writer.sync = false;
        ParquetRecordingSink sink(o);
        const auto tapA = addTap(sink, "a");
        const auto tapB = addTap(sink, "b");
        std::string error;
        QVERIFY2(sink.start(&error), error.c_str());

        const auto devA = device("a", 1000.0);
        const std::int64_t t0 = kEpoch + 300'000'000; // 0.3 s into a period
        std::uint64_t seq = 0, sample = 0, receivedA = 0;
        // 0..999 | gap 1000..1099 (inside period 2) | 1100..2599 | gap 2600..2799 (crosses into period 3 at
        // sample 2700) | 2800..3499
        while (sample < 3500) {
            if (sample == 1000)
                sample = 1100;
            if (sample == 2600)
                sample = 2800;
            const std::uint32_t n =
                std::min<std::uint32_t>({700, static_cast<std::uint32_t>(3500 - sample),
                                         sample < 1000   ? static_cast<std::uint32_t>(1000 - sample)
                                         : sample < 2600 ? static_cast<std::uint32_t>(2600 - sample)
                                                         : 700u});
            offer(tapA, block(devA, seq++, sample, n, t0));
            receivedA += n;
            sample += n;
        }
        const auto devB = device("b", 48000.0 / 7.0, 1); // 145833.33 ns per sample
        std::uint64_t receivedB = 0;
        for (std::uint64_t s = 0, q = 0; s < 20000; s += 999, ++q) {
            const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(999, 20000 - s));
            offer(tapB, block(devB, q, s, n, t0));
            receivedB += n;
        }
        sink.stop();
        QVERIFY(!sink.failed());
        const auto acc = sink.accounting();
        QCOMPARE(acc.size(), std::size_t{2});
        QCOMPARE(acc[0].received, receivedA);
        QCOMPARE(acc[0].written, receivedA);
        QCOMPARE(acc[1].written, receivedB);
        QVERIFY(acc[0].balanced() && acc[1].balanced());
        QCOMPARE(acc[0].files, std::uint64_t{4}); // t from 0.3 s to 3.8 s: periods 0, 1, 2, 3
        QVERIFY(filesUnder(tmp.path(), "*.partial").isEmpty());

        const Dump dump = readAll(tmp.path() + "/out");
        QVERIFY2(dump.ok, qPrintable(dump.errors));
        std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>>
            rows; // device -> (t, index)
        for (const auto& fv : dump.files) {
            const QJsonObject f = fv.toObject();
            const QString name = f.value("file").toString();
            const QJsonObject kv = f.value("kv").toObject();
            const QJsonObject cols = f.value("columns").toObject();
            const std::string dev = kv.value("vibrascope.device").toString().toStdString();
            const double rate = dev == "a" ? 1000.0 : 48000.0 / 7.0;
            // the period from the file name = floor(t / 1 s) of every row
            const QString stamp = name.section('_', -1).section('.', 0, 0);
            const std::int64_t period =
                QDateTime::fromString(stamp, "yyyyMMdd'T'HHmmss'Z'").toSecsSinceEpoch() * kSec;
            const auto t = cols.value("t").toArray();
            const auto idx = cols.value("sample_index").toArray();
            QVERIFY(!t.isEmpty());
            for (int r = 0; r < t.size(); ++r) {
                const std::int64_t tn = t[r].toString().toLongLong();
                const std::int64_t i = idx[r].toString().toLongLong();
                QVERIFY2(tn >= period && tn < period + kSec, qPrintable(name));
                // t = startTimeNs + trunc((i - first) * 1e9 / rate) with startTimeNs as the producer made it:
                // recompute from the sample index the way SampleBlock::timeOfSampleNs does (to within 1 ns
                // for the rounding of the block start).
                const double exact = static_cast<double>(t0) + static_cast<double>(i) * 1e9 / rate;
                QVERIFY2(std::abs(static_cast<double>(tn) - exact) <= 2.0, qPrintable(name));
                const auto x = cols.value("x").toArray()[r].toDouble();
                QCOMPARE(x, static_cast<double>(static_cast<float>(i)));
                if (dev == "a")
                    QCOMPARE(cols.value("z").toArray()[r].toDouble(),
                             static_cast<double>(static_cast<float>(i) + 0.5f));
                rows[dev].emplace_back(tn, i);
            }
            QCOMPARE(kv.value("vibrascope.first_sample_index").toString().toLongLong(),
                     idx.first().toString().toLongLong());
            QCOMPARE(kv.value("vibrascope.last_sample_index").toString().toLongLong(),
                     idx.last().toString().toLongLong());
            QCOMPARE(kv.value("vibrascope.rows").toString().toLongLong(), static_cast<qint64>(t.size()));
            // gaps: period 1 (t 1.0..2.0 s = samples 700..1699) holds 1000:100; the gap 2600..2799 straddles
            // the boundary at sample 2700, so it shows up in period 3's file (before its first row)
            QString wantGaps;
            if (dev == "a" && period == kEpoch + kSec)
                wantGaps = "1000:100";
            if (dev == "a" && period == kEpoch + 3 * kSec)
                wantGaps = "2600:200";
            QCOMPARE(kv.value("vibrascope.gaps").toString(), wantGaps);
            QCOMPARE(kv.value("vibrascope.samples_missing").toString(),
                     wantGaps.isEmpty() ? QString("0") : wantGaps.section(':', 1));
            QCOMPARE(kv.value("vibrascope.sample_rate_hz").toString().toDouble(), rate);
            QVERIFY(kv.contains("vibrascope.sink_counters") &&
                    kv.contains("vibrascope.first_block_sequence"));
        }
        for (auto& [dev, v] : rows) {
            std::sort(v.begin(), v.end());
            QCOMPARE(v.size(), static_cast<std::size_t>(dev == "a" ? receivedA : receivedB));
            for (std::size_t k = 1; k < v.size(); ++k) {
                QVERIFY(v[k].first > v[k - 1].first);
                QVERIFY(v[k].second > v[k - 1].second); // no sample twice, order kept across files
            }
        }
    }

    // Through a real ChannelCore: the tap gets the processor's blocks (same pointers, no copy); a 2-block tap
    // that nobody drains overflows and the drops are counted in the tap's counters, and appear as a gap in
    // the file.
    void dspWorkerTapOverflowIsCounted() {
        QTemporaryDir tmp;
        ParquetRecordingSink::Options o;
        o.dir = tmp.path().toStdString();
        o.rotateNs = 60 * kSec;
        o.tapBlocks = 2;
        o.writer.sync = false;
        ParquetRecordingSink sink(o);
        const auto tap = addTap(sink, "w");
        vibra::pipeline::WorkerPool pool(1);
        auto chan = std::make_shared<vibra::pipeline::ChannelCore>(
            "w", "test://w", vibra::pipeline::DspSettings{}, pool, nullptr, nullptr);
        chan->addTap(tap);
        const auto& counters = *chan->counters();
        const auto dev = device("w", 1000.0);
        std::vector<core::SampleBlockPtr> sent;
        for (std::uint64_t k = 0; k < 10; ++k) {
            sent.push_back(block(dev, k, k * 100, 100, kEpoch));
            QVERIFY(chan->outlet().deliver(std::const_pointer_cast<core::SampleBlock>(sent.back())));
        }
        // the pool processes the input: the first 2 blocks fit the tap, 8 are dropped
        QTRY_COMPARE_WITH_TIMEOUT(counters.samplesProcessed.load(), std::uint64_t{1000}, 10000);
        QCOMPARE(tap->counters.offeredSamples.load(), std::uint64_t{1000});
        QCOMPARE(tap->counters.droppedSamples.load(), std::uint64_t{800});
        QCOMPARE(tap->counters.droppedBlocks.load(), std::uint64_t{8});
        QCOMPARE(counters.snapshot().droppedTotal(), std::uint64_t{0}); // not the SQLite path's counters
        // zero-copy: the tap holds the very blocks the producer made (ours + the tap's reference)
        QCOMPARE(sent[0].use_count(), 2L);
        QCOMPARE(sent[1].use_count(), 2L);
        QCOMPARE(sent[2].use_count(), 1L);

        std::string error;
        QVERIFY2(sink.start(&error), error.c_str());
        // one more block after the gap, offered by hand once the sink drains
        offer(tap, block(dev, 10, 1000, 100, kEpoch));
        sink.stop();
        const auto a = sink.accounting().front();
        QCOMPARE(a.received, std::uint64_t{1100});
        QCOMPARE(a.written, std::uint64_t{300});
        QCOMPARE(a.droppedTapOverflow, std::uint64_t{800});
        QVERIFY(a.balanced());
        const Dump dump = readAll(tmp.path());
        QVERIFY2(dump.ok, qPrintable(dump.errors));
        QCOMPARE(dump.files.size(), 1);
        const QJsonObject kv = dump.files[0].toObject().value("kv").toObject();
        QCOMPARE(kv.value("vibrascope.gaps").toString(), QString("200:800"));
        QCOMPARE(kv.value("vibrascope.first_block_sequence").toString(), QString("0"));
        QCOMPARE(kv.value("vibrascope.last_block_sequence").toString(), QString("10"));
        const QJsonObject c =
            QJsonDocument::fromJson(kv.value("vibrascope.sink_counters").toString().toUtf8()).object();
        QCOMPARE(c.value("received").toInt(), 1100);
        QCOMPARE(c.value("written").toInt(), 300);
        QCOMPARE(c.value("dropped").toObject().value("tap_overflow").toInt(), 800);
    }

    // A device that goes quiet: its ended period's file is closed while the sink runs; late data for the same
    // period goes to a new file (suffix _2), and an existing file of that name is never overwritten.
    void idleCloseAndNameCollision() {
        QTemporaryDir tmp;
        ParquetRecordingSink::Options o;
        o.dir = tmp.path().toStdString();
        o.rotateNs = 10 * kSec;
        o.idleCloseNs = 100'000'000;
        o.writer.sync = false;
        ParquetRecordingSink sink(o);
        const auto tap = addTap(sink, "q");
        QDir().mkpath(tmp.path() + "/q");
        QFile old(tmp.path() + "/q/q_20231114T221320Z.parquet");
        QVERIFY(old.open(QIODevice::WriteOnly) && old.write("not ours") == 8);
        old.close();
        std::string error;
        QVERIFY2(sink.start(&error), error.c_str());
        const auto dev = device("q", 100.0);
        offer(tap, block(dev, 0, 0, 50, kEpoch)); // a period long over by the wall clock
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(tmp.path() + "/q/q_20231114T221320Z_2.parquet"), 5000);
        QVERIFY(sink.isRunning());
        offer(tap, block(dev, 1, 50, 50, kEpoch)); // late data of the same period
        sink.stop();
        QCOMPARE(filesUnder(tmp.path(), "*.parquet"),
                 QStringList({"q/q_20231114T221320Z.parquet", "q/q_20231114T221320Z_2.parquet",
                              "q/q_20231114T221320Z_3.parquet"}));
        QVERIFY(old.open(QIODevice::ReadOnly));
        QCOMPARE(old.readAll(), QByteArray("not ours"));
        old.remove();
        const auto a = sink.accounting().front();
        QCOMPARE(a.files, std::uint64_t{2});
        QCOMPARE(a.written, std::uint64_t{100});
        const Dump dump = readAll(tmp.path());
        QVERIFY2(dump.ok, qPrintable(dump.errors));
        QCOMPARE(dump.files.size(), 2);
    }

    // Devices arrive while the sink runs (as with record --listen) and go again: a closed feed is drained,
    // its file closed and renamed at once (the sink keeps running), and its accounting stays in the report;
    // the same device added back (a new feed, a new stream from sample 0) continues in its folder and adds
    // up. Two names that map to one folder name get distinct folders.
    void feedsAddedAndClosedWhileRunning() {
        QTemporaryDir tmp;
        ParquetRecordingSink::Options o;
        o.dir = tmp.path().toStdString();
        o.rotateNs = 3600 * kSec; // no rotation in this test: files close because their feed closes
        o.writer.sync = false;
        ParquetRecordingSink sink(o);
        const auto early = addTap(sink, "early");
        std::string error;
        QVERIFY2(sink.start(&error), error.c_str());
        offer(early, block(device("early", 100.0), 0, 0, 100, kEpoch));

        auto late = addTap(sink, "late dev"); // after start
        const auto lateDev = device("late dev", 200.0);
        offer(late, block(lateDev, 0, 0, 150, kEpoch));
        offer(late, block(lateDev, 1, 150, 50, kEpoch));
        const auto twin = addTap(sink, "late_dev"); // same folder name as "late dev"
        offer(twin, block(device("late_dev", 100.0), 0, 0, 10, kEpoch));
        late->close();                                         // the producer's last push happened
        QTRY_VERIFY_WITH_TIMEOUT(late.use_count() == 1, 5000); // drained and released
        QCOMPARE(filesUnder(tmp.path() + "/late_dev", "*"),
                 QStringList({"late_dev_20231114T220000Z.parquet"}));
        QVERIFY(sink.isRunning());
        late.reset();
        auto back = addTap(sink, "late dev"); // the device comes back: a new stream
        offer(back, block(lateDev, 0, 0, 30, kEpoch + 5 * kSec));
        sink.stop(); // back and early are still open: drained and closed here

        const auto acc = sink.accounting();
        QCOMPARE(acc.size(), std::size_t{3});
        QCOMPARE(acc[0].name, std::string("early"));
        QCOMPARE(acc[1].name, std::string("late dev"));
        QCOMPARE(acc[1].received, std::uint64_t{230});
        QCOMPARE(acc[1].written, std::uint64_t{230});
        QCOMPARE(acc[1].files, std::uint64_t{2});
        QCOMPARE(acc[2].name, std::string("late_dev"));
        QCOMPARE(acc[2].written, std::uint64_t{10});
        for (const auto& a : acc)
            QVERIFY(a.balanced());
        QCOMPARE(
            filesUnder(tmp.path(), "*.parquet"),
            QStringList({"early/early_20231114T220000Z.parquet", "late_dev/late_dev_20231114T220000Z.parquet",
                         "late_dev/late_dev_20231114T220000Z_2.parquet",
                         "late_dev_2/late_dev_20231114T220000Z.parquet"}));
        const Dump dump = readAll(tmp.path());
        QVERIFY2(dump.ok, qPrintable(dump.errors));
        QCOMPARE(dump.files.size(), 4);
        QJsonArray idx; // rows of "late dev": 0..199, then the new stream 0..29
        for (const auto& f : dump.files) {
            const QJsonObject fo = f.toObject();
            if (fo.value("kv").toObject().value("vibrascope.device").toString() == "late dev")
                for (const auto& v : fo.value("columns").toObject().value("sample_index").toArray())
                    idx.append(v);
        }
        QCOMPARE(idx.size(), 230);
        QCOMPARE(idx[199].toString(), QString("199"));
        QCOMPARE(idx[200].toString(), QString("0"));
        QCOMPARE(idx[229].toString(), QString("29"));
    }

    // A changed device description (here: the rate) within one period starts a new file (suffix _2) with the
    // new schema and rate; both are complete.
    void deviceChangeStartsANewFile() {
        QTemporaryDir tmp;
        ParquetRecordingSink::Options o;
        o.dir = tmp.path().toStdString();
        o.rotateNs = 60 * kSec;
        o.writer.sync = false;
        ParquetRecordingSink sink(o);
        const auto tap = addTap(sink, "c");
        std::string error;
        QVERIFY2(sink.start(&error), error.c_str());
        offer(tap, block(device("c", 100.0), 0, 0, 100, kEpoch));
        offer(tap, block(device("c", 200.0, 2), 0, 0, 100, kEpoch + 10 * kSec));
        sink.stop();
        QCOMPARE(filesUnder(tmp.path(), "*.parquet"),
                 QStringList({"c/c_20231114T221300Z.parquet", "c/c_20231114T221300Z_2.parquet"}));
        const Dump dump = readAll(tmp.path());
        QVERIFY2(dump.ok, qPrintable(dump.errors));
        QCOMPARE(dump.files.size(), 2);
        QCOMPARE(
            dump.files[1].toObject().value("kv").toObject().value("vibrascope.sample_rate_hz").toString(),
            QString("200"));
        QCOMPARE(dump.files[1].toObject().value("schema").toArray().size(), 4); // t, sample_index, x, y
        QCOMPARE(sink.accounting().front().written, std::uint64_t{200});
    }

    void unwritableDirectoryIsRefusedAtStart() {
        QTemporaryDir tmp;
        QFile f(tmp.path() + "/file");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        ParquetRecordingSink::Options o;
        o.dir = (tmp.path() + "/file/sub").toStdString();
        ParquetRecordingSink sink(o);
        addTap(sink, "a");
        std::string error;
        QVERIFY(!sink.start(&error));
        QVERIFY2(error.find("cannot create the directory") != std::string::npos, error.c_str());
        QVERIFY(!sink.isRunning());
        o.dir = tmp.path().toStdString();
        o.rotateNs = kSec / 2;
        ParquetRecordingSink shortRotate(o);
        QVERIFY(!shortRotate.start(&error));
    }

    // RLIMIT_FSIZE makes the second period's file fail with EFBIG mid-write: its partial is removed, its
    // samples (and the rest of that period) count as write_error, the sink keeps going and the third period
    // gets a complete file again.
    void writeErrorKeepsDrainingAndBalances() {
        QTemporaryDir tmp;
        ParquetRecordingSink::Options o;
        o.dir = tmp.path().toStdString();
        o.rotateNs = kSec;
        o.rowGroupSeconds = 0.01; // row groups of 1024 rows reach the disk while the period is written
        o.writer.sync = false;
        ParquetRecordingSink sink(o);
        const auto tap = addTap(sink, "e");
        std::string error;
        QVERIFY2(sink.start(&error), error.c_str());

        rlimit saved{};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &saved) == 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN); // write() then fails with EFBIG
        rlimit lim = saved;
        lim.rlim_cur = 96 * 1024;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &lim) == 0);

        std::mt19937 rng(7);
        const auto dev = device("e", 16000.0);
        offer(tap, block(dev, 0, 0, 1000, kEpoch + kSec - 1000 * 62500, &rng)); // period 0: 1000 rows, fits
        for (std::uint64_t k = 0; k < 16; ++k) // period 1: 16000 random rows = 192 KB of floats, too big
            offer(tap, block(dev, 1 + k, 1000 + k * 1000, 1000, kEpoch + kSec - 1000 * 62500, &rng));
        offer(tap, block(dev, 17, 17000, 1000, kEpoch + kSec - 1000 * 62500, &rng)); // period 2: fits
        sink.stop();
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, oldHandler);

        QVERIFY(sink.failed());
        const auto errors = sink.takeErrors();
        QVERIFY(!errors.empty());
        QVERIFY2(errors.front().find("File too large") != std::string::npos, errors.front().c_str());
        QVERIFY2(errors.front().find("write_error") != std::string::npos, errors.front().c_str());
        const auto a = sink.accounting().front();
        QCOMPARE(a.received, std::uint64_t{18000});
        QCOMPARE(a.written, std::uint64_t{2000});
        QCOMPARE(a.droppedWriteError, std::uint64_t{16000});
        QVERIFY(a.balanced());
        QVERIFY(filesUnder(tmp.path(), "*.partial").isEmpty());
        QCOMPARE(filesUnder(tmp.path(), "*.parquet"),
                 QStringList({"e/e_20231114T221320Z.parquet", "e/e_20231114T221322Z.parquet"}));
        const Dump dump = readAll(tmp.path());
        QVERIFY2(dump.ok, qPrintable(dump.errors));
        // the file after the failed period records the hole
        const QJsonObject kv = dump.files[1].toObject().value("kv").toObject();
        QCOMPARE(kv.value("vibrascope.gaps").toString(), QString("1000:16000"));
    }
};

QTEST_GUILESS_MAIN(TstParquetRecordingSink)
#include "tst_parquet_recording_sink.moc"
