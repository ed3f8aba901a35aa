// Simulator: determinism across block sizes and seeds, known amplitudes, URI validation, a paced source
// whose thread is starved skips ahead (a counted gap) instead of catching up with a burst.
#include "../io/SourceHarness.h"
#include "core/SpscRing.h"
#include "io/SimSignalGenerator.h"
#include "io/SourceFactory.h"

#include <QtTest>

#include <cmath>
#include <numeric>

using vibra::io::SimSignalGenerator;

namespace {
std::vector<float> generateInBlocks(const SimSignalGenerator::Config& c, std::uint64_t total,
                                    const std::vector<std::uint32_t>& blockSizes) {
    SimSignalGenerator g(c);
    std::vector<std::vector<float>> axes(c.axes);
    std::uint64_t at = 0;
    std::size_t bi = 0;
    while (at < total) {
        const auto n = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(blockSizes[bi++ % blockSizes.size()], total - at));
        std::vector<float> buf(static_cast<std::size_t>(n) * c.axes);
        g.generate(at, n, buf);
        for (int a = 0; a < c.axes; ++a)
            axes[a].insert(axes[a].end(), buf.begin() + a * n, buf.begin() + (a + 1) * n);
        at += n;
    }
    std::vector<float> flat;
    for (auto& a : axes)
        flat.insert(flat.end(), a.begin(), a.end());
    return flat;
}

double rms(const float* x, std::size_t n, double* meanOut = nullptr) {
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i)
        mean += x[i];
    mean /= static_cast<double>(n);
    double s = 0;
    for (std::size_t i = 0; i < n; ++i)
        s += (x[i] - mean) * (x[i] - mean);
    if (meanOut)
        *meanOut = mean;
    return std::sqrt(s / static_cast<double>(n));
}
} // namespace

class TstSimulator : public QObject {
    Q_OBJECT
private slots:
    void identicalWhateverTheBlockBoundaries_data() {
        QTest::addColumn<int>("profile");
        QTest::newRow("sine+noise") << int(SimSignalGenerator::Profile::Sine);
        QTest::newRow("machine") << int(SimSignalGenerator::Profile::Machine);
        QTest::newRow("bearing") << int(SimSignalGenerator::Profile::Bearing);
    }
    void identicalWhateverTheBlockBoundaries() {
        QFETCH(int, profile);
        SimSignalGenerator::Config c;
        c.profile = static_cast<SimSignalGenerator::Profile>(profile);
        c.noiseRms = 0.05;
        const auto a = generateInBlocks(c, 40000, {256});
        const auto b = generateInBlocks(c, 40000, {1, 7, 1000, 333, 4096});
        QCOMPARE(a.size(), b.size());
        QVERIFY(a == b); // bit-identical
        c.seed = 2;
        const auto d = generateInBlocks(c, 40000, {256});
        QVERIFY(a != d); // another seed, other noise
    }

    void sineHasTheConfiguredAmplitudes() {
        SimSignalGenerator::Config c;
        c.profile = SimSignalGenerator::Profile::Sine;
        c.frequency = {100, 250, 1000};
        c.amplitude = {1.0, 0.5, 2.0};
        c.offset = {0.0, 0.0, 1.0};
        const std::uint64_t n = 16000; // 1 s: whole periods of every tone
        const auto x = generateInBlocks(c, n, {256});
        for (int a = 0; a < 3; ++a) {
            double mean = 0;
            const double r = rms(x.data() + a * n, n, &mean);
            QVERIFY2(std::abs(r - c.amplitude[a] / std::sqrt(2.0)) < 1e-5, qPrintable(QString::number(r)));
            QVERIFY(std::abs(mean - c.offset[a]) < 1e-5);
        }
    }

    void machineHasGravityOnZ() {
        SimSignalGenerator::Config c; // machine profile defaults
        const std::uint64_t n = 32000;
        const auto x = generateInBlocks(c, n, {256});
        double mz = 0, mx = 0;
        rms(x.data() + 2 * n, n, &mz);
        rms(x.data(), n, &mx);
        QVERIFY(std::abs(mz - 1.0) < 0.01);
        QVERIFY(std::abs(mx) < 0.01);
    }

    void factoryRejectsBadUris_data() {
        QTest::addColumn<QString>("uri");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("scheme") << "nope://a"
                                << "unknown source scheme 'nope'";
        QTest::newRow("rate") << "sim://a?rate=abc"
                              << "'rate'";
        QTest::newRow("axes") << "sim://a?axes=4"
                              << "'axes'";
        QTest::newRow("profile") << "sim://a?profile=jet"
                                 << "'profile'";
        QTest::newRow("typo") << "sim://a?rat=100"
                              << "unknown parameter 'rat'";
        QTest::newRow("freq over nyquist") << "sim://a?profile=sine&rate=1000&freq=600"
                                           << "'freq'";
        QTest::newRow("empty") << ""
                               << "empty source URI";
        QTest::newRow("no name") << "sim://"
                                 << "needs a name";
    }
    void factoryRejectsBadUris() {
        QFETCH(QString, uri);
        QFETCH(QString, mentions);
        vibra::io::SourceFactory f;
        QString error;
        auto s = f.create(uri, &error);
        QVERIFY(!s);
        QVERIFY2(error.contains(mentions), qPrintable(error));
    }

    void factoryAcceptsDefaults() {
        vibra::io::SourceFactory f;
        QString error;
        auto s = f.create(QStringLiteral("sim://a"), &error);
        QVERIFY2(s, qPrintable(error));
        QCOMPARE(s->deviceId(), QStringLiteral("a"));
        QVERIFY(!s->isFinite());
        auto t = f.create(QStringLiteral("sim://b?duration=2&paced=0"), &error);
        QVERIFY(t && t->isFinite());
    }

    void pacedSourceSkipsAheadWhenStarved() {
        // Fault injection, not synchronisation: the source's own I/O thread is kept busy for kStallMs, so
        // its timer cannot run. On the next tick it is ~kStallMs behind its sample clock, more than the 0.25
        // s it may catch up with; it must skip to now (one counted gap of about the stall) rather than emit
        // the whole backlog in a burst.
        constexpr double kRate = 4000;
        constexpr int kStallMs = 800;
        vibra::io::SourceFactory f;
        QString error;
        auto source = f.create(QStringLiteral("sim://starved?rate=4000&axes=1&block=64&paced=1"), &error);
        QVERIFY2(source, qPrintable(error));
        vibra::test::SourceHarness h(std::move(source));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.samples() >= 2000; }, 10000));
        QCOMPARE(h.counters().gapsDetected, 0U); // keeping up: no skip so far
        const qint64 stallStartNs = h.elapsedNs();
        QMetaObject::invokeMethod(
            h.source(),
            [] {
                QElapsedTimer busy;
                busy.start();
                while (busy.elapsed() < kStallMs) {
                }
            },
            Qt::QueuedConnection);
        QVERIFY(h.drainUntil([&] { return h.counters().gapsDetected >= 1; }, 10000));
        // once it runs again it is back on the sample clock: a few blocks more arrive normally
        const std::uint64_t afterSkip = h.samples();
        QVERIFY(h.drainUntil([&] { return h.samples() >= afterSkip + 1000; }, 10000));
        const qint64 nowNs = h.elapsedNs();
        const auto c = h.counters();
        QCOMPARE(c.gapsDetected, 1U);
        // the gap is about the stall (less what it may catch up with, 0.25 s, and a block or tick)
        const double missingS = static_cast<double>(c.samplesMissing) / kRate;
        qInfo("stall %d ms: skipped %.3f s of samples (%llu), delivered %llu", kStallMs, missingS,
              static_cast<unsigned long long>(c.samplesMissing),
              static_cast<unsigned long long>(h.samples()));
        QVERIFY2(missingS >= kStallMs / 1000.0 - 0.30, qPrintable(QString::number(missingS)));
        QVERIFY2(missingS <= static_cast<double>(nowNs - stallStartNs) * 1e-9,
                 qPrintable(QString::number(missingS)));
        // never ahead of the wall clock, and contiguous apart from the one gap
        const auto& last = h.arrivals().back().block;
        QVERIFY(static_cast<double>(last->firstSample + last->count) <=
                (static_cast<double>(nowNs) * 1e-9 + 0.1) * kRate);
        std::uint64_t next = 0;
        int holes = 0;
        for (const auto& a : h.arrivals()) {
            holes += a.block->firstSample != next ? 1 : 0;
            QCOMPARE(a.block->gapBefore, a.block->firstSample - next);
            next = a.block->firstSample + a.block->count;
        }
        QCOMPARE(holes, 1);
    }
};

QTEST_GUILESS_MAIN(TstSimulator)
#include "tst_simulator.moc"
