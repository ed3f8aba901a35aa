// Rate tracking for timestamped streams (RateTracker, TimestampIndexer through BlockAssembler and the
// SensorServer message decoder): at 500 Hz with 5, 15 and 30 % timestamp jitter (uniform, Gaussian and a
// one-sided latency), the stored and the tracked rate stay within 0.1 % of the true rate and 10 s of samples
// span 10 s; gaps are counted exactly, outliers do not make gaps, a rate change starts a new stream, and the
// estimate and jitter reach DeviceCounters. The reference is the generator itself: known rate, known noise.
#include "decode/BlockAssembler.h"
#include "decode/StreamDecoder.h"

#include <QtTest>

#include <random>

using namespace vibra::decode;

namespace {

constexpr double kRate = 500.0;
constexpr double kPeriod = 1.0 / kRate;

enum class Noise { Uniform, Gaussian, Latency };

// Time stamp of sample i: the sensor's regular clock plus noise of the given size (fraction of a period).
class Stamps {
public:
    Stamps(Noise kind, double fraction, unsigned seed)
        : m_kind(kind)
        , m_scale(fraction * kPeriod)
        , m_rng(seed) {}
    double operator()(std::uint64_t i) {
        double e = 0.0;
        switch (m_kind) {
        case Noise::Uniform:
            e = std::uniform_real_distribution<double>(-m_scale, m_scale)(m_rng);
            break;
        case Noise::Gaussian:
            e = std::normal_distribution<double>(0.0, m_scale)(m_rng);
            break;
        case Noise::Latency: // delivery latency: never early, exponential tail
            e = std::exponential_distribution<double>(1.0 / m_scale)(m_rng);
            break;
        }
        return 1000.0 + static_cast<double>(i) * kPeriod + e;
    }

private:
    Noise m_kind;
    double m_scale;
    std::mt19937_64 m_rng;
};

struct Run {
    std::vector<vibra::core::MutableBlockPtr> blocks;
    double tracked = 0.0;
    double jitter = 0.0;
};

// Feeds samples (value = true index) through a BlockAssembler; skip lists indices never sent.
Run assemble(Stamps& stamps, std::uint64_t n,
             const std::vector<std::pair<std::uint64_t, std::uint64_t>>& skip = {}, double rateHz = 0.0) {
    BlockAssembler::Config cfg;
    cfg.rateHz = rateHz;
    cfg.dropNonAdvancing = true;
    BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
    as.setLayout({"x"}, vibra::core::Unit::MetersPerSecond2);
    Run run;
    for (std::uint64_t i = 0; i < n; ++i) {
        bool skipped = false;
        for (const auto& [from, to] : skip)
            skipped = skipped || (i >= from && i < to);
        const double t = stamps(i);
        if (skipped)
            continue;
        BlockAssembler::Row r;
        r.time = t;
        r.values = {static_cast<float>(i), 0, 0};
        as.add(r, 1'800'000'000'000'000'000);
        as.take(run.blocks, false);
    }
    as.finish();
    as.take(run.blocks, true);
    run.tracked = as.timing().estimatedRateHz();
    run.jitter = as.timing().jitterSeconds();
    return run;
}

} // namespace

class TstDecodeRate : public QObject {
    Q_OBJECT
private slots:
    void rateWithinATenthOfAPercentUnderJitter_data() {
        QTest::addColumn<int>("noise");
        QTest::addColumn<double>("fraction");
        for (double f : {0.05, 0.15, 0.30}) {
            QTest::newRow(qPrintable(QStringLiteral("uniform %1 %").arg(f * 100)))
                << int(Noise::Uniform) << f;
            QTest::newRow(qPrintable(QStringLiteral("gaussian %1 %").arg(f * 100)))
                << int(Noise::Gaussian) << f;
            QTest::newRow(qPrintable(QStringLiteral("latency %1 %").arg(f * 100)))
                << int(Noise::Latency) << f;
        }
    }
    void rateWithinATenthOfAPercentUnderJitter() {
        QFETCH(int, noise);
        QFETCH(double, fraction);
        Stamps stamps(static_cast<Noise>(noise), fraction, 11);
        const std::uint64_t n = 5000; // 10 s
        const Run run = assemble(stamps, n);
        QVERIFY(!run.blocks.empty());
        std::uint64_t samples = 0;
        const vibra::core::DeviceInfo* device = run.blocks.front()->device.get();
        for (const auto& b : run.blocks) {
            QCOMPARE(b->device.get(), device); // one stream: no spurious rate change
            QCOMPARE(b->gapBefore, std::uint64_t{0});
            for (std::uint32_t k = 0; k < b->count; ++k) // every sample at its own index, none lost
                QCOMPARE(b->axis(0)[k], static_cast<float>(b->firstSample + k));
            samples += b->count;
        }
        QCOMPARE(samples, n);
        const double stored = device->sampleRate;
        qInfo("stored %.4f Hz, tracked %.4f Hz, jitter %.3g ms", stored, run.tracked, run.jitter * 1e3);
        QVERIFY2(std::abs(stored - kRate) <= 1e-3 * kRate, qPrintable(QString::number(stored, 'g', 10)));
        QVERIFY2(std::abs(run.tracked - kRate) <= 1e-3 * kRate,
                 qPrintable(QString::number(run.tracked, 'g', 10)));
        // 10 s of samples span 10 s (first block start to the end of the last sample), not 10.8 s
        const auto& last = run.blocks.back();
        const double span =
            static_cast<double>(last->timeOfSampleNs(last->count - 1) - run.blocks.front()->startTimeNs) *
                1e-9 +
            kPeriod;
        QVERIFY2(std::abs(span - 10.0) <= 1e-3 * 10.0, qPrintable(QString::number(span, 'g', 10)));
        // jitter: a robust standard deviation of the right size (its exact value depends on the shape)
        QVERIFY2(run.jitter > 0.2 * fraction * kPeriod && run.jitter < 2.0 * fraction * kPeriod,
                 qPrintable(QString::number(run.jitter)));
    }

    void gapsAreCountedExactlyAndOutliersMakeNone() {
        Stamps stamps(Noise::Gaussian, 0.15, 5);
        // 3012 samples lost after 2 s, one time stamp 40 ms late and one 30 ms early later on
        class WithOutliers {
        public:
            explicit WithOutliers(Stamps& s)
                : m_s(s) {}
            double operator()(std::uint64_t i) {
                return m_s(i) + (i == 4100 ? 0.04 : i == 4600 ? -0.03 : 0.0);
            }

        private:
            Stamps& m_s;
        } stamped(stamps);
        BlockAssembler::Config cfg;
        BlockAssembler as(vibra::core::DeviceInfo{}, cfg);
        as.setLayout({"x"}, vibra::core::Unit::G);
        std::vector<vibra::core::MutableBlockPtr> blocks;
        for (std::uint64_t i = 0; i < 8000; ++i) {
            const double t = stamped(i);
            if (i >= 1000 && i < 4012)
                continue;
            BlockAssembler::Row r;
            r.time = t;
            r.values = {static_cast<float>(i), 0, 0};
            as.add(r, 0);
        }
        as.finish();
        as.take(blocks);
        std::uint64_t next = 0, gaps = 0, missing = 0;
        for (const auto& b : blocks) {
            if (b != blocks.front() && b->firstSample > next) {
                ++gaps;
                missing += b->firstSample - next;
                QVERIFY(b->indexInferred);
            }
            for (std::uint32_t k = 0; k < b->count; ++k)
                QCOMPARE(b->axis(0)[k], static_cast<float>(b->firstSample + k));
            next = b->firstSample + b->count;
        }
        QCOMPARE(gaps, std::uint64_t{1});
        QCOMPARE(missing, std::uint64_t{3012});
        QCOMPARE(as.timing().stats().outliers, std::uint64_t{2});
    }

    void aRateChangeStartsANewStream() {
        Stamps stamps(Noise::Gaussian, 0.1, 9);
        BlockAssembler as(vibra::core::DeviceInfo{}, BlockAssembler::Config{});
        as.setLayout({"x"}, vibra::core::Unit::G);
        std::vector<vibra::core::MutableBlockPtr> blocks;
        double t = 0;
        for (std::uint64_t i = 0; i < 3000; ++i) { // 500 Hz
            t = stamps(i);
            as.add({t, -1, {static_cast<float>(i), 0, 0}}, 0);
        }
        std::normal_distribution<double> g(0, 0.1 / 200);
        std::mt19937_64 rng(4);
        for (std::uint64_t k = 1; k <= 1500; ++k) // then 200 Hz
            as.add(
                {t + static_cast<double>(k) / 200.0 + g(rng), -1, {static_cast<float>(3000 + k - 1), 0, 0}},
                0);
        as.finish();
        as.take(blocks);
        std::vector<double> rates;
        std::uint64_t next = 0;
        for (const auto& b : blocks) {
            if (rates.empty() || b->sampleRate() != rates.back())
                rates.push_back(b->sampleRate());
            QCOMPARE(b->firstSample, next); // the change is not a gap: indices continue
            for (std::uint32_t k = 0; k < b->count; ++k)
                QCOMPARE(b->axis(0)[k], static_cast<float>(b->firstSample + k));
            next = b->firstSample + b->count;
        }
        QCOMPARE(next, std::uint64_t{4500});
        QCOMPARE(rates.size(), std::size_t{2});
        QVERIFY2(std::abs(rates[0] - 500.0) <= 0.5, qPrintable(QString::number(rates[0])));
        QVERIFY2(std::abs(rates[1] - 200.0) <= 0.2, qPrintable(QString::number(rates[1])));
        QCOMPARE(as.timing().stats().rateChanges, std::uint64_t{1});
    }

    void sensorServerEstimateReachesTheCounters() {
        // the WebSocket path: SensorServer events (ns time stamps) through the message decoder
        StreamDecoder::Config cfg;
        cfg.transport = StreamDecoder::Transport::Messages;
        cfg.format = InputFormat::Auto;
        auto dec = StreamDecoder::create(cfg);
        Stamps stamps(Noise::Latency, 0.3, 21);
        StreamDecoder::Blocks blocks;
        vibra::core::DeviceCounters counters;
        for (std::uint64_t i = 0; i < 5000; ++i) {
            const auto ns = static_cast<long long>(std::llround(stamps(i) * 1e9));
            const std::string m = "{\"values\":[" + std::to_string(i) +
                                  ",9.81,0],\"timestamp\":" + std::to_string(ns) + ",\"accuracy\":3}";
            dec->feedMessage({reinterpret_cast<const std::uint8_t*>(m.data()), m.size()}, MessageKind::Text,
                             0, blocks);
            if (i == 17) { // resent: same time stamp again
                dec->feedMessage({reinterpret_cast<const std::uint8_t*>(m.data()), m.size()},
                                 MessageKind::Text, 0, blocks);
            }
            dec->account(counters);
        }
        dec->close(blocks);
        dec->account(counters);
        const auto c = counters.snapshot();
        QVERIFY2(std::abs(c.rateEstimateHz() - kRate) <= 1e-3 * kRate,
                 qPrintable(QString::number(c.rateEstimateHz(), 'g', 10)));
        QVERIFY(c.timestampJitterNs > 0 && c.timestampJitterNs < 2 * 600'000);
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Duplicate)],
                 std::uint64_t{1});
        QCOMPARE(c.rateChanges, std::uint64_t{0});
        std::uint64_t samples = 0;
        for (const auto& b : blocks)
            samples += b->count;
        QCOMPARE(samples, std::uint64_t{5000});
        QVERIFY(std::abs(blocks.front()->sampleRate() - kRate) <= 1e-3 * kRate);
    }
};

QTEST_GUILESS_MAIN(TstDecodeRate)
#include "tst_decode_rate.moc"
