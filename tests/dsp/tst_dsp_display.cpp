// Derived displays: a 1 g 0-pk 100 Hz on-bin tone read as g RMS, m/s^2, mm/s, peak, PSD, ASD and dB.
#include "dsp/SpectrumAnalyzer.h"
#include "dsp/SpectrumDisplay.h"

#include "TestSignals.h"

#include <QtTest>

#include <cmath>

using namespace vibra::dsp;

class TstDspDisplay : public QObject {
    Q_OBJECT
private slots:
    void conversions() {
        SpectrumConfig c;
        c.fftSize = 3200; // 5 Hz lines, 100 Hz on line 20
        c.averaging = Averaging::Linear;
        SpectrumAnalyzer a(c, 16000.0);
        a.push(test::sine(3200 * 3, 16000.0, 100.0, 1.0));
        const Spectrum& s = a.spectrum();
        const std::size_t k = 20;
        auto at = [&](DisplayOptions o) { return double(deriveDisplay(s, o)[k]); };
        DisplayOptions o;
        QVERIFY(std::abs(at(o) - std::sqrt(0.5)) < 1e-4); // g RMS
        o.quantity = SpectrumQuantity::AmplitudePeak;
        QVERIFY(std::abs(at(o) - 1.0) < 1e-4); // g 0-pk
        o.quantity = SpectrumQuantity::AmplitudeRms;
        o.unit = SpectrumUnit::Acceleration;
        QVERIFY(std::abs(at(o) / 6.934 - 1) < 1e-3); // m/s^2 RMS
        o.unit = SpectrumUnit::Velocity;
        QVERIFY2(std::abs(at(o) / 11.036 - 1) < 1e-3, qPrintable(QString::number(at(o)))); // mm/s RMS
        QCOMPARE(deriveDisplay(s, o)[0], 0.0f); // no velocity at DC
        o.decibel = true;
        o.dbReference = 1e-6; // dB re 1 nm/s (1e-6 mm/s)
        QVERIFY(std::abs(at(o) - 20 * std::log10(11.036e6)) < 0.01);
        o = DisplayOptions{};
        o.quantity = SpectrumQuantity::Psd;
        QCOMPARE(at(o), double(s.psd[k]));
        o.quantity = SpectrumQuantity::Asd;
        QVERIFY(std::abs(at(o) / std::sqrt(double(s.psd[k])) - 1) < 1e-6);
        o.decibel = true;
        QVERIFY(std::abs(at(o) - 10 * std::log10(double(s.psd[k]))) < 1e-4);
        std::vector<float> hold;
        deriveDisplay(s, s.peakHold, DisplayOptions{}, hold);
        QVERIFY(std::abs(hold[k] - std::sqrt(0.5)) < 1e-4);
        Spectrum empty;
        empty.psd.assign(4, 0.0f);
        empty.binHz = 1;
        o.quantity = SpectrumQuantity::AmplitudeRms;
        QCOMPARE(deriveDisplay(empty, o)[1], -300.0f);
    }
};

QTEST_GUILESS_MAIN(TstDspDisplay)
#include "tst_dsp_display.moc"
