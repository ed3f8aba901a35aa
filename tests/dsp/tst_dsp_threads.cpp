// Different analyzers on different threads: FFTW plans are created under the planner mutex and shared;
// results must equal the single-threaded ones bit for bit, for both backends, while plans are created and
// destroyed concurrently.
#include "dsp/Decimator.h"
#include "dsp/EnvelopeAnalyzer.h"
#include "dsp/SpectrumAnalyzer.h"

#include "TestSignals.h"

#include <QtTest>

#include <atomic>
#include <cstring>
#include <thread>

using namespace vibra::dsp;

namespace {

std::vector<float> runOnce(std::size_t n, FftBackend b, const std::vector<float>& x) {
    SpectrumConfig c;
    c.fftSize = n;
    c.backend = b;
    SpectrumAnalyzer a(c, 16000.0);
    for (std::size_t pos = 0; pos < x.size(); pos += 333)
        a.push(std::span(x).subspan(pos, std::min<std::size_t>(333, x.size() - pos)));
    return a.spectrum().psd;
}

} // namespace

class TstDspThreads : public QObject {
    Q_OBJECT
private slots:
    void concurrentAnalyzersMatchSerial() {
        const auto x = test::gaussian(40000, 1.0, 5);
        const std::size_t sizes[] = {256, 1024, 4096, 2048};
        std::vector<std::vector<float>> expected;
        for (std::size_t n : sizes)
            for (FftBackend b : {FftBackend::Fftw, FftBackend::Kiss})
                expected.push_back(runOnce(n, b, x));

        std::atomic<int> mismatches{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int round = 0; round < 6; ++round) {
                    std::size_t i = 0;
                    for (std::size_t n : sizes) {
                        for (FftBackend b : {FftBackend::Fftw, FftBackend::Kiss}) {
                            if ((i + std::size_t(t) + std::size_t(round)) % 2 == 0) {
                                const auto got = runOnce(n, b, x);
                                if (got.size() != expected[i].size() ||
                                    std::memcmp(got.data(), expected[i].data(), got.size() * sizeof(float)) !=
                                        0)
                                    ++mismatches;
                            }
                            ++i;
                        }
                    }
                    // Envelope analyzers and decimators create (and drop) their own plans / state meanwhile.
                    EnvelopeConfig ec;
                    ec.bandLowHz = 1000 + 100 * t;
                    ec.bandHighHz = 3000;
                    ec.blockSize = 1024;
                    ec.spectrum.fftSize = 256;
                    EnvelopeAnalyzer e(ec, 16000.0);
                    e.push(x);
                    Decimator d(std::size_t(4 << t));
                    std::vector<float> y;
                    d.process(x, y);
                }
            });
        }
        for (auto& th : threads)
            th.join();
        QCOMPARE(mismatches.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TstDspThreads)
#include "tst_dsp_threads.moc"
