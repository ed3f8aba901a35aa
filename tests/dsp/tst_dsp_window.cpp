// Windows: periodic definitions, names, and ENBW / coherent gain against the definition (DTFT integral) and
// the reference table (dsp.md section 1, scipy, N = 4096).
#include "dsp/Window.h"
#include "dsp/WindowType.h"

#include <QtTest>

#include <cmath>
#include <complex>
#include <numbers>

using namespace vibra::dsp;

namespace {
const WindowType kAll[] = {WindowType::Rectangular, WindowType::Hann, WindowType::Hamming,
                           WindowType::BlackmanHarris, WindowType::FlatTop};
}

class TstDspWindow : public QObject {
    Q_OBJECT
private slots:
    void parseAndName() {
        QCOMPARE(parseWindowType("rect"), std::optional(WindowType::Rectangular));
        QCOMPARE(parseWindowType("rectangular"), std::optional(WindowType::Rectangular));
        QCOMPARE(parseWindowType("boxcar"), std::optional(WindowType::Rectangular));
        QCOMPARE(parseWindowType("hann"), std::optional(WindowType::Hann));
        QCOMPARE(parseWindowType("Hamming"), std::optional(WindowType::Hamming));
        QCOMPARE(parseWindowType("blackmanharris"), std::optional(WindowType::BlackmanHarris));
        QCOMPARE(parseWindowType("flattop"), std::optional(WindowType::FlatTop));
        QVERIFY(!parseWindowType("kaiser").has_value());
        QVERIFY(!parseWindowType("").has_value());
        for (WindowType t : kAll)
            QCOMPARE(parseWindowType(windowTypeName(t)), std::optional(t));
    }

    void periodicDefinition() {
        const std::size_t n = 1000;
        for (WindowType t : kAll) {
            const auto w = makeWindow(t, n);
            QCOMPARE(w.size(), n);
            // DFT-even: w[k] == w[N-k] for k = 1..N-1 (the symmetric window of N+1 points, last point
            // dropped).
            for (std::size_t k = 1; k < n; ++k)
                QVERIFY2(std::abs(w[k] - w[n - k]) < 1e-6f, qPrintable(QString::number(k)));
        }
        const auto hann = makeWindow(WindowType::Hann, 8);
        const double expected[] = {0.0, 0.14644660940672624, 0.5, 0.8535533905932737,
                                   1.0, 0.8535533905932737,  0.5, 0.14644660940672624};
        for (int i = 0; i < 8; ++i)
            QVERIFY(std::abs(hann[i] - expected[i]) < 1e-7);
        QVERIFY(std::abs(makeWindow(WindowType::Hamming, 16)[0] - 0.08f) < 1e-7f);
        QVERIFY(std::abs(makeWindow(WindowType::FlatTop, 16)[8] - 1.000000003f) < 1e-6f);
        QVERIFY(std::abs(makeWindow(WindowType::BlackmanHarris, 16)[0] - 6e-5f) < 1e-7f);
        QVERIFY(makeWindow(WindowType::Hann, 0).empty());
    }

    // ENBW_bins = N S2 / S1^2 must equal its definition: the width of the rectangular filter passing the same
    // white-noise power, integral |W(f)|^2 df / |W(0)|^2, evaluated here numerically from the DTFT.
    void enbwMatchesDefinition() {
        const std::size_t n = 128;
        const std::size_t grid = 16 * n; // frequency samples per bin-width n: covers [0, fs) at 1/16 bin
        for (WindowType t : kAll) {
            const auto w = makeWindow(t, n);
            double integral = 0;
            for (std::size_t g = 0; g < grid; ++g) {
                const double f = static_cast<double>(g) / static_cast<double>(grid); // cycles per sample
                std::complex<double> W = 0;
                for (std::size_t i = 0; i < n; ++i)
                    W += static_cast<double>(w[i]) *
                         std::polar(1.0, -2.0 * std::numbers::pi * f * static_cast<double>(i));
                integral += std::norm(W);
            }
            integral /= static_cast<double>(grid); // integral over one period in units of fs
            double s1 = 0;
            for (float v : w)
                s1 += v;
            const double enbwBinsDefinition = integral * static_cast<double>(n) / (s1 * s1);
            const double enbwBins = windowSums(w).enbwBins(n);
            QVERIFY2(std::abs(enbwBins - enbwBinsDefinition) < 1e-6 * enbwBins,
                     qPrintable(
                         QString("%1 %2 %3")
                             .arg(QString::fromUtf8(windowTypeName(t).data(), int(windowTypeName(t).size())))
                             .arg(enbwBins)
                             .arg(enbwBinsDefinition)));
        }
    }

    void referenceTable() {
        struct Row {
            WindowType t;
            double cg, enbw;
        };
        const Row rows[] = {{WindowType::Hann, 0.5000, 1.500},
                            {WindowType::Hamming, 0.5400, 1.363},
                            {WindowType::FlatTop, 0.2156, 3.770},
                            {WindowType::BlackmanHarris, 0.3588, 2.004},
                            {WindowType::Rectangular, 1.0, 1.0}};
        for (const Row& r : rows) {
            const auto w = makeWindow(r.t, 4096);
            const WindowSums s = windowSums(w);
            QVERIFY(std::abs(s.coherentGain(4096) - r.cg) < 1e-4);
            QVERIFY(std::abs(s.enbwBins(4096) - r.enbw) < 1e-3);
        }
    }
};

QTEST_GUILESS_MAIN(TstDspWindow)
#include "tst_dsp_window.moc"
