// Decimator: measured response on swept tones (ripple <= 0.1 dB up to 0.8 x output Nyquist, >= 60 dB on every
// frequency folding into that band), reported group delay, bit-identical streaming, reference convolution.
#include "dsp/Decimator.h"

#include "TestSignals.h"

#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>

using namespace vibra::dsp;
using namespace vibra::dsp::test;

namespace {

struct Fit {
    double gain = 0;
    double phase = 0; // radians, of y relative to sin(2 pi f m R + phi0)
};

// Runs a unit sine of frequency f (cycles per input sample) through a fresh decimator and fits the settled
// output y[m] = a sin(w m R + phi0) + b cos(w m R + phi0) by least squares.
Fit measure(std::size_t factor, double f, std::size_t outputs = 256) {
    Decimator d(factor);
    double impulse = 1;
    double scale = 1;
    for (const auto& s : d.stages()) {
        impulse += double(s.length() - 1) * scale;
        scale *= double(s.factor());
    }
    const std::size_t settle = std::size_t(std::ceil(impulse / double(factor))) + 2;
    const std::size_t total = (settle + outputs) * factor;
    const double phi0 = 0.3;
    std::vector<float> x(total);
    for (std::size_t n = 0; n < total; ++n)
        x[n] = float(std::sin(2 * std::numbers::pi * f * double(n) + phi0));
    std::vector<float> y;
    d.process(x, y);
    double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
    for (std::size_t m = settle; m < settle + outputs; ++m) {
        const double t = 2 * std::numbers::pi * f * double(m * factor) + phi0;
        const double s = std::sin(t), c = std::cos(t);
        ss += s * s;
        cc += c * c;
        sc += s * c;
        ys += y[m] * s;
        yc += y[m] * c;
    }
    const double det = ss * cc - sc * sc;
    double a, b;
    if (det < 1e-9 * ss * cc) { // regressors collinear (alias at DC or output Nyquist): one-term fit
        a = ys / ss;
        b = 0;
    } else {
        a = (ys * cc - yc * sc) / det;
        b = (yc * ss - ys * sc) / det;
    }
    return {std::hypot(a, b), std::atan2(b, a)};
}

} // namespace

class TstDspDecimator : public QObject {
    Q_OBJECT
private slots:
    void rejectsBadFactor() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Decimator(std::size_t{0}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Decimator(std::size_t{65}));
        QCOMPARE(Decimator::stageFactors(16), (std::vector<std::size_t>{4, 4}));
        QCOMPARE(Decimator::stageFactors(64), (std::vector<std::size_t>{4, 4, 4}));
        QCOMPARE(Decimator::stageFactors(8), (std::vector<std::size_t>{4, 2}));
        QCOMPARE(Decimator::stageFactors(60), (std::vector<std::size_t>{5, 3, 4}));
        QCOMPARE(Decimator::stageFactors(61), (std::vector<std::size_t>{61}));
        Decimator one(std::size_t{1});
        std::vector<float> out;
        const std::vector<float> in = {1, 2, 3};
        QCOMPARE(one.process(in, out), std::size_t{3});
        QCOMPARE(out, in);
    }

    void sweptToneResponse_data() {
        QTest::addColumn<int>("factor");
        for (int f : {2, 3, 4, 5, 8, 12, 16, 32, 61, 64})
            QTest::newRow(qPrintable(QString("div%1").arg(f))) << f;
    }

    void sweptToneResponse() {
        QFETCH(int, factor);
        const double fo = 1.0 / factor;   // output rate (input rate = 1)
        const double pass = 0.8 * fo / 2; // 0.8 x output Nyquist
        double gmin = 1e9, gmax = -1e9;
        for (int i = 0; i <= 24; ++i) {
            const double f = pass * (i == 0 ? 0.013 : double(i) / 24);
            const double g = toDb(measure(factor, f).gain);
            gmin = std::min(gmin, g);
            gmax = std::max(gmax, g);
        }
        QVERIFY2(gmax - gmin <= 0.1 && gmax <= 0.05 && gmin >= -0.05,
                 qPrintable(QString("ripple %1 .. %2 dB").arg(gmin).arg(gmax)));
        // Everything that folds into [0, pass]: |f - m fo| <= pass, m >= 1, f <= 0.5.
        double worst = -1e9, worstF = 0;
        for (int m = 1; m * fo - pass < 0.5; ++m) {
            for (int i = 0; i <= 10; ++i) {
                const double f = m * fo - pass + 2 * pass * (double(i) + (i == 5 ? 0.037 : 0.0)) / 10;
                if (f <= 0 || f > 0.5 || f < pass)
                    continue;
                const double g = toDb(measure(factor, f, 128).gain);
                if (g > worst) {
                    worst = g;
                    worstF = f;
                }
            }
        }
        QVERIFY2(worst <= -60, qPrintable(QString("worst alias %1 dB at %2 fs").arg(worst).arg(worstF)));
        qInfo("factor %d: ripple %.4f dB, worst alias rejection %.1f dB, %zu stages, %.1f MAC/input sample",
              factor, gmax - gmin, -worst, Decimator(std::size_t(factor)).stages().size(),
              Decimator(std::size_t(factor)).macsPerInputSample());
    }

    // The phase of pass-band tones gives the delay: it must equal the reported group delay.
    void groupDelayAsReported() {
        for (std::size_t factor : {2u, 4u, 16u, 64u, 12u}) {
            Decimator d(factor);
            const double reported = d.groupDelayInputSamples();
            QCOMPARE(d.groupDelayOutputSamples(), reported / double(factor));
            QCOMPARE(d.groupDelaySeconds(16000.0), reported / 16000.0);
            // A tone slow enough that w D < pi gives an unambiguous first estimate; faster tones are
            // unwrapped against it (their phase alone is only known modulo 2 pi).
            const double f0 = 0.25 / (reported + 1.0);
            const double first = -measure(factor, f0, 64).phase / (2 * std::numbers::pi * f0);
            QVERIFY2(std::abs(first - reported) < 0.01,
                     qPrintable(QString("factor %1: %2 vs %3").arg(factor).arg(first).arg(reported)));
            const double fo = 1.0 / double(factor);
            for (double frac : {0.05, 0.2, 0.37}) {
                const double f = frac * fo;
                const Fit fit = measure(factor, f);
                // y = sin(w (mR - D) + phi0)  ->  fitted phase = -w D (mod 2 pi)
                double measured = -fit.phase / (2 * std::numbers::pi * f);
                measured += std::round((first - measured) * f) / f;
                QVERIFY2(std::abs(measured - reported) < 0.01,
                         qPrintable(QString("factor %1 f %2: measured %3 reported %4")
                                        .arg(factor)
                                        .arg(f)
                                        .arg(measured)
                                        .arg(reported)));
            }
        }
    }

    // Random block sizes (including empty and single samples) give bit-identical output.
    void blockBoundaryInvariance() {
        for (std::size_t factor : {2u, 3u, 4u, 16u, 64u}) {
            const auto x = gaussian(50000, 1.0, factor);
            Decimator whole(factor);
            std::vector<float> a;
            whole.process(x, a);
            QCOMPARE(a.size(), (x.size() + factor - 1) / factor); // outputs at n = 0, R, 2R, ...
            Decimator pieces(factor);
            std::vector<float> b;
            std::mt19937 rng{static_cast<unsigned>(factor)};
            std::size_t pos = 0;
            while (pos < x.size()) {
                const std::size_t len =
                    std::min<std::size_t>(x.size() - pos, (rng() % 4 == 0) ? rng() % 3 : rng() % 9000);
                pieces.process(std::span(x).subspan(pos, len), b);
                pos += len;
            }
            QCOMPARE(b.size(), a.size());
            QVERIFY(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
            pieces.reset();
            std::vector<float> c;
            pieces.process(x, c);
            QVERIFY(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) == 0);
        }
    }

    void nonFiniteInput() {
        for (std::size_t factor : {1u, 4u}) {
            auto x = gaussian(4000, 1.0, 1);
            x[7] = std::numeric_limits<float>::quiet_NaN();
            x[999] = -std::numeric_limits<float>::infinity();
            Decimator d(factor);
            std::vector<float> y;
            d.process(x, y);
            QCOMPARE(d.nonFiniteSamples(), std::uint64_t{2});
            for (float v : y)
                QVERIFY(std::isfinite(v));
        }
        Decimator d(std::size_t{4});
        std::vector<float> small(2);
        const std::vector<float> in(100, 1.0f);
        QVERIFY_THROWS_EXCEPTION(std::length_error, d.process(in, std::span<float>(small)));
    }

    // Element-wise against a direct double-precision cascade of the same taps (upfirdn semantics).
    void matchesReferenceConvolution() {
        const std::size_t factor = 16;
        Decimator d(factor);
        const auto x = gaussian(20000, 1.0, 77);
        std::vector<float> y;
        d.process(x, y);
        std::vector<double> cur(x.begin(), x.end());
        for (const auto& s : d.stages()) {
            const auto& h = s.taps();
            std::vector<double> next;
            for (std::size_t n = 0; n < cur.size(); n += s.factor()) {
                double acc = 0;
                for (std::size_t k = 0; k < h.size() && k <= n; ++k)
                    acc += h[k] * cur[n - k];
                next.push_back(acc);
            }
            cur.swap(next);
        }
        QCOMPARE(y.size(), cur.size());
        double maxErr = 0;
        for (std::size_t i = 0; i < y.size(); ++i)
            maxErr = std::max(maxErr, std::abs(y[i] - cur[i]));
        QVERIFY2(maxErr < 2e-6, qPrintable(QString::number(maxErr)));
    }
};

QTEST_GUILESS_MAIN(TstDspDecimator)
#include "tst_dsp_decimator.moc"
