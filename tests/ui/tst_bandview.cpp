// Octave / third-octave band RMS of a known sine: the band holding a tone reads its RMS.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/BandView.h"
#include "ui/MainWindow.h"

#include <QtTest>

#include <cmath>

class TstBandView : public QObject {
    Q_OBJECT
    static int bandOf(const vibra::ui::BandView& v, double f) {
        for (std::size_t i = 0; i < v.bands().size(); ++i)
            if (v.bands()[i].lowHz <= f && f < v.bands()[i].highHz)
                return static_cast<int>(i);
        return -1;
    }
private slots:
    void bandsOfASine() {
        const auto third = vibra::ui::BandView::makeBands(3, 10, 7200);
        QVERIFY(!third.empty());
        for (std::size_t i = 1; i < third.size(); ++i) // contiguous, one third of an octave each
            QVERIFY(std::abs(third[i].lowHz - third[i - 1].highHz) < 1e-9 * third[i].lowHz);
        QVERIFY(std::abs(third.front().highHz / third.front().lowHz - std::pow(2.0, 1.0 / 3)) < 1e-12);

        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        QVERIFY(pipeline.add(QStringLiteral("sim://s?profile=sine&freq=125,250,375&amp=1,0.5,0.25"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.setCurrentTab(vibra::ui::MainWindow::BandsTab);
        w.show();
        pipeline.startAll();
        auto& bv = w.bands();
        QTRY_VERIFY_WITH_TIMEOUT(bv.values().size() == 3, 5000);
        const int b125 = bandOf(bv, 125.0), b250 = bandOf(bv, 250.0);
        QVERIFY(b125 >= 0 && b250 > b125);
        QTRY_VERIFY_WITH_TIMEOUT(std::abs(bv.values()[0][b125] - 1 / std::sqrt(2.0)) < 0.01, 3000);
        QVERIFY(std::abs(bv.values()[1][b250] - 0.5 / std::sqrt(2.0)) < 0.005);
        QVERIFY(bv.values()[0][b250] < 0.01); // no tone of x there

        bv.setFraction(1);
        QTRY_VERIFY_WITH_TIMEOUT(bv.bands().size() < 12 && !bv.values().empty() &&
                                     bv.values()[0].size() == bv.bands().size(),
                                 3000);
        const int o125 = bandOf(bv, 125.0);
        QVERIFY(std::abs(bv.values()[0][o125] - 1 / std::sqrt(2.0)) < 0.01);
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstBandView)
#include "tst_bandview.moc"
