// Envelope analysis, bearing defect frequencies and the defect-peak helper.
#include "dsp/BandMetrics.h"
#include "dsp/BearingFrequencies.h"
#include "dsp/BearingVerdict.h"
#include "dsp/DefectPeakFinder.h"
#include "dsp/EnvelopeAnalyzer.h"

#include "TestSignals.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>

using namespace vibra::dsp;
using namespace vibra::dsp::test;

namespace {

std::vector<float> amTone(std::size_t n, double fs, double carrier, double mod, double depth, double amp) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = double(i) / fs;
        x[i] = float(amp * (1 + depth * std::cos(2 * std::numbers::pi * mod * t)) *
                     std::sin(2 * std::numbers::pi * carrier * t));
    }
    return x;
}

std::size_t argmaxFrom(const std::vector<float>& v, std::size_t from) {
    return std::size_t(std::max_element(v.begin() + std::ptrdiff_t(from), v.end()) - v.begin());
}

} // namespace

class TstDspEnvelope : public QObject {
    Q_OBJECT
private slots:
    void rejectsBadConfig() {
        EnvelopeConfig c;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, EnvelopeAnalyzer(c, 8000.0)); // 5 kHz > Nyquist
        c.blockSize = 3000;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, EnvelopeAnalyzer(c, 16000.0));
        c.blockSize = 4096;
        c.bandLowHz = 3000;
        c.bandHighHz = 2000;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, EnvelopeAnalyzer(c, 16000.0));
    }

    // 3 kHz carrier, 100 % AM at 87 Hz: the envelope-spectrum peak is at 87 Hz within one line, with the
    // analytic level sqrt(2) m A^2 RMS.
    void amToneGives87Hz() {
        for (FftBackend b : {FftBackend::Fftw, FftBackend::Kiss}) {
            EnvelopeConfig c;
            c.bandLowHz = 2000;
            c.bandHighHz = 4000;
            c.spectrum.backend = b;
            c.spectrum.averages = 0; // linear over everything
            EnvelopeAnalyzer e(c, 16000.0);
            const double amp = 0.5;
            const auto x = amTone(16000 * 10, 16000.0, 3000.0, 87.0, 1.0, amp);
            QVERIFY(e.push(x) > 0);
            const Spectrum& s = e.spectrum();
            QCOMPARE(s.sampleRate, e.envelopeRate());
            const std::size_t k = argmaxFrom(s.psd, 1);
            QVERIFY2(std::abs(s.frequency(k) - 87.0) <= s.binHz,
                     qPrintable(QString("peak %1 Hz, bin %2").arg(s.frequency(k)).arg(s.binHz)));
            const double level = bandRms(s, 87.0 - 4 * s.binHz, 87.0 + 4 * s.binHz);
            QVERIFY2(std::abs(level / (std::sqrt(2.0) * amp * amp) - 1) < 0.01,
                     qPrintable(QString::number(level)));
            // Second harmonic of the squared envelope: (m^2/2) A^2 cos 2wt -> RMS m^2 A^2 / (2 sqrt 2).
            const double h2 = bandRms(s, 174.0 - 4 * s.binHz, 174.0 + 4 * s.binHz);
            QVERIFY(std::abs(h2 / (amp * amp / (2 * std::sqrt(2.0))) - 1) < 0.02);
            // A tone outside the band contributes nothing.
            EnvelopeAnalyzer quiet(c, 16000.0);
            quiet.push(amTone(16000 * 4, 16000.0, 500.0, 87.0, 1.0, 1.0));
            QVERIFY(bandRms(quiet.spectrum(), 80, 95) < 1e-3 * std::sqrt(2.0));
        }
    }

    void streamingInvariance() {
        EnvelopeConfig c;
        c.bandLowHz = 1500;
        c.bandHighHz = 3500;
        c.blockSize = 2048;
        c.spectrum.fftSize = 1024;
        const auto x = gaussian(100000, 1.0, 8);
        EnvelopeAnalyzer whole(c, 10000.0);
        const std::size_t fw = whole.push(x);
        EnvelopeAnalyzer pieces(c, 10000.0);
        std::mt19937 rng(4);
        std::size_t pos = 0, fp = 0;
        while (pos < x.size()) {
            const std::size_t len = std::min<std::size_t>(x.size() - pos, rng() % 3000);
            fp += pieces.push(std::span(x).subspan(pos, len));
            pos += len;
        }
        QCOMPARE(fp, fw);
        QVERIFY(fw > 10);
        QCOMPARE(whole.nonFiniteSamples(), std::uint64_t{0});
        auto bad = x;
        bad[5000] = std::numeric_limits<float>::quiet_NaN();
        EnvelopeAnalyzer withNan(c, 10000.0);
        withNan.push(bad);
        QCOMPARE(withNan.nonFiniteSamples(), std::uint64_t{1});
        for (float p : withNan.spectrum().psd)
            QVERIFY(std::isfinite(p));
        QVERIFY(std::memcmp(whole.spectrum().psd.data(), pieces.spectrum().psd.data(),
                            whole.spectrum().psd.size() * sizeof(float)) == 0);
    }

    // 6205 at 1800 r/min (dsp.md section 9).
    void bearingFrequencies6205() {
        const BearingGeometry g{9, 7.94, 39.04, 0.0};
        const auto f = BearingFrequencies::compute(g, 30.0);
        QVERIFY(f.has_value());
        QVERIFY(std::abs(f->ftfHz - 11.95) < 0.01);
        QVERIFY(std::abs(f->bpfoHz - 107.54) < 0.01);
        QVERIFY(std::abs(f->bpfiHz - 162.46) < 0.01);
        QVERIFY(std::abs(f->bsfHz - 70.70) < 0.01);
        QVERIFY(std::abs(f->bpfoHz / 30 - 3.5848) < 1e-4);
        // Contact angle reduces k.
        const auto a = BearingFrequencies::compute(BearingGeometry{9, 7.94, 39.04, 40.0}, 30.0);
        QVERIFY(a->bpfoHz > f->bpfoHz && a->bpfiHz < f->bpfiHz);
        QVERIFY(!BearingFrequencies::compute(BearingGeometry{0, 7.94, 39.04, 0}, 30.0));
        QVERIFY(!BearingFrequencies::compute(g, 0.0));
        QVERIFY(!BearingFrequencies::compute(BearingGeometry{9, 40, 39, 0}, 30.0));
    }

    // Synthetic outer-race defect: decaying 3.2 kHz bursts at BPFO (1 % slip) in noise. BPFO stands out, the
    // others do not.
    void outerRaceDefectFound() {
        const double fs = 16000;
        const auto f = *BearingFrequencies::compute(BearingGeometry{9, 7.94, 39.04, 0.0}, 30.0);
        const double bpfo = f.bpfoHz * 0.99;
        auto x = gaussian(std::size_t(fs * 20), 0.05, 21);
        for (double t0 = 0.01; t0 < 20; t0 += 1 / bpfo) {
            const auto start = std::size_t(t0 * fs);
            for (std::size_t i = 0; i < 200 && start + i < x.size(); ++i) {
                const double t = double(i) / fs;
                x[start + i] += float(std::exp(-t * 1500) * std::sin(2 * std::numbers::pi * 3200 * t));
            }
        }
        EnvelopeConfig c;
        c.bandLowHz = 2500;
        c.bandHighHz = 4500;
        c.spectrum.fftSize = 8192;
        c.spectrum.averages = 0;
        EnvelopeAnalyzer e(c, fs);
        e.push(x);
        const auto peaks = assessBearing(e.spectrum(), f);
        QCOMPARE(peaks.size(), std::size_t{5});
        QCOMPARE(QString::fromStdString(peaks[1].name), QString("BPFO"));
        QVERIFY(peaks[1].found);
        QVERIFY2(std::abs(peaks[1].foundHz - bpfo) <= 0.05 * e.spectrum().binHz,
                 qPrintable(QString("%1 vs %2").arg(peaks[1].foundHz).arg(bpfo)));
        QVERIFY(std::abs(peaks[1].offsetPct + 1.0) < 0.05);
        QVERIFY2(peaks[1].ratioDb > 20, qPrintable(QString::number(peaks[1].ratioDb)));
        QVERIFY(peaks[1].detected);
        for (std::size_t i : {0u, 2u, 3u, 4u}) {
            QVERIFY2(!peaks[i].detected, qPrintable(QString::fromStdString(peaks[i].name)));
            QVERIFY2(peaks[i].ratioDb < 10,
                     qPrintable(
                         QString("%1 %2").arg(QString::fromStdString(peaks[i].name)).arg(peaks[i].ratioDb)));
        }
    }

    void peakHelperEdges() {
        Spectrum s;
        s.binHz = 1;
        s.fftSize = 200;
        s.enbwHz = 1.5;
        s.psd.assign(101, 1.0f);
        s.psd[50] = 100;
        const DefectPeak p = findPeakNear(s, 49.2, PeakSearch{0.03, 1, 10, 2});
        QVERIFY(p.found);
        QCOMPARE(p.line, std::size_t{50});
        QVERIFY(std::abs(p.ratioDb - 20) < 1e-9);
        QVERIFY(std::abs(p.foundHz - 50) < 1e-9);                          // symmetric neighbours: centred
        QVERIFY(!findPeakNear(s, 47.0, PeakSearch{0.03, 1, 10, 2}).found); // 50 is outside 47 +- 1.41
        QVERIFY(!findPeakNear(s, 500, {}).found);
        QVERIFY(!findPeakNear(s, -1, {}).found);
        QVERIFY(!findPeakNear(Spectrum{}, 10, {}).found);
    }
};

QTEST_GUILESS_MAIN(TstDspEnvelope)
#include "tst_dsp_envelope.moc"
