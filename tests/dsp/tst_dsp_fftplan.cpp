// FftPlan: both backends against a naive double-precision DFT, planner effort, wisdom, errors, moves.
#include "dsp/FftPlan.h"

#include "TestSignals.h"

#include <QtTest>

#include <QTemporaryDir>

#include <cmath>
#include <complex>
#include <numbers>

using namespace vibra::dsp;

namespace {

double maxRelError(const std::complex<float>* got, const std::vector<std::complex<double>>& ref) {
    double peak = 0, err = 0;
    for (std::size_t k = 0; k < ref.size(); ++k) {
        peak = std::max(peak, std::abs(ref[k]));
        err = std::max(err, std::abs(std::complex<double>(got[k]) - ref[k]));
    }
    return err / peak;
}

} // namespace

class TstDspFftPlan : public QObject {
    Q_OBJECT
private slots:
    void realForwardMatchesDft() {
        for (FftBackend b : {FftBackend::Fftw, FftBackend::Kiss}) {
            for (std::size_t n : {256u, 1000u, 4096u}) {
                FftPlan p(b, n, FftKind::RealForward);
                QCOMPARE(p.outputSize(), n / 2 + 1);
                QVERIFY(p.complexInput() == nullptr);
                const auto x = test::gaussian(n, 1.0, n);
                std::copy(x.begin(), x.end(), p.realInput());
                p.execute();
                std::vector<std::complex<double>> ref(n / 2 + 1);
                for (std::size_t k = 0; k < ref.size(); ++k)
                    for (std::size_t i = 0; i < n; ++i)
                        ref[k] += double(x[i]) *
                                  std::polar(1.0, -2 * std::numbers::pi * double(k * i % n) / double(n));
                QVERIFY2(maxRelError(p.output(), ref) < 2e-6, qPrintable(QString("n=%1").arg(n)));
            }
        }
    }

    void complexInverseMatchesDft() {
        for (FftBackend b : {FftBackend::Fftw, FftBackend::Kiss}) {
            const std::size_t n = 96;
            FftPlan p(b, n, FftKind::ComplexInverse);
            QVERIFY(p.realInput() == nullptr);
            const auto re = test::gaussian(n, 1.0, 1), im = test::gaussian(n, 1.0, 2);
            for (std::size_t k = 0; k < n; ++k)
                p.complexInput()[k] = {re[k], im[k]};
            p.execute();
            std::vector<std::complex<double>> ref(n);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < n; ++k)
                    ref[i] += std::complex<double>(re[k], im[k]) *
                              std::polar(1.0, 2 * std::numbers::pi * double(k * i % n) / double(n));
            QVERIFY(maxRelError(p.output(), ref) < 2e-6);
        }
    }

    void planningEffortAndWisdom() {
        const auto x = test::gaussian(2048, 1.0, 3);
        auto run = [&] {
            FftPlan p(FftBackend::Fftw, 2048, FftKind::RealForward);
            std::copy(x.begin(), x.end(), p.realInput());
            p.execute();
            return std::vector<std::complex<float>>(p.output(), p.output() + p.outputSize());
        };
        QCOMPARE(FftPlan::fftwPlanning(), FftwPlanning::Measure);
        const auto measured = run();
        FftPlan::setFftwPlanning(FftwPlanning::Estimate);
        QCOMPARE(FftPlan::fftwPlanning(), FftwPlanning::Estimate);
        const auto estimated = run();
        FftPlan::setFftwPlanning(FftwPlanning::Measure);
        double peak = 0, err = 0;
        for (std::size_t k = 0; k < measured.size(); ++k) {
            peak = std::max(peak, double(std::abs(measured[k])));
            err = std::max(err, double(std::abs(measured[k] - estimated[k])));
        }
        QVERIFY(err / peak < 1e-6);
        QTemporaryDir dir;
        const std::string path = dir.filePath("wisdom").toStdString();
        QVERIFY(FftPlan::exportFftwWisdom(path));
        QVERIFY(FftPlan::importFftwWisdom(path));
        QVERIFY(!FftPlan::importFftwWisdom(dir.filePath("missing").toStdString()));
    }

    void errorsAndMoves() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 FftPlan(FftBackend::Fftw, 1, FftKind::ComplexInverse));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FftPlan(FftBackend::Kiss, 257, FftKind::RealForward));
        FftPlan a(FftBackend::Kiss, 256, FftKind::RealForward);
        std::fill(a.realInput(), a.realInput() + 256, 1.0f);
        FftPlan b(std::move(a));
        b.execute();
        QCOMPARE(b.output()[0], std::complex<float>(256.0f, 0.0f));
        QCOMPARE(b.size(), std::size_t{256});
        QCOMPARE(b.backend(), FftBackend::Kiss);
        QCOMPARE(b.kind(), FftKind::RealForward);
    }
};

QTEST_GUILESS_MAIN(TstDspFftPlan)
#include "tst_dsp_fftplan.moc"
