// SpectrumAnalyzer against analytic values: on-bin tone amplitude per window, Parseval, flat-top scalloping,
// white-noise level, velocity of a 1 g / 100 Hz sine, averaging modes, streaming invariance, backend
// agreement.
#include "dsp/BandMetrics.h"
#include "dsp/SpectrumAnalyzer.h"
#include "dsp/Window.h"

#include "TestSignals.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace vibra::dsp;
using namespace vibra::dsp::test;

namespace {

const WindowType kAll[] = {WindowType::Rectangular, WindowType::Hann, WindowType::Hamming,
                           WindowType::BlackmanHarris, WindowType::FlatTop};
const FftBackend kBackends[] = {FftBackend::Fftw, FftBackend::Kiss};

SpectrumConfig linearConfig(std::size_t n, WindowType w, FftBackend b, std::size_t averages = 0) {
    SpectrumConfig c;
    c.fftSize = n;
    c.window = w;
    c.averaging = Averaging::Linear;
    c.averages = averages;
    c.backend = b;
    return c;
}

std::size_t argmax(const std::vector<float>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

} // namespace

class TstDspSpectrum : public QObject {
    Q_OBJECT
private slots:
    void rejectsBadConfig() {
        SpectrumConfig c;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SpectrumAnalyzer(c, 0.0));
        c.fftSize = 128;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SpectrumAnalyzer(c, 16000.0));
        c.fftSize = 131072;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SpectrumAnalyzer(c, 16000.0));
        c.fftSize = 4097;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SpectrumAnalyzer(c, 16000.0));
        c.fftSize = 4096;
        c.overlap = 0.95;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SpectrumAnalyzer(c, 16000.0));
        c.overlap = 0.5;
        c.averages = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, SpectrumAnalyzer(c, 16000.0));
    }

    void axisAndEnbw() {
        SpectrumAnalyzer a(linearConfig(4096, WindowType::Hann, FftBackend::Fftw), 16000.0);
        const Spectrum& s = a.spectrum();
        QCOMPARE(s.psd.size(), std::size_t{2049});
        QCOMPARE(s.peakHold.size(), std::size_t{2049});
        QCOMPARE(s.frames, std::uint64_t{0});
        QCOMPARE(s.binHz, 16000.0 / 4096.0);
        QCOMPARE(s.frequency(2048), 8000.0);
        QVERIFY(std::abs(s.enbwHz / (1.5 * s.binHz) - 1) < 1e-6); // window stored as float
        QCOMPARE(a.hop(), std::size_t{2048});
    }

    // A bin-centred sine of 0-pk amplitude A reads A at its line (sqrt(2 * P_density * ENBW)), any window.
    void onBinToneAmplitude() {
        const double fs = 16000, n = 3200; // bin 5 Hz, 100 Hz = line 20
        for (FftBackend b : kBackends) {
            for (WindowType w : kAll) {
                SpectrumAnalyzer a(linearConfig(3200, w, b), fs);
                const auto x = sine(3200 * 4, fs, 100.0, 1.0, 0.3);
                QCOMPARE(a.push(x), std::size_t{7}); // 4 records, 50 % overlap
                const Spectrum& s = a.spectrum();
                QCOMPARE(argmax(s.psd), std::size_t{20});
                QVERIFY2(std::abs(s.linePeak(20) - 1.0) < 1e-4,
                         qPrintable(QString::number(s.linePeak(20), 'g', 9)));
                QVERIFY(std::abs(s.lineRms(20) - std::sqrt(0.5)) < 1e-4);
                (void)n;
            }
        }
    }

    // Parseval on density: sum P * df equals the window-weighted mean square of the (mean-removed) frame.
    void parsevalDensity() {
        const double fs = 16000;
        for (FftBackend b : kBackends) {
            for (WindowType wt : kAll) {
                // On-bin sine: exactly A^2/2.
                SpectrumAnalyzer a(linearConfig(4096, wt, b), fs);
                a.push(sine(4096, fs, 125.0 * 4, 1.0, 0.7, 0.25)); // 500 Hz = line 128, plus DC offset
                double sum = 0;
                for (float p : a.spectrum().psd)
                    sum += p;
                sum *= a.spectrum().binHz;
                QVERIFY2(std::abs(sum - 0.5) < 1e-4 * 0.5, qPrintable(QString::number(sum, 'g', 9)));

                // Noise: independent computation of sum (w (x - mu_w))^2 / S2 in double.
                SpectrumAnalyzer an(linearConfig(4096, wt, b), fs);
                const auto x = gaussian(4096, 0.3, 7, 1.0);
                an.push(x);
                const auto w = makeWindow(wt, 4096);
                double s1 = 0, s2 = 0, swx = 0;
                for (std::size_t i = 0; i < 4096; ++i) {
                    s1 += w[i];
                    s2 += double(w[i]) * w[i];
                    swx += double(w[i]) * x[i];
                }
                const double mu = swx / s1;
                double e = 0;
                for (std::size_t i = 0; i < 4096; ++i)
                    e += std::pow(double(w[i]) * (x[i] - mu), 2);
                e /= s2;
                double got = 0;
                for (float p : an.spectrum().psd)
                    got += p;
                got *= an.spectrum().binHz;
                QVERIFY2(std::abs(got - e) < 1e-4 * e, qPrintable(QString("%1 vs %2").arg(got).arg(e)));
            }
        }
    }

    // Flat-top: a tone anywhere between two lines reads within 0.02 dB at the highest line.
    void flatTopScalloping() {
        const double fs = 16000;
        const std::size_t n = 4096;
        const double bin = fs / n;
        double worst = 0;
        for (int step = 0; step <= 20; ++step) {
            const double f = (100 + step / 20.0) * bin;
            SpectrumAnalyzer a(linearConfig(n, WindowType::FlatTop, FftBackend::Fftw), fs);
            a.push(sine(n, fs, f, 2.0, 0.1 * step));
            const std::size_t k = argmax(a.spectrum().psd);
            worst = std::max(worst, std::abs(toDb(a.spectrum().linePeak(k) / 2.0)));
        }
        QVERIFY2(worst <= 0.02, qPrintable(QString::number(worst)));
        // Hann under-reads at half a bin by about 1.42 dB (reference table): proves the test can fail.
        SpectrumAnalyzer h(linearConfig(n, WindowType::Hann, FftBackend::Fftw), fs);
        h.push(sine(n, fs, 100.5 * bin, 2.0));
        const double hannErr = toDb(h.spectrum().linePeak(argmax(h.spectrum().psd)) / 2.0);
        QVERIFY(hannErr < -1.3 && hannErr > -1.5);
    }

    // White noise of variance sigma^2: one-sided density 2 sigma^2 / fs on every line but DC/Nyquist.
    void whiteNoiseLevel() {
        const double fs = 10000, sigma = 0.5;
        SpectrumAnalyzer a(linearConfig(1024, WindowType::Hann, FftBackend::Fftw), fs);
        const auto x = gaussian(1024 * 200, sigma, 42);
        a.push(x);
        const Spectrum& s = a.spectrum();
        double mean = 0;
        for (std::size_t k = 2; k + 1 < s.psd.size(); ++k)
            mean += s.psd[k];
        mean /= double(s.psd.size() - 3);
        const double expected = 2 * sigma * sigma / fs;
        QVERIFY2(std::abs(mean / expected - 1) < 0.01, qPrintable(QString::number(mean / expected)));
        // Band RMS over the whole spectrum recovers sigma.
        QVERIFY(std::abs(bandRms(s, 0, fs / 2) / sigma - 1) < 0.01);
    }

    // 1 g 0-pk at 100 Hz -> 11.036 mm/s RMS, 10-1000 Hz, Hann 4096 at 16 kHz (tone 0.4 bin off-centre).
    void velocityOfOneG() {
        for (FftBackend b : kBackends) {
            SpectrumAnalyzer a(linearConfig(4096, WindowType::Hann, b), 16000.0);
            a.push(sine(4096 * 8, 16000.0, 100.0, 1.0, 0.0, 1.0)); // with 1 g of gravity
            const double v = velocityRmsMmPerS(a.spectrum(), 10, 1000, kStandardGravity);
            QVERIFY2(std::abs(v / 11.036 - 1) < 0.005, qPrintable(QString::number(v, 'g', 6)));
            // 2-1000 Hz needs resolution: nperseg 16384 (about 1 Hz).
            SpectrumAnalyzer fine(linearConfig(16384, WindowType::Hann, b), 16000.0);
            fine.push(sine(16384 * 3, 16000.0, 100.0, 1.0, 0.0, 1.0));
            const double v2 = velocityRmsMmPerS(fine.spectrum(), 2, 1000, kStandardGravity);
            QVERIFY2(std::abs(v2 / 11.036 - 1) < 0.005, qPrintable(QString::number(v2, 'g', 6)));
            // Off-bin tone, band RMS over peak +-3 lines: 0.7071 g.
            const auto k = argmax(a.spectrum().psd);
            const double br =
                bandRms(a.spectrum(), a.spectrum().frequency(k - 3), a.spectrum().frequency(k + 3));
            QVERIFY(std::abs(br / std::sqrt(0.5) - 1) < 1e-3);
        }
    }

    void linearAverageIsMeanAndHolds() {
        SpectrumConfig c = linearConfig(256, WindowType::Hann, FftBackend::Fftw, 3);
        SpectrumAnalyzer a(c, 1000.0);
        const auto x = gaussian(256 * 10, 1.0, 3);
        std::vector<double> sum(129, 0.0);
        std::vector<float> peak(129, 0.0f);
        std::size_t pushed = 0, frames = 0;
        while (frames < 5) {
            const std::size_t done = a.push(std::span(x).subspan(pushed, 128));
            pushed += 128;
            if (done) {
                QCOMPARE(done, std::size_t{1});
                ++frames;
                for (std::size_t k = 0; k < 129; ++k) {
                    if (frames <= 3)
                        sum[k] += a.lastFrame()[k];
                    peak[k] = std::max(peak[k], a.lastFrame()[k]);
                }
            }
        }
        QCOMPARE(a.spectrum().frames, std::uint64_t{3}); // held after 3 frames
        for (std::size_t k = 0; k < 129; ++k) {
            QVERIFY(std::abs(a.spectrum().psd[k] - sum[k] / 3) <= 1e-5 * (sum[k] / 3) + 1e-12);
            QCOMPARE(a.spectrum().peakHold[k], peak[k]);
        }
        a.reset();
        QCOMPARE(a.spectrum().frames, std::uint64_t{0});
        QCOMPARE(a.spectrum().peakHold[5], 0.0f);
    }

    void exponentialAverage() {
        SpectrumConfig c;
        c.fftSize = 256;
        c.overlap = 0;
        c.averages = 4;
        SpectrumAnalyzer a(c, 1000.0);
        const auto x = gaussian(256 * 12, 1.0, 5);
        std::vector<double> y(129, 0.0);
        for (std::size_t f = 0; f < 12; ++f) {
            QCOMPARE(a.push(std::span(x).subspan(f * 256, 256)), std::size_t{1});
            const double m = std::min<double>(f + 1, 4);
            for (std::size_t k = 0; k < 129; ++k)
                y[k] = (1 - 1 / m) * y[k] + a.lastFrame()[k] / m;
        }
        QCOMPARE(a.spectrum().frames, std::uint64_t{12});
        for (std::size_t k = 0; k < 129; ++k)
            QVERIFY(std::abs(a.spectrum().psd[k] - y[k]) <= 1e-5 * y[k] + 1e-12);
        // Time constant: tau = 1 s at fs 1000, hop 256 -> M = 3.90625.
        c.timeConstantS = 1.0;
        SpectrumAnalyzer t(c, 1000.0);
        QVERIFY(std::abs(t.exponentialWeight() - 1000.0 / 256.0) < 1e-12);
    }

    // Random block sizes give bit-identical spectra.
    void blockBoundaryInvariance() {
        for (double overlap : {0.0, 0.5, 0.75, 0.9}) {
            SpectrumConfig c;
            c.fftSize = 512;
            c.overlap = overlap;
            c.averages = 5;
            const auto x = gaussian(512 * 20 + 77, 1.0, 11);
            SpectrumAnalyzer whole(c, 2000.0);
            const std::size_t framesWhole = whole.push(x);
            SpectrumAnalyzer pieces(c, 2000.0);
            std::mt19937 rng(1);
            std::size_t pos = 0, framesPieces = 0;
            while (pos < x.size()) {
                const std::size_t len = std::min<std::size_t>(x.size() - pos, rng() % 700);
                framesPieces += pieces.push(std::span(x).subspan(pos, len));
                pos += len;
            }
            QCOMPARE(framesPieces, framesWhole);
            const std::size_t hop = whole.hop();
            QCOMPARE(framesWhole, (x.size() - 512) / hop + 1);
            QCOMPARE(whole.spectrum().frames, pieces.spectrum().frames);
            QVERIFY(std::memcmp(whole.spectrum().psd.data(), pieces.spectrum().psd.data(),
                                257 * sizeof(float)) == 0);
            QVERIFY(std::memcmp(whole.spectrum().peakHold.data(), pieces.spectrum().peakHold.data(),
                                257 * sizeof(float)) == 0);
        }
    }

    // NaN / Inf samples are replaced by 0 and counted: the average stays finite.
    void nonFiniteInput() {
        SpectrumConfig c;
        c.fftSize = 256;
        SpectrumAnalyzer a(c, 1000.0);
        auto x = gaussian(256 * 4, 1.0, 9);
        x[10] = std::numeric_limits<float>::quiet_NaN();
        x[300] = std::numeric_limits<float>::infinity();
        QVERIFY(a.push(x) > 0);
        QCOMPARE(a.nonFiniteSamples(), std::uint64_t{2});
        for (float p : a.spectrum().psd)
            QVERIFY(std::isfinite(p));
        // Same as feeding zeros there.
        x[10] = 0;
        x[300] = 0;
        SpectrumAnalyzer b(c, 1000.0);
        b.push(x);
        QVERIFY(std::memcmp(a.spectrum().psd.data(), b.spectrum().psd.data(), 129 * sizeof(float)) == 0);
    }

    // FFTW and KissFFT agree to ~1e-5 relative (L2 over the spectrum) for every size class.
    void backendsAgree() {
        for (std::size_t n : {256u, 1000u, 3200u, 4096u, 65536u}) {
            const auto x = gaussian(n * 2, 1.0, n, 0.5);
            SpectrumAnalyzer f(linearConfig(n, WindowType::Hann, FftBackend::Fftw), 16000.0);
            SpectrumAnalyzer k(linearConfig(n, WindowType::Hann, FftBackend::Kiss), 16000.0);
            f.push(x);
            k.push(x);
            double num = 0, den = 0;
            for (std::size_t i = 0; i < f.spectrum().psd.size(); ++i) {
                num += std::pow(double(f.spectrum().psd[i]) - k.spectrum().psd[i], 2);
                den += std::pow(double(f.spectrum().psd[i]), 2);
            }
            QVERIFY2(std::sqrt(num / den) < 1e-5,
                     qPrintable(QString("n=%1 rel=%2").arg(n).arg(std::sqrt(num / den))));
        }
    }
};

QTEST_GUILESS_MAIN(TstDspSpectrum)
#include "tst_dsp_spectrum.moc"
