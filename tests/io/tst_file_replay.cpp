// FileReplaySource: a CSV with a time column replays at the right pace (no row available before its time),
// unpaced replay delivers every row exactly once through a tiny queue, loop continues the indices, bad
// parameters and malformed lines are reported and counted; a 2 GB file of zero bytes and a line without a
// line break fail within the first megabyte with a message; a capture of frames is read with format=auto.
#include "IoTestUtil.h"
#include "SourceHarness.h"
#include "io/FileReplaySource.h"
#include "io/SourceFactory.h"

#include <QTemporaryDir>
#include <QtTest>

using vibra::io::FileReplaySource;
using vibra::test::SourceHarness;

class TstFileReplay : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString write(const QString& name, const QByteArray& content) {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

private slots:
    void timeColumnSetsThePace() {
        // 200 rows at 500 Hz (t in ms): 0.398 s of data; a gap of 50 rows (100 ms) in the middle
        QByteArray csv = "time_ms,ax,ay,az\n";
        int rows = 0;
        for (int i = 0; i < 250; ++i) {
            if (i >= 100 && i < 150)
                continue;
            csv += QByteArray::number(1000 + i * 2) + "," + QByteArray::number(i) + ",0.5,-1\n";
            ++rows;
        }
        const QString path = write("paced.csv", csv);
        QString err;
        auto src = FileReplaySource::create("file://" + path + "?realtime=1", &err);
        QVERIFY2(src, qPrintable(err));
        SourceHarness h(std::move(src));
        const qint64 t0 = h.elapsedNs();
        h.start();
        QVERIFY(h.drainUntil([&] { return h.finished(); }, 5000));
        h.drain();
        QCOMPARE(h.samples(), std::uint64_t(rows));
        // no block arrives before the time of its last row (relative to the first row, 2 ms per row);
        // the start is measured before start() so the check is conservative
        const auto& arr = h.arrivals();
        for (const auto& a : arr) {
            const double lastRel = static_cast<double>(a.block->firstSample + a.block->count - 1) * 0.002;
            QVERIFY2(static_cast<double>(a.atNs - t0) * 1e-9 >= lastRel - 1e-3,
                     qPrintable(QStringLiteral("block ending at %1 s arrived at %2 s")
                                    .arg(lastRel)
                                    .arg(static_cast<double>(a.atNs - t0) * 1e-9)));
        }
        // and the whole replay took about the file's duration (0.498 s), not much more
        const double total = static_cast<double>(arr.back().atNs - t0) * 1e-9;
        QVERIFY2(total >= 0.497 && total < 1.5, qPrintable(QString::number(total)));
        QVERIFY(arr.size() > 5); // delivered progressively, not in one block
        // names from the header, rate from the time column, gap inferred
        QCOMPARE(arr.front().block->device->axisNames, (std::vector<std::string>{"ax", "ay", "az"}));
        QCOMPARE(arr.front().block->device->sampleRate, 500.0);
        const auto c = h.counters();
        QCOMPARE(c.gapsInferred, std::uint64_t{1});
        QCOMPARE(c.samplesMissing, std::uint64_t{50});
        QCOMPARE(c.samplesReceived, std::uint64_t(rows));
        // values exact
        std::vector<float> ax;
        for (const auto& a : arr)
            for (float v : a.block->axis(0))
                ax.push_back(v);
        QCOMPARE(ax[99], 99.0f);
        QCOMPARE(ax[100], 150.0f);
    }

    void unpacedDeliversEverythingThroughASmallRing() {
        QByteArray csv;
        const int n = 100000;
        csv.reserve(n * 20);
        for (int i = 0; i < n; ++i)
            csv += QByteArray::number(i) + ";" + QByteArray::number(-i) + "\r\n";
        csv += "garbage line\r\n1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17\r\n";
        const QString path = write("unpaced.csv", csv);
        QString err;
        auto src =
            FileReplaySource::create("file://" + path + "?realtime=0&rate=16000&scale=0.5&id=dev1", &err);
        QVERIFY2(src, qPrintable(err));
        QCOMPARE(src->deviceId(), QStringLiteral("dev1"));
        SourceHarness h(std::move(src), 4); // 4 blocks of 1024: the source must wait, not drop
        h.start();
        QVERIFY(h.drainUntil([&] { return h.finished(); }, 20000));
        h.drain();
        QCOMPARE(h.samples(), std::uint64_t(n));
        const auto c = h.counters();
        QCOMPARE(c.droppedTotal(), std::uint64_t{0});
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Malformed)],
                 std::uint64_t{2});
        QCOMPARE(c.gapsDetected + c.gapsInferred, std::uint64_t{0});
        QCOMPARE(c.bytes, std::uint64_t(csv.size()));
        std::uint64_t i = 0;
        for (const auto& a : h.arrivals()) {
            QCOMPARE(a.block->firstSample, i);
            QCOMPARE(a.block->sampleRate(), 16000.0);
            for (std::uint32_t k = 0; k < a.block->count; ++k, ++i) {
                QCOMPARE(a.block->axis(0)[k], float(i) * 0.5f);
                QCOMPARE(a.block->axis(1)[k], -float(i) * 0.5f);
            }
        }
        // time stamps follow the sample index, not the (fast) replay
        const auto& last = h.arrivals().back().block;
        QCOMPARE(
            last->startTimeNs - h.arrivals().front().block->startTimeNs,
            static_cast<std::int64_t>(std::llround(static_cast<double>(last->firstSample) * 1e9 / 16000.0)));
    }

    void loopContinuesIndices() {
        const QString path = write("loop.csv", "1,2,3\n4,5,6\n7,8,9\n");
        auto src = FileReplaySource::create("file://" + path + "?realtime=0&rate=100&loop=1", nullptr);
        QVERIFY(src);
        QVERIFY(!src->isFinite());
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.samples() >= 30; }, 5000));
        h.stop();
        const auto c = h.counters();
        QCOMPARE(c.gapsDetected + c.gapsInferred, std::uint64_t{0});
        QCOMPARE(c.droppedTotal(), std::uint64_t{0});
        std::uint64_t next = 0;
        for (const auto& a : h.arrivals()) {
            QCOMPARE(a.block->firstSample, next);
            for (std::uint32_t k = 0; k < a.block->count; ++k)
                QCOMPARE(a.block->axis(0)[k], float(1 + 3 * ((next + k) % 3)));
            next += a.block->count;
        }
    }

    void factoryKnowsTheSchemes() {
        vibra::io::SourceFactory f;
        QString err;
        auto file = f.create("file:///tmp/x.csv?rate=100&id=replay", &err);
        QVERIFY2(file, qPrintable(err));
        QCOMPARE(file->deviceId(), QStringLiteral("replay"));
        QVERIFY2(f.create("serial:///dev/ttyUSB0?format=csv&rate=100", &err), qPrintable(err));
        QVERIFY(!f.create("file:///tmp/x.csv?bogus=1", &err));
        QVERIFY2(err.contains("bogus"), qPrintable(err));
        QVERIFY(vibra::io::SourceFactory::schemes().contains("file"));
        QVERIFY(vibra::io::SourceFactory::schemes().contains("serial"));
    }

    void errorsAreClear() {
        QString err;
        QVERIFY(!FileReplaySource::create("file:///x.csv?rat=5", &err));
        QVERIFY2(err.contains("unknown parameter 'rat'"), qPrintable(err));
        QVERIFY(!FileReplaySource::create("file:///x.csv?realtime=maybe", &err));
        QVERIFY2(err.contains("realtime"), qPrintable(err));
        // no rate and no time column: Failed with a message naming rate=
        const QString path = write("norate.csv", "1,2,3\n4,5,6\n");
        auto src = FileReplaySource::create("file://" + path, &err);
        QVERIFY(src);
        QString message;
        QObject::connect(
            src.get(), &vibra::io::Source::stateChanged, src.get(),
            [&](vibra::io::Source::State s, const QString& m) {
                if (s == vibra::io::Source::State::Failed)
                    message = m;
            },
            Qt::DirectConnection);
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.lastState() == vibra::io::Source::State::Failed; }, 3000));
        QVERIFY2(message.contains("rate="), qPrintable(message));
        auto missing = FileReplaySource::create("file://" + m_dir.filePath("nope.csv") + "?rate=1", &err);
        SourceHarness h2(std::move(missing));
        h2.start();
        QVERIFY(h2.drainUntil([&] { return h2.lastState() == vibra::io::Source::State::Failed; }, 3000));
    }

    void zeroByteFileFailsWithinAMegabyte() {
        // a 2 GB file of zero bytes (sparse: no disk used) must not be read to its end
        const QString path = m_dir.filePath("zeros.bin");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.resize(qint64{2} << 30));
        }
        QString message;
        auto src = FileReplaySource::create("file://" + path + "?realtime=0&rate=1000", nullptr);
        QObject::connect(
            src.get(), &vibra::io::Source::stateChanged, src.get(),
            [&](vibra::io::Source::State st, const QString& m) {
                if (st == vibra::io::Source::State::Failed)
                    message = m;
            },
            Qt::DirectConnection);
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.lastState() == vibra::io::Source::State::Failed; }, 10000));
        QVERIFY(h.drainUntil([&] { return h.finished(); }, 2000)); // a failed finite source is over too
        QVERIFY2(message.contains("zero"), qPrintable(message));
        QVERIFY2(h.counters().bytes <= (std::uint64_t{1} << 20) + 65536,
                 qPrintable(QString::number(h.counters().bytes)));
        QCOMPARE(h.samples(), std::uint64_t{0});
    }

    void aLineWithoutLineBreakIsCountedAndFails() {
        const QString path = write("oneline.csv", QByteArray(3 << 20, '7'));
        auto src = FileReplaySource::create("file://" + path + "?realtime=0&rate=1000", nullptr);
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.lastState() == vibra::io::Source::State::Failed; }, 10000));
        QVERIFY2(h.anyMessageContains("maxline"), qPrintable(h.messages().join('|')));
        QCOMPARE(h.counters().framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Malformed)],
                 std::uint64_t{1}); // one oversized line, counted once
    }

    void autoReadsACaptureOfFrames() {
        // a serial capture (COBS frames) replayed with the default format=auto
        bool ok = false;
        const QByteArray capture =
            vibra::test::runPython("import sys, vibra_send as v\n"
                                   "out = b'\\0' + b''.join(v.cobs_encode(v.encode_frame(1, s, s * 128, "
                                   "v.block_values(s * 128, 128, 3), "
                                   "2000.0)) + b'\\0' for s in range(40))\n"
                                   "sys.stdout.buffer.write(out)\n",
                                   &ok);
        QVERIFY(ok);
        const QString path = write("capture.bin", capture);
        auto src = FileReplaySource::create("file://" + path + "?realtime=0", nullptr);
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.finished(); }, 10000));
        h.drain();
        QCOMPARE(h.samples(), std::uint64_t{40 * 128});
        QVERIFY(h.anyMessageContains("frames detected"));
        for (const auto& a : h.arrivals())
            for (std::uint32_t k = 0; k < a.block->count; ++k)
                QCOMPARE(a.block->axis(1)[k], float(vibra::test::testValue(a.block->firstSample + k, 1)));
        QCOMPARE(h.arrivals().front().block->sampleRate(), 2000.0);
        QCOMPARE(h.counters().droppedTotal(), std::uint64_t{0});
    }
};

QTEST_GUILESS_MAIN(TstFileReplay)
#include "tst_file_replay.moc"
