// Unit tests for the text path of vibra::decode: CsvLineParser (line endings, separators, headers, time
// columns, malformed and overlong lines, splits at every byte) and BlockAssembler (indices, inferred gaps,
// rate from the time column, device restarts).
#include "IoTestUtil.h"
#include "decode/BlockAssembler.h"
#include "decode/CsvLineParser.h"

#include <QtTest>

using namespace vibra::decode;

namespace {
std::vector<CsvRow> parseAll(CsvLineParser& p, std::string_view text) {
    std::vector<CsvRow> rows;
    p.feed(std::span<const char>(text.data(), text.size()), [&](const CsvRow& r) { rows.push_back(r); });
    p.finish([&](const CsvRow& r) { rows.push_back(r); });
    return rows;
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
            QCOMPARE(p.stats().malformed, std::uint64_t{0});
        }
    }

    void headerNamesAndTimeColumn() {
        CsvLineParser p(CsvConfig{});
        const auto rows = parseAll(p, "MPU6050 ready\nt_us,ax_g,ay_g,az_g\n1000,0.5,-0.5,1\n1500,0.25,0,1\n");
        QCOMPARE(rows.size(), std::size_t{2});
        QVERIFY(p.hasTime());
        QCOMPARE(p.axisNames(), (std::vector<std::string>{"ax_g", "ay_g", "az_g"}));
        QCOMPARE(rows[0].time, 1000e-6);
        QCOMPARE(rows[1].time, 1500e-6);
        QCOMPARE(rows[1].values[0], 0.25f);
        QCOMPARE(p.stats().headers, std::uint64_t{2});
    }

    void fourColumnsMeanTimePlusXyzAndConfigOverrides() {
        CsvLineParser p(CsvConfig{});
        auto rows = parseAll(p, "10,1,2,3\n20,4,5,6\n");
        QVERIFY(p.hasTime());
        QCOMPARE(rows[1].time, 0.020); // ms by default
        QCOMPARE(rows[1].values[2], 6.0f);

        CsvConfig c;
        c.timeColumn = CsvConfig::kNone;
        c.axisColumns = {3, 1};
        c.scale = 0.5;
        CsvLineParser q(c);
        rows = parseAll(q, "10,1,2,3\n20,4,5,6\n");
        QVERIFY(!q.hasTime());
        QCOMPARE(q.axisCount(), 2);
        QCOMPARE(rows[1].values[0], 3.0f);
        QCOMPARE(rows[1].values[1], 2.0f);

        CsvConfig bad;
        bad.axisColumns = {7};
        CsvLineParser r(bad);
        rows = parseAll(r, "1,2,3\n");
        QCOMPARE(rows.size(), std::size_t{0});
        QCOMPARE(r.stats().malformed, std::uint64_t{1});
    }

    void malformedShortWideAndOverlongLinesAreCounted() {
        CsvConfig c;
        c.maxLineLength = 64;
        CsvLineParser p(c);
        std::string wide;
        for (int i = 0; i < 400; ++i)
            wide += (i ? "," : "") + std::to_string(i);
        std::string text = "x,y,z\n1,2,3\n1,2\nabc,1,2\n" + std::string(10000, '7') +
                           "\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,"
                           "15,16,17\n4,5,6\n\n\n7,8,9\n";
        CsvConfig c2;
        c2.maxLineLength = 4096;
        CsvLineParser w(c2);
        const auto wrows = parseAll(w, "1,2,3\n" + wide + "\n4,5,6\n");
        QCOMPARE(wrows.size(), std::size_t{2});
        QCOMPARE(w.stats().malformed, std::uint64_t{1}); // 400 columns

        const auto rows = parseAll(p, text);
        QCOMPARE(rows.size(), std::size_t{3});
        QCOMPARE(rows[2].values[2], 9.0f);
        QCOMPARE(p.stats().malformed, std::uint64_t{3}); // short, non-numeric, 17 columns
        QCOMPARE(p.stats().overlong, std::uint64_t{1});
        QCOMPARE(p.takeNewMalformed(), std::uint64_t{4});
        QCOMPARE(p.takeNewMalformed(), std::uint64_t{0});
    }

    void partialFirstLineIsDropped() {
        CsvConfig c;
        c.dropFirstLine = true;
        CsvLineParser p(c);
        const auto rows = parseAll(p, "5,6\n1,2,3\n4,5,6\n");
        QCOMPARE(rows.size(), std::size_t{2});
        QCOMPARE(rows[0].values[0], 1.0f);
        QCOMPARE(p.stats().partial, std::uint64_t{1});
        QCOMPARE(p.stats().malformed, std::uint64_t{0});
        p.resync();
        std::vector<CsvRow> more;
        const std::string t = "3\n7,8,9\n";
        p.feed(std::span<const char>(t.data(), t.size()), [&](const CsvRow& r) { more.push_back(r); });
        QCOMPARE(more.size(), std::size_t{1});
        QCOMPARE(more[0].values[0], 7.0f);
    }

    void assemblerUntimedContiguousAndSkip() {
        vibra::core::DeviceInfo base;
        base.id = "s";
        BlockAssembler::Config cfg;
        cfg.rateHz = 1000;
        cfg.maxBlockSamples = 4;
        cfg.utcBaseNs = 5'000'000'000;
        BlockAssembler as(base, cfg);
        as.setAxisNames({"x", "y"});
        for (int i = 0; i < 10; ++i) {
            const float v[2] = {float(i), float(-i)};
            QVERIFY(as.add(NAN, v));
        }
        std::vector<vibra::core::MutableBlockPtr> out;
        as.take(out);
        QCOMPARE(out.size(), std::size_t{3}); // 4 + 4 + 2
        QCOMPARE(out[2]->firstSample, std::uint64_t{8});
        QCOMPARE(out[2]->count, 2u);
        QCOMPARE(out[2]->axis(1)[1], -9.0f);
        QCOMPARE(out[1]->startTimeNs, std::int64_t{5'004'000'000});
        QVERIFY(!out[0]->indexInferred);
        QCOMPARE(out[0]->device->sampleRate, 1000.0);
        as.skipSeconds(0.5);
        const float v[2] = {1, 1};
        as.add(NAN, v);
        out.clear();
        as.take(out);
        QCOMPARE(out.size(), std::size_t{1});
        QCOMPARE(out[0]->firstSample, std::uint64_t{510});
        QVERIFY(out[0]->indexInferred);
    }

    void assemblerTimedEstimatesRateAndInfersGaps() {
        vibra::core::DeviceInfo base;
        BlockAssembler::Config cfg; // rate from time column
        cfg.estimateRows = 8;
        BlockAssembler as(base, cfg);
        as.setAxisNames({"x"});
        std::vector<double> times;
        for (int i = 0; i < 20; ++i)
            times.push_back(100.0 + i * 0.002 + (i % 3) * 1e-5); // 500 Hz with jitter
        for (int i = 30; i < 40; ++i)
            times.push_back(100.0 + i * 0.002); // 10 samples missing
        times.push_back(100.0 + 39 * 0.002);    // repeated timestamp: placed after
        times.push_back(3.0);                   // device clock restarted
        times.push_back(3.002);
        for (double t : times) {
            const float v = float(t);
            QVERIFY(as.add(t, std::span<const float>(&v, 1)));
        }
        std::vector<vibra::core::MutableBlockPtr> out;
        as.take(out);
        QVERIFY(as.rateEstimated());
        QVERIFY2(std::abs(as.rateHz() - 500.0) < 3.0, "rate estimated from the median time step");
        QCOMPARE(out.size(), std::size_t{2});
        QCOMPARE(out[0]->firstSample, std::uint64_t{0});
        QCOMPARE(out[0]->count, 20u);
        QCOMPARE(out[1]->firstSample, std::uint64_t{30});
        QCOMPARE(out[1]->count, 10u + 1 + 2);
        QVERIFY(out[1]->indexInferred);
        QCOMPARE(out[1]->axis(0)[11], 3.0f); // the restart continues without a gap
    }

    void assemblerSurvivesAbsurdTimeJumps() {
        // found by fuzz_csv: a time 1e70 s ahead must not overflow the index
        BlockAssembler::Config cfg;
        cfg.rateHz = 1000;
        BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
        as.setAxisNames({"x"});
        const float v = 1;
        for (double t : {0.0, 0.001, 6.6e69, 6.6e69 + 0.001, -1e300, 1e300})
            QVERIFY(as.add(t, std::span<const float>(&v, 1)));
        std::vector<vibra::core::MutableBlockPtr> out;
        as.take(out);
        std::uint64_t total = 0;
        for (const auto& b : out)
            total += b->count;
        QCOMPARE(total, std::uint64_t{6});
        QCOMPARE(as.nextIndex(), std::uint64_t{6}); // clock jumps rebase, no gap
    }

    void assemblerDropsResentTimestampsWhenAsked() {
        BlockAssembler::Config cfg;
        cfg.rateHz = 100;
        cfg.dropNonAdvancing = true;
        BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
        as.setAxisNames({"x"});
        const float v = 1;
        for (double t : {10.00, 10.01, 10.02, 10.02, 10.01, 10.03, 5.0, 5.01})
            QVERIFY(as.add(t, std::span<const float>(&v, 1)));
        QCOMPARE(as.duplicates(), std::uint64_t{2}); // 10.02 again and 10.01; 5.0 is a restart, kept
        std::vector<vibra::core::MutableBlockPtr> out;
        as.take(out);
        std::uint64_t total = 0;
        for (const auto& b : out)
            total += b->count;
        QCOMPARE(total, std::uint64_t{6});
    }

    void assemblerNeedsARate() {
        BlockAssembler as(vibra::core::DeviceInfo{}, BlockAssembler::Config{});
        const float v = 1;
        QVERIFY(!as.add(NAN, std::span<const float>(&v, 1)));
        QVERIFY(!as.error().empty());
    }
};

QTEST_GUILESS_MAIN(TstDecodeText)
#include "tst_decode_text.moc"
