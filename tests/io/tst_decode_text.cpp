// Unit tests for the text path of vibra::decode: CsvLineParser / CsvLayout (line endings, separators,
// headers, index and time columns, ISO-8601 and epoch times, the layouts of `vibrascope export`, cols=
// exactly, exact malformed counts, oversized lines, binary bytes, splits at every byte), parseIsoTime
// against Python's datetime, and BlockAssembler (indices, inferred gaps, restarts, duplicates).
#include "IoTestUtil.h"
#include "decode/BlockAssembler.h"
#include "decode/CsvLineParser.h"
#include "decode/IsoTime.h"

#include <QtTest>

#include <random>

using namespace vibra::decode;

namespace {
std::vector<CsvRow> parseAll(CsvLineParser& p, std::string_view text) {
    std::vector<CsvRow> rows;
    p.feed(std::span<const char>(text.data(), text.size()), [&](const CsvRow& r) { rows.push_back(r); });
    p.finish([&](const CsvRow& r) { rows.push_back(r); });
    return rows;
}

CsvConfig config(std::vector<int> cols = {}) {
    CsvConfig c;
    c.axisColumns = std::move(cols);
    return c;
}

std::vector<vibra::core::MutableBlockPtr> takeAll(BlockAssembler& as) {
    std::vector<vibra::core::MutableBlockPtr> out;
    as.take(out);
    return out;
}

BlockAssembler::Row row(double t, float v, std::int64_t index = -1) {
    BlockAssembler::Row r;
    r.time = t;
    r.index = index;
    r.values = {v, 0, 0};
    return r;
}
} // namespace

class TstDecodeText : public QObject {
    Q_OBJECT
private slots:
    void lineEndingsAndSeparators_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("lf comma") << "1,2,3\n4,5,6\n";
        QTest::newRow("crlf comma") << "1,2,3\r\n4,5,6\r\n";
        QTest::newRow("stray cr") << "1,2,3\r4,5,6\r";
        QTest::newRow("semicolon") << "1;2;3\n4;5;6\n";
        QTest::newRow("tab") << "1\t2\t3\n4\t5\t6\n";
        QTest::newRow("spaces") << "  1  2 3\n4 5   6  \n";
        QTest::newRow("comma+spaces") << "1, 2, 3\n 4 ,5 , 6\n";
        QTest::newRow("no final newline") << "1,2,3\n4,5,6";
        QTest::newRow("plus and float") << "+1.0,2e0,3.000\n4,0.5e1,6\n";
        QTest::newRow("labels") << "ax:1,ay:2,az:3\nax:4,ay:5,az:6\n";
        QTest::newRow("plx-daq") << "CLEARDATA\nDATA,1,2,3\nDATA,4,5,6\n";
    }
    void lineEndingsAndSeparators() {
        QFETCH(QString, text);
        const std::string s = text.toStdString();
        // split at every byte boundary
        for (std::size_t cut = 0; cut <= s.size(); ++cut) {
            CsvLineParser p(CsvConfig{});
            std::vector<CsvRow> rows;
            const auto on = [&](const CsvRow& r) { rows.push_back(r); };
            p.feed(std::span<const char>(s.data(), cut), on);
            p.feed(std::span<const char>(s.data() + cut, s.size() - cut), on);
            p.finish(on);
            QCOMPARE(rows.size(), std::size_t{2});
            QCOMPARE(p.axisCount(), 3);
            for (int a = 0; a < 3; ++a) {
                QCOMPARE(rows[0].values[static_cast<std::size_t>(a)], float(1 + a));
                QCOMPARE(rows[1].values[static_cast<std::size_t>(a)], float(4 + a));
            }
            QVERIFY(std::isnan(rows[0].time));
            QCOMPARE(rows[0].index, std::int64_t{-1});
            QCOMPARE(p.stats().malformed, std::uint64_t{0});
        }
    }

    void headerNamesUnitAndTimeColumn() {
        CsvLineParser p(CsvConfig{});
        const auto rows = parseAll(p, "MPU6050 ready\nt_us,ax_g,ay_g,az_g\n1000,0.5,-0.5,1\n1500,0.25,0,1\n");
        QCOMPARE(rows.size(), std::size_t{2});
        QVERIFY(p.hasTime());
        QVERIFY(!p.layout().timeAbsolute);
        QCOMPARE(p.axisNames(), (std::vector<std::string>{"ax", "ay", "az"})); // the _g suffix is the unit
        QCOMPARE(p.layout().unit.value(), vibra::core::Unit::G);
        QCOMPARE(p.timeOriginNs(), std::int64_t{1'000'000}); // 1000 us
        QCOMPARE(rows[0].time, 0.0);
        QCOMPARE(rows[1].time, 500e-6);
        QCOMPARE(rows[1].values[0], 0.25f);
        QCOMPARE(p.stats().headers, std::uint64_t{2});
    }

    void fourColumnsMeanTimePlusXyzAndColsAreExact() {
        CsvLineParser p(CsvConfig{});
        auto rows = parseAll(p, "10,1,2,3\n20,4,5,6\n");
        QVERIFY(p.hasTime());
        QCOMPARE(rows[1].time, 0.010); // ms by default, relative to the first row
        QCOMPARE(rows[1].values[2], 6.0f);

        CsvConfig c = config({3, 1});
        c.timeColumn = CsvConfig::kNone;
        c.scale = 0.5;
        CsvLineParser q(c);
        rows = parseAll(q, "10,1,2,3\n20,4,5,6\n");
        QVERIFY(!q.hasTime());
        QCOMPARE(q.axisCount(), 2); // exactly the two columns asked for, in that order
        QCOMPARE(rows[1].values[0], 3.0f);
        QCOMPARE(rows[1].values[1], 2.0f);

        CsvLineParser r(config({7}));
        rows = parseAll(r, "1,2,3\n");
        QCOMPARE(rows.size(), std::size_t{0});
        QVERIFY2(r.configError().find("column 7") != std::string::npos, r.configError().c_str());
    }

    void indexColumnIsNotAnAxis() {
        CsvLineParser p(CsvConfig{});
        auto rows = parseAll(p, "i,x,y,z\n0,0.1,0.2,0.3\n1,0.4,0.5,0.6\n5,1,2,3\n");
        QCOMPARE(p.axisCount(), 3);
        QCOMPARE(p.axisNames(), (std::vector<std::string>{"x", "y", "z"}));
        QVERIFY(p.hasIndex());
        QVERIFY(!p.hasTime()); // four columns with a header: no implicit time column
        QCOMPARE(rows[2].index, std::int64_t{5});
        QCOMPARE(rows[0].values[2], 0.3f);

        // cols= is honoured exactly: two axes named from the header, no repeated axis
        CsvLineParser q(config({1, 2}));
        rows = parseAll(q, "i,x,y\n0,1,2\n1,3,4\n");
        QCOMPARE(q.axisCount(), 2);
        QCOMPARE(q.axisNames(), (std::vector<std::string>{"x", "y"}));
        QCOMPARE(rows[1].values[1], 4.0f);

        for (const char* name : {"n", "index", "sample", "sample_index", "idx"}) {
            CsvLineParser r(CsvConfig{});
            parseAll(r, std::string(name) + ",a,b\n7,1,2\n8,3,4\n");
            QVERIFY2(r.hasIndex() && r.axisCount() == 2, name);
        }
    }

    void isoAndEpochTimeColumns() {
        CsvLineParser iso(CsvConfig{});
        auto rows = parseAll(iso, "2024-05-01T12:00:00.000250Z,1,2\n2024-05-01T12:00:00.000750Z,3,4\n");
        QVERIFY(iso.hasTime());
        QVERIFY(iso.layout().timeAbsolute);
        QCOMPARE(iso.axisCount(), 2);
        QCOMPARE(iso.timeOriginNs(), std::int64_t{1714564800} * 1'000'000'000); // whole second
        QCOMPARE(rows[0].time, 250e-6);
        QCOMPARE(rows[1].time, 750e-6);

        // epoch milliseconds recognised by their magnitude; ns by the name (time_ns), exact as integers
        CsvLineParser ms(CsvConfig{});
        rows = parseAll(ms, "timestamp,x\n1714564800002,1\n1714564800004,2\n");
        QVERIFY(ms.layout().timeAbsolute);
        QCOMPARE(ms.layout().timeUnitSeconds, 1e-3);
        QCOMPARE(rows[1].time, 0.004);
        CsvLineParser ns(CsvConfig{});
        rows = parseAll(ns, "time_ns,device,x\n1714564800000000123,a,1\n1714564800000062623,a,2\n");
        QVERIFY(ns.layout().timeAbsolute);
        QCOMPARE(ns.timeOriginNs(), std::int64_t{1714564800} * 1'000'000'000);
        QCOMPARE(std::llround(rows[1].time * 1e9), 62623LL);

        // a relative float time column is seconds
        CsvLineParser rel(CsvConfig{});
        rows = parseAll(rel, "time,x\n0.000,1\n0.002,2\n");
        QVERIFY(!rel.layout().timeAbsolute);
        QCOMPARE(rel.layout().timeUnitSeconds, 1.0);
        QCOMPARE(rows[1].time, 0.002);
    }

    void exportLayoutsAndDevices() {
        // `vibrascope export --level raw`: ISO time, device and index columns, axes with a unit suffix
        CsvLineParser raw(CsvConfig{});
        auto rows = parseAll(raw, "time_utc,device,sample_index,x_mps2,y_mps2\n"
                                  "2026-01-02T03:04:05.000000Z,a,10,1,2\n"
                                  "2026-01-02T03:04:05.000000Z,b,0,9,9\n"
                                  "2026-01-02T03:04:05.000500Z,a,11,3,4\n"
                                  "time_utc,device,sample_index,x_mps2,y_mps2\n"
                                  "2026-01-02T03:04:05.001000Z,a,12,5,6\n");
        QCOMPARE(rows.size(), std::size_t{3});
        QCOMPARE(raw.axisNames(), (std::vector<std::string>{"x", "y"}));
        QCOMPARE(raw.layout().unit.value(), vibra::core::Unit::MetersPerSecond2);
        QCOMPARE(raw.device(), std::string("a"));
        QCOMPARE(raw.stats().otherDevice, std::uint64_t{1});
        QCOMPARE(raw.stats().headers, std::uint64_t{2}); // the header, and its repeat
        QCOMPARE(raw.stats().malformed, std::uint64_t{0});
        QCOMPARE(rows[2].index, std::int64_t{12});
        QCOMPARE(rows[2].time, 0.001);
        // device= chooses
        CsvConfig cb;
        cb.device = "b";
        CsvLineParser onlyB(cb);
        rows = parseAll(onlyB, "time_utc,device,sample_index,x_g\n2026-01-02T03:04:05Z,a,1,1\n"
                               "2026-01-02T03:04:05Z,b,1,7\n");
        QCOMPARE(rows.size(), std::size_t{1});
        QCOMPARE(rows[0].values[0], 7.0f);

        // rollup levels (1s, 1m, 1h): the RMS columns, named by axis
        CsvLineParser roll(CsvConfig{});
        rows = parseAll(roll, "time_utc,device,samples,x_min_g,x_max_g,x_mean_g,x_rms_g,x_peak_g,"
                              "y_min_g,y_max_g,y_mean_g,y_rms_g,y_peak_g,x_kurtosis,y_kurtosis,gaps\n"
                              "2026-01-02T03:04:05.000000Z,pump,16000,-1,1,0,0.5,1,-2,2,0,0.25,2,3,3,0\n"
                              "2026-01-02T03:04:06.000000Z,pump,16000,-1,1,0,0.75,1,-2,2,0,0.125,2,3,3,0\n");
        QCOMPARE(rows.size(), std::size_t{2});
        QCOMPARE(roll.axisNames(), (std::vector<std::string>{"x", "y"}));
        QCOMPARE(roll.layout().unit.value(), vibra::core::Unit::G);
        QCOMPARE(rows[1].values[0], 0.75f);
        QCOMPARE(rows[1].values[1], 0.125f);
        QCOMPARE(rows[1].time, 1.0);
        QVERIFY(!roll.hasIndex()); // "samples" is a count, not an index
    }

    void malformedLinesAreCountedExactlyOnce() {
        // A known number of bad lines of every kind between good ones, in chunks of every size: the count
        // is exact (every malformed line once), whatever the chunking.
        std::mt19937 rng(3);
        const char* bad[] = {"abc,1,2\n",
                             "1,2\n",
                             "1,2,3,4\n",
                             "1,,3\n",
                             "1,x,3\n",
                             "nan,1,2\n",
                             "1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20\n",
                             "\x01\x02,1,2\n"};
        std::string text = "x,y,z\n";
        std::uint64_t expectBad = 0, expectGood = 0;
        for (int i = 0; i < 5000; ++i) {
            if (rng() % 5 == 0) {
                text += bad[rng() % std::size(bad)];
                ++expectBad;
            }
            text += std::to_string(i) + "," + std::to_string(-i) + ",1\n";
            ++expectGood;
        }
        for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, text.size()}) {
            CsvLineParser p(CsvConfig{});
            std::uint64_t rows = 0;
            for (std::size_t i = 0; i < text.size(); i += chunk)
                p.feed(std::span<const char>(text.data() + i, std::min(chunk, text.size() - i)),
                       [&](const CsvRow&) { ++rows; });
            QCOMPARE(rows, expectGood);
            QCOMPARE(p.stats().malformed, expectBad);
        }
    }

    void oversizedLineIsCountedWhenItCrossesTheLimit() {
        CsvConfig c;
        c.maxLineLength = 1024;
        CsvLineParser p(c);
        std::uint64_t rows = 0;
        const auto on = [&](const CsvRow&) { ++rows; };
        const std::string good = "1,2,3\n4,5,6\n";
        p.feed(std::span<const char>(good.data(), good.size()), on);
        // 100 MB of one line, fed in 64 KiB reads (as a port would): counted at once, never buffered
        const std::string piece(65536, '7');
        p.feed(std::span<const char>(piece.data(), piece.size()), on);
        QCOMPARE(p.stats().oversized, std::uint64_t{1});
        QCOMPARE(p.stats().malformed, std::uint64_t{1});
        for (int i = 1; i < 1600; ++i)
            p.feed(std::span<const char>(piece.data(), piece.size()), on);
        QCOMPARE(p.stats().oversized, std::uint64_t{1}); // one line, counted once
        QVERIFY(p.stats().skippedBytes >= 1600ull * 65536 - 1024);
        const std::string after = "\n7,8,9\n";
        p.feed(std::span<const char>(after.data(), after.size()), on);
        QCOMPARE(rows, std::uint64_t{3});
        QCOMPARE(p.stats().malformed, std::uint64_t{1});
        QVERIFY(p.lastProblem().find("maxline") != std::string::npos);
    }

    void partialFirstLineIsDroppedUnlessAtABoundary() {
        CsvConfig c;
        c.dropFirstLine = true;
        CsvLineParser p(c);
        auto rows = parseAll(p, "5,6\n1,2,3\n4,5,6\n");
        QCOMPARE(rows.size(), std::size_t{2});
        QCOMPARE(rows[0].values[0], 1.0f);
        QCOMPARE(p.stats().partial, std::uint64_t{1});
        QCOMPARE(p.stats().malformed, std::uint64_t{0});
        p.resync();
        QVERIFY(!p.lineOpen());
        std::vector<CsvRow> more;
        const std::string t = "3\n7,8,9\n1,2";
        p.feed(std::span<const char>(t.data(), t.size()), [&](const CsvRow& r) { more.push_back(r); });
        QCOMPARE(more.size(), std::size_t{1});
        QCOMPARE(more[0].values[0], 7.0f);
        QVERIFY(p.lineOpen()); // "1,2" is waiting for its end

        // the transport saw silence before the first byte: the first line is complete, keep it
        CsvLineParser q(c);
        q.markBoundary();
        rows = parseAll(q, "1,2,3\n4,5,6\n");
        QCOMPARE(rows.size(), std::size_t{2});
        QCOMPARE(q.stats().partial, std::uint64_t{0});
    }

    void isoTimeAgreesWithPython() {
        // random date-times in several spellings; Python's datetime is the reference
        bool ok = false;
        const QByteArray out = vibra::test::runPython(
            "import datetime as d, random\n"
            "random.seed(5)\n"
            "for i in range(300):\n"
            "  s = random.randint(946684800, 4102444800); us = random.randint(0, 999999)\n"
            "  off = random.choice([0, 60, -330, 600])\n"
            "  tz = d.timezone(d.timedelta(minutes=off))\n"
            "  t = d.datetime.fromtimestamp(s, tz).replace(microsecond=us)\n"
            "  sep = random.choice(['T', ' '])\n"
            "  z = 'Z' if off == 0 and i % 2 else t.strftime('%z')[:3] + ':' + t.strftime('%z')[3:]\n"
            "  text = t.strftime('%Y-%m-%d') + sep + t.strftime('%H:%M:%S') + '.%06d' % us + z\n"
            "  print(text, s * 1000000000 + us * 1000)\n",
            &ok);
        QVERIFY(ok);
        int n = 0;
        for (const QByteArray& line : out.trimmed().split('\n')) {
            const int space = line.lastIndexOf(' ');
            const std::string text = line.left(space).toStdString();
            std::int64_t ns = 0;
            QVERIFY2(parseIsoTime(text, ns), text.c_str());
            QCOMPARE(ns, line.mid(space + 1).toLongLong());
            ++n;
        }
        QCOMPARE(n, 300);
        std::int64_t ns = 0;
        for (const char* badText : {"2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01", "12:00:00",
                                    "2024-01-01T25:00:00Z", "2024-01-01T00:00:00+25:00",
                                    "2024-01-01T00:00:00Zx", "1013-01-02T03:04:05Z", "9999-12-31T23:59:59Z"})
            QVERIFY2(!parseIsoTime(badText, ns), badText);
        QVERIFY(parseIsoTime("2024-02-29 23:59:59", ns)); // leap day, no zone = UTC
        QCOMPARE(ns, std::int64_t{1709251199} * 1'000'000'000);
    }

    void assemblerUntimedContiguousSkipAndIndexColumn() {
        vibra::core::DeviceInfo base;
        base.id = "s";
        BlockAssembler::Config cfg;
        cfg.rateHz = 1000;
        cfg.maxBlockSamples = 4;
        BlockAssembler as(base, cfg);
        as.setLayout({"x"}, vibra::core::Unit::G);
        for (int i = 0; i < 10; ++i)
            QVERIFY(as.add(row(NAN, float(i)), 5'000'000'000));
        auto out = takeAll(as);
        QCOMPARE(out.size(), std::size_t{3}); // 4 + 4 + 2
        QCOMPARE(out[2]->firstSample, std::uint64_t{8});
        QCOMPARE(out[2]->count, 2u);
        QCOMPARE(out[1]->startTimeNs, std::int64_t{5'004'000'000});
        QVERIFY(!out[0]->indexInferred);
        QCOMPARE(out[0]->device->sampleRate, 1000.0);
        as.skipSamples(500);
        as.add(row(NAN, 1), 0);
        out = takeAll(as);
        QCOMPARE(out.size(), std::size_t{1});
        QCOMPARE(out[0]->firstSample, std::uint64_t{510});
        QVERIFY(out[0]->indexInferred);

        // an index column places samples (a detected gap), a restart continues
        BlockAssembler ix(base, cfg);
        ix.setLayout({"x"}, vibra::core::Unit::G);
        for (std::int64_t i : {100, 101, 102, 110, 111, 0, 1})
            ix.add(row(NAN, float(i), i), 0);
        out = takeAll(ix);
        QCOMPARE(out.size(), std::size_t{2});
        QCOMPARE(out[0]->firstSample, std::uint64_t{100});
        QCOMPARE(out[1]->firstSample, std::uint64_t{110});
        QCOMPARE(out[1]->count, 4u); // 110, 111, then the restart at 112, 113
        QVERIFY(!out[1]->indexInferred);
    }

    void assemblerTimedEstimatesRateAndInfersGaps() {
        BlockAssembler::Config cfg; // rate from the time column
        BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
        as.setLayout({"x"}, vibra::core::Unit::G);
        std::vector<double> times;
        for (int i = 0; i < 20; ++i)
            times.push_back(100.0 + i * 0.002 + (i % 3) * 1e-5); // 500 Hz with a little jitter
        for (int i = 30; i < 40; ++i)
            times.push_back(100.0 + i * 0.002); // 10 samples missing
        times.push_back(3.0);                   // device clock restarted
        times.push_back(3.002);
        for (double t : times)
            QVERIFY(as.add(row(t, float(t)), 0));
        QVERIFY(as.finish()); // a short input: estimated from what there is
        const auto out = takeAll(as);
        QVERIFY2(std::abs(as.rateHz() - 500.0) < 0.5, qPrintable(QString::number(as.rateHz())));
        QCOMPARE(out.size(), std::size_t{2});
        QCOMPARE(out[0]->firstSample, std::uint64_t{0});
        QCOMPARE(out[0]->count, 20u);
        QCOMPARE(out[1]->firstSample, std::uint64_t{30});
        QCOMPARE(out[1]->count, 10u + 2);
        QVERIFY(out[1]->indexInferred);
        QCOMPARE(out[1]->axis(0)[10], 3.0f); // the restart continues without a gap
        QCOMPARE(as.timing().stats().restarts, std::uint64_t{1});
    }

    void assemblerSurvivesAbsurdTimeJumps() {
        // found by fuzz_csv: a time 1e70 s ahead must not overflow the index
        BlockAssembler::Config cfg;
        cfg.rateHz = 1000;
        BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
        as.setLayout({"x"}, vibra::core::Unit::G);
        for (double t : {0.0, 0.001, 6.6e69, 6.6e69 + 0.001, -1e300, 1e300})
            QVERIFY(as.add(row(t, 1), 0));
        QVERIFY(as.finish());
        std::uint64_t total = 0;
        for (const auto& b : takeAll(as))
            total += b->count;
        QCOMPARE(total, std::uint64_t{6});
        QCOMPARE(as.nextIndex(), std::uint64_t{6}); // clock jumps rebase, no gap
    }

    void assemblerDropsResentTimestampsWhenAsked() {
        BlockAssembler::Config cfg;
        cfg.rateHz = 100;
        cfg.dropNonAdvancing = true;
        BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
        as.setLayout({"x"}, vibra::core::Unit::G);
        for (double t : {10.00, 10.01, 10.02, 10.02, 10.01, 10.03, 5.0, 5.01})
            QVERIFY(as.add(row(t, 1), 0));
        QCOMPARE(as.duplicates(), std::uint64_t{2}); // 10.02 and 10.01 again; 5.0 is a restart, kept
        QVERIFY(as.finish());
        std::uint64_t total = 0;
        for (const auto& b : takeAll(as))
            total += b->count;
        QCOMPARE(total, std::uint64_t{6});
    }

    void assemblerNeedsARate() {
        BlockAssembler as(vibra::core::DeviceInfo{}, BlockAssembler::Config{});
        QVERIFY(!as.add(row(NAN, 1), 0));
        QVERIFY(!as.error().empty());
    }
};

QTEST_GUILESS_MAIN(TstDecodeText)
#include "tst_decode_text.moc"
