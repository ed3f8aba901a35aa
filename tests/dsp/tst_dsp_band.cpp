// Band metrics: inclusive bin-centre convention, edges, velocity integration against hand-computed sums.
#include "dsp/BandMetrics.h"
#include "dsp/Moments.h"

#include <QtTest>

#include <cmath>
#include <numbers>

using namespace vibra::dsp;

namespace {
Spectrum ramp(double fs = 1000, std::size_t n = 1000) {
    Spectrum s;
    s.sampleRate = fs;
    s.fftSize = n;
    s.binHz = fs / double(n);
    s.enbwHz = 1.5 * s.binHz;
    s.psd.resize(n / 2 + 1);
    for (std::size_t k = 0; k < s.psd.size(); ++k)
        s.psd[k] = float(k + 1); // line k at k Hz
    return s;
}
double sumLines(const Spectrum& s, std::size_t a, std::size_t b) {
    double t = 0;
    for (std::size_t k = a; k <= b; ++k)
        t += s.psd[k];
    return t;
}
} // namespace

class TstDspBand : public QObject {
    Q_OBJECT
private slots:
    void inclusiveEdges() {
        const Spectrum s = ramp();
        QCOMPARE(bandLines(s, 10, 20), std::make_pair(std::size_t{10}, std::size_t{20}));
        QCOMPARE(bandLines(s, 9.5, 20.5), std::make_pair(std::size_t{10}, std::size_t{20}));
        QCOMPARE(bandLines(s, 0, 1e9), std::make_pair(std::size_t{0}, std::size_t{500}));
        QCOMPARE(bandLines(s, 10.2, 10.8).first > bandLines(s, 10.2, 10.8).second, true); // no line inside
        QCOMPARE(bandRms(s, 10.2, 10.8), 0.0);
        QCOMPARE(bandRms(s, 20, 10), 0.0);
        QVERIFY(std::abs(bandRms(s, 10, 20) - std::sqrt(sumLines(s, 10, 20) * 1.0)) < 1e-12);
        // Edge arithmetic with a non-integer bin width: 16 kHz / 4096, 1000 Hz is exactly line 256.
        Spectrum t = ramp(16000, 4096);
        QCOMPARE(bandLines(t, 10, 1000), std::make_pair(std::size_t{3}, std::size_t{256}));
        QCOMPARE(bandLines(t, 3 * t.binHz, 1000), std::make_pair(std::size_t{3}, std::size_t{256}));
    }

    void velocityWeighting() {
        const Spectrum s = ramp();
        double expected = 0;
        for (std::size_t k = 1; k <= 30; ++k)
            expected += s.psd[k] / std::pow(2 * std::numbers::pi * double(k), 2);
        expected = 1000 * std::sqrt(expected * 9.80665 * 9.80665);
        QVERIFY(std::abs(velocityRmsMmPerS(s, 0, 30, 9.80665) / expected - 1) < 1e-12); // DC skipped
        QVERIFY(std::isfinite(velocityRmsMmPerS(s, 0, 0, 1.0)));
        QCOMPARE(velocityRmsMmPerS(s, 0, 0, 1.0), 0.0);
        QCOMPARE(velocityRmsMmPerS(s, 2.0), velocityRmsMmPerS(s, 10, 1000, 2.0)); // default band 10-1000 Hz
    }

    void fftSizeForBand() {
        QCOMPARE(fftSizeForLowEdge(16000, 2), std::size_t{16384});
        QCOMPARE(fftSizeForLowEdge(16000, 10), std::size_t{4096});
        QCOMPARE(fftSizeForLowEdge(1000, 1000), std::size_t{256});
        QCOMPARE(fftSizeForLowEdge(100000, 0.1), std::size_t{65536});
    }

    void vectorSum() {
        Moments m[3];
        m[0].rms = 1;
        m[1].rms = 2;
        m[2].rms = 2;
        QCOMPARE(vectorSumRms(m), 3.0);
        QCOMPARE(vectorSumRms({}), 0.0);
    }
};

QTEST_GUILESS_MAIN(TstDspBand)
#include "tst_dsp_band.moc"
