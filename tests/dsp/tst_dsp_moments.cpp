// MomentAccumulator: analytic sine values, Gaussian kurtosis, naive two-pass reference in long double,
// streaming/merge invariance and a large DC offset (gravity).
#include "dsp/MomentAccumulator.h"

#include "TestSignals.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace vibra::dsp;
using namespace vibra::dsp::test;

namespace {

Moments reference(const std::vector<float>& x) {
    long double sum = 0;
    for (float v : x)
        sum += v;
    const long double mean = sum / x.size();
    long double m2 = 0, m4 = 0;
    for (float v : x) {
        const long double d = v - mean;
        m2 += d * d;
        m4 += d * d * d * d;
    }
    Moments r;
    r.count = x.size();
    r.mean = double(mean);
    r.min = *std::min_element(x.begin(), x.end());
    r.max = *std::max_element(x.begin(), x.end());
    r.rms = double(std::sqrt(m2 / x.size()));
    r.peak = std::max(r.max - r.mean, r.mean - r.min);
    r.peakToPeak = r.max - r.min;
    r.crestFactor = r.peak / r.rms;
    r.kurtosis = double((m4 / x.size()) / ((m2 / x.size()) * (m2 / x.size())));
    return r;
}

void compare(const Moments& a, const Moments& b, double tol) {
    QCOMPARE(a.count, b.count);
    QCOMPARE(a.min, b.min);
    QCOMPARE(a.max, b.max);
    QVERIFY(std::abs(a.mean - b.mean) <= tol * std::max(1.0, std::abs(b.mean)));
    QVERIFY(std::abs(a.rms - b.rms) <= tol * b.rms);
    QVERIFY(std::abs(a.peak - b.peak) <= tol * b.peak);
    QVERIFY(std::abs(a.crestFactor - b.crestFactor) <= tol * b.crestFactor);
    QVERIFY2(std::abs(a.kurtosis - b.kurtosis) <= tol * b.kurtosis,
             qPrintable(QString("%1 vs %2").arg(a.kurtosis, 0, 'g', 12).arg(b.kurtosis, 0, 'g', 12)));
}

} // namespace

class TstDspMoments : public QObject {
    Q_OBJECT
private slots:
    void empty() {
        MomentAccumulator m;
        const Moments r = m.result();
        QCOMPARE(r.count, std::uint64_t{0});
        QCOMPARE(r.rms, 0.0);
        QCOMPARE(r.kurtosis, 0.0);
        m.add(3.0f); // one sample: rms 0, no division by zero
        QCOMPARE(m.result().mean, 3.0);
        QCOMPARE(m.result().crestFactor, 0.0);
    }

    // Sine over whole periods, sampled at a phase that hits the peaks: CF sqrt(2), kurtosis 1.5, RMS
    // A/sqrt(2).
    void sineAnalytic() {
        MomentAccumulator m;
        const auto x = sine(16000, 16000.0, 100.0, 2.0, std::numbers::pi / 2, 9.80665);
        m.add(x);
        const Moments r = m.result();
        QVERIFY(std::abs(r.mean - 9.80665) < 1e-6);
        QVERIFY(std::abs(r.rms - 2.0 / std::sqrt(2.0)) < 1e-6);
        QVERIFY(std::abs(r.crestFactor - std::sqrt(2.0)) < 1e-5);
        QVERIFY(std::abs(r.kurtosis - 1.5) < 1e-6);
        QVERIFY(std::abs(r.peakToPeak - 4.0) < 1e-5);
        QVERIFY(std::abs(r.peak - 2.0) < 1e-5);
    }

    // A DC step between blocks, 1e5 x the noise (stuck or re-ranged sensor): merging stays exact.
    void dcStepBetweenBlocks() {
        auto x = gaussian(40000, 1e-5, 12);
        for (std::size_t i = 20000; i < x.size(); ++i)
            x[i] += 1.0f;
        const Moments ref = reference(x);
        MomentAccumulator m;
        for (std::size_t i = 0; i < x.size(); i += 1000)
            m.add(std::span(x).subspan(i, 1000));
        compare(m.result(), ref, 1e-6);
        // Within the second half alone (DC 1.0, noise 1e-5): kurtosis of Gaussian noise, not of the step.
        MomentAccumulator tail;
        for (std::size_t i = 20000; i < x.size(); i += 1000)
            tail.add(std::span(x).subspan(i, 1000));
        compare(tail.result(), reference(std::vector<float>(x.begin() + 20000, x.end())), 1e-6);
    }

    void nonFiniteSkippedAndCounted() {
        auto x = gaussian(5000, 1.0, 3);
        const Moments ref = reference(x);
        auto bad = x;
        bad.insert(bad.begin() + 100, std::numeric_limits<float>::quiet_NaN());
        bad.insert(bad.begin() + 2000, std::numeric_limits<float>::infinity());
        bad.push_back(-std::numeric_limits<float>::infinity());
        MomentAccumulator m;
        m.add(std::span(bad).subspan(0, 3000));
        m.add(std::span(bad).subspan(3000));
        m.add(std::numeric_limits<float>::quiet_NaN());
        const Moments r = m.result();
        QCOMPARE(r.nonFinite, std::uint64_t{4});
        compare(r, ref, 1e-9);
        MomentAccumulator other;
        other.add(std::numeric_limits<float>::quiet_NaN());
        m.merge(other);
        QCOMPARE(m.result().nonFinite, std::uint64_t{5});
    }

    void gaussianKurtosis() {
        MomentAccumulator m;
        m.add(gaussian(1 << 20, 1.0, 99));
        QVERIFY(std::abs(m.result().kurtosis - 3.0) < 0.03);
        QVERIFY(std::abs(m.result().rms - 1.0) < 0.005);
    }

    // Streaming in random chunks, single samples, and merges of disjoint runs all match a long-double
    // reference, also with a DC offset 1e4 times the AC part.
    void streamingAndMerge() {
        for (double offset : {0.0, 1000.0}) {
            auto x = gaussian(50000, 0.1, 5, offset);
            for (std::size_t i = 0; i < x.size(); i += 997)
                x[i] += 1.5f; // impacts: kurtosis well above 3
            const Moments ref = reference(x);
            QVERIFY(ref.kurtosis > 4);

            MomentAccumulator whole;
            whole.add(x);
            compare(whole.result(), ref, 1e-6);

            MomentAccumulator chunks, a, b;
            std::mt19937 rng(2);
            std::size_t pos = 0;
            while (pos < x.size()) {
                const std::size_t len = std::min<std::size_t>(x.size() - pos, rng() % 300);
                const auto part = std::span(x).subspan(pos, len);
                chunks.add(part);
                (pos < x.size() / 3 ? a : b).add(part);
                pos += len;
            }
            compare(chunks.result(), ref, 1e-6);
            a.merge(b);
            compare(a.result(), ref, 1e-6);

            MomentAccumulator single;
            for (std::size_t i = 0; i < 5000; ++i)
                single.add(x[i]);
            compare(single.result(), reference(std::vector<float>(x.begin(), x.begin() + 5000)), 1e-6);

            MomentAccumulator empty;
            a.merge(empty);
            compare(a.result(), ref, 1e-6);
            empty.merge(whole);
            compare(empty.result(), ref, 1e-6);
            whole.reset();
            QCOMPARE(whole.result().count, std::uint64_t{0});
        }
    }
};

QTEST_GUILESS_MAIN(TstDspMoments)
#include "tst_dsp_moments.moc"
