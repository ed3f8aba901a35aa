// analyzeAxis(): the composed one-shot analysis agrees with its parts and the analytic values.
#include "dsp/AxisAnalyzer.h"

#include "TestSignals.h"

#include <QtTest>

#include <cmath>
#include <numbers>

using namespace vibra::dsp;

class TstDspAnalysis : public QObject {
    Q_OBJECT
private slots:
    void oneGSine() {
        AnalysisOptions o;
        o.severityPreset = "iso10816-3/group2/rigid";
        const auto x = test::sine(16000 * 4, 16000.0, 100.0, 1.0, 0.0, 1.0);
        const AxisAnalysis r = analyzeAxis(x, 16000.0, o);
        QVERIFY(std::abs(r.moments.mean - 1.0) < 1e-6);
        QVERIFY(std::abs(r.moments.kurtosis - 1.5) < 1e-3);
        QVERIFY(std::abs(r.velocityRmsMmS / 11.036 - 1) < 0.005);
        QVERIFY(std::abs(r.accelerationRms / std::sqrt(0.5) - 1) < 1e-3);
        QCOMPARE(r.zone, SeverityZone::D); // 11 mm/s > 4.5
        QVERIFY(r.velocityBandResolved);   // 3.9 Hz lines for a 10 Hz edge
        AnalysisOptions low = o;
        low.velocityLowHz = 2;
        QVERIFY(!analyzeAxis(x, 16000.0, low).velocityBandResolved);
        low.spectrum.fftSize = fftSizeForLowEdge(16000.0, 2);
        const AxisAnalysis fine = analyzeAxis(x, 16000.0, low);
        QVERIFY(fine.velocityBandResolved);
        QVERIFY(std::abs(fine.velocityRmsMmS / 11.036 - 1) < 0.005);
        QVERIFY(std::abs(r.spectrum.frequency(r.dominantLine) - 100.0) <= r.spectrum.binHz);
        // Interpolated: 100 Hz is 0.4 line off line 26 (101.56 Hz); 1 g 0-pk reads 0.7071 g RMS.
        QVERIFY(std::abs(r.dominant.frequencyHz - 100.0) < 1e-3 * r.spectrum.binHz);
        QVERIFY(std::abs(r.dominant.rms / std::sqrt(0.5) - 1) < 1e-4);
        QCOMPARE(r.peaks.size(), std::size_t{5}); // the tone, then sidelobe / rounding maxima far below it
        QCOMPARE(r.peaks[0].line, r.dominantLine);
        QVERIFY(r.peaks[1].rms < 1e-2 * r.peaks[0].rms);
        QCOMPARE(r.spectrum.frames, std::uint64_t((x.size() - 4096) / 2048 + 1));
        QVERIFY(!r.envelope);
        // A 0.1 g sine is 1.10 mm/s: zone A for group 2 rigid (A/B 1.4).
        const AxisAnalysis small = analyzeAxis(test::sine(16000 * 4, 16000.0, 100.0, 0.1), 16000.0, o);
        QCOMPARE(small.zone, SeverityZone::A);
    }

    void envelopeAndBearing() {
        AnalysisOptions o;
        o.envelope = EnvelopeConfig{};
        o.envelope->bandLowHz = 2000;
        o.envelope->bandHighHz = 4000;
        o.envelope->spectrum.averages = 0;
        o.bearing = BearingGeometry{9, 7.94, 39.04, 0.0};
        o.shaftHz = 30;
        // AM at BPFO.
        const double bpfo = 107.54;
        std::vector<float> x(16000 * 8);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double t = double(i) / 16000.0;
            x[i] = float((1 + std::cos(2 * std::numbers::pi * bpfo * t)) *
                         std::sin(2 * std::numbers::pi * 3000 * t));
        }
        const AxisAnalysis r = analyzeAxis(x, 16000.0, o);
        QVERIFY(r.envelope);
        QCOMPARE(r.bearingPeaks.size(), std::size_t{5});
        QVERIFY(std::abs(r.bearingPeaks[1].foundHz - bpfo) <= 0.05 * r.envelope->binHz);
        QVERIFY(r.bearingPeaks[1].ratioDb > 30);
        // (1 + cos)^2 in the squared envelope: BPFO and its 2x, no 3x; nothing at the other lines.
        QVERIFY(r.bearingPeaks[1].detected);
        QVERIFY(r.bearingPeaks[1].harmonics.at(0).present);
        QVERIFY(!r.bearingPeaks[1].harmonics.at(1).present);
        for (std::size_t i : {0u, 2u, 3u, 4u})
            QVERIFY(!r.bearingPeaks[i].detected);
        // Whole record, >= 8 frames at the finest power of two: 8 s at 8 kHz envelope rate -> 8192 points.
        QCOMPARE(r.envelope->fftSize, std::size_t{8192});
        QVERIFY(r.envelope->frames >= 8);
        QVERIFY(std::abs(r.envelopePeaks.at(0).frequencyHz - bpfo) < 0.05 * r.envelope->binHz);
        // The shaft harmonics are searched too (none in this signal: not found or at the floor).
        QCOMPARE(r.shaftHarmonics.size(), std::size_t{3});
        for (const auto& h : r.shaftHarmonics)
            QVERIFY(!h.found || h.marginDb < 10);
    }

    void errors() {
        AnalysisOptions o;
        const std::vector<float> shortRecord(1000, 0.0f);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analyzeAxis(shortRecord, 16000.0, o));
        const std::vector<float> x(8192, 0.0f);
        o.severityPreset = "nope";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analyzeAxis(x, 16000.0, o));
        o.severityPreset.clear();
        o.bearing = BearingGeometry{9, 7.94, 39.04, 0.0};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analyzeAxis(x, 16000.0, o));
        const AxisAnalysis silent = analyzeAxis(x, 16000.0, AnalysisOptions{});
        QCOMPARE(silent.velocityRmsMmS, 0.0);
        QCOMPARE(silent.zone, SeverityZone::Unknown);
    }
};

QTEST_GUILESS_MAIN(TstDspAnalysis)
#include "tst_dsp_analysis.moc"
