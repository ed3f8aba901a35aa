// Spectrum controls change the selected device's DspSettings in its worker, and load another device's
// settings when the selection changes.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/MainWindow.h"
#include "ui/SpectrumControls.h"
#include "ui/SpectrumView.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QtTest>

class TstSpectrumControls : public QObject {
    Q_OBJECT
private slots:
    void controlsChangeWorkerSettings() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        auto* a = pipeline.add(QStringLiteral("sim://a?profile=sine&freq=125"), &error);
        auto* b = pipeline.add(QStringLiteral("sim://b"), &error);
        QVERIFY(a && b);
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& c = w.spectrumControls();
        auto* size = c.findChild<QComboBox*>(QStringLiteral("fftSize"));
        auto* window = c.findChild<QComboBox*>(QStringLiteral("window"));
        auto* overlap = c.findChild<QComboBox*>(QStringLiteral("overlap"));
        auto* averaging = c.findChild<QComboBox*>(QStringLiteral("averaging"));
        auto* averages = c.findChild<QSpinBox*>(QStringLiteral("averages"));
        QVERIFY(size && window && overlap && averaging && averages);
        QCOMPARE(w.dashboard().selectedDevice(), QStringLiteral("a"));
        QCOMPARE(size->currentData().toInt(), 4096); // loaded from the worker's defaults

        size->setCurrentIndex(size->findData(16384));
        window->setCurrentIndex(window->findData(int(vibra::dsp::WindowType::FlatTop)));
        overlap->setCurrentIndex(overlap->findData(0.75));
        averaging->setCurrentIndex(averaging->findData(int(vibra::dsp::Averaging::Linear)));
        averages->setValue(20);
        const auto sa = a->settings().spectrum;
        QCOMPARE(sa.fftSize, std::size_t(16384));
        QCOMPARE(sa.window, vibra::dsp::WindowType::FlatTop);
        QCOMPARE(sa.overlap, 0.75);
        QCOMPARE(sa.averaging, vibra::dsp::Averaging::Linear);
        QCOMPARE(sa.averages, std::size_t(20));
        // The other device is untouched.
        QCOMPARE(b->settings().spectrum.fftSize, std::size_t(4096));
        // The worker really runs with it: the spectrum it publishes has 16384/2+1 lines.
        QTRY_VERIFY_WITH_TIMEOUT(w.spectrumView().pointCount(0) == 8192, 8000);

        // The severity preset is a per-device DSP setting; the zone in the snapshots follows it.
        auto* severity = c.findChild<QComboBox*>(QStringLiteral("severityPreset"));
        QVERIFY(severity);
        severity->setCurrentIndex(severity->findData(QStringLiteral("iso10816-3/group1/flexible")));
        QCOMPARE(a->settings().severityPreset, std::string("iso10816-3/group1/flexible"));
        QTRY_VERIFY_WITH_TIMEOUT(w.dashboard().snapshot(QStringLiteral("a"))->severityPreset ==
                                     "iso10816-3/group1/flexible",
                                 3000);
        // Bearing speed is kept per device.
        auto* rpm = c.findChild<QDoubleSpinBox*>(QStringLiteral("shaftRpm"));
        rpm->setValue(1234);
        QCOMPARE(w.spectrumView().options().shaftRpm, 1234.0);

        // Selecting b loads b's settings into the controls without changing anything.
        w.dashboard().setSelectedDevice(QStringLiteral("b"));
        QCOMPARE(size->currentData().toInt(), 4096);
        QCOMPARE(window->currentData().toInt(), int(vibra::dsp::WindowType::Hann));
        QCOMPARE(a->settings().spectrum.fftSize, std::size_t(16384));
        QCOMPARE(severity->currentData().toString(),
                 QStringLiteral("iso10816-3/group2/rigid")); // b's default
        rpm->setValue(3000);
        w.dashboard().setSelectedDevice(QStringLiteral("a"));
        QCOMPARE(rpm->value(), 1234.0);
        QCOMPARE(w.spectrumView().options().shaftRpm, 1234.0);
        w.dashboard().setSelectedDevice(QStringLiteral("b"));
        QCOMPARE(w.spectrumView().options().shaftRpm, 3000.0);
        pipeline.stopAll();
    }

    void envelopeSpectrumShowsTheDefectFrequency() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // Outer-race defect impacts at 100 Hz ringing a 3 kHz resonance.
        auto* ch = pipeline.add(QStringLiteral("sim://b?profile=bearing&defect=100&noise=0.01"), &error);
        QVERIFY2(ch, qPrintable(error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        QVERIFY(!ch->settings().envelope);
        auto* env = w.spectrumControls().findChild<QCheckBox*>(QStringLiteral("envelope"));
        QVERIFY(env);
        env->setChecked(true);
        const auto s = ch->settings();
        QVERIFY(s.envelope.has_value());
        QCOMPARE(s.envelope->bandLowHz, 2000.0);
        QCOMPARE(s.envelope->bandHighHz, 5000.0);
        QVERIFY(w.spectrumView().options().envelope);
        QVERIFY(w.spectrumView().quantityLabel().startsWith(QStringLiteral("envelope")));
        // The strongest envelope line is the defect rate, interpolated (the lines are 1.95 Hz apart).
        QTRY_VERIFY_WITH_TIMEOUT(w.spectrumView().pointCount(0) > 100, 8000);
        QTRY_VERIFY_WITH_TIMEOUT(w.spectrumView().peaks(0).size() > 0, 8000);
        const auto& drawn = w.spectrumView().peaks(0).front();
        QVERIFY2(std::abs(drawn.frequencyHz - 100.0) < 0.1, qPrintable(QString::number(drawn.frequencyHz)));
        env->setChecked(false);
        QVERIFY(!ch->settings().envelope);
        pipeline.stopAll();
    }

    void bandZoomShowsTheFineSpectrum() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // 101.3 Hz: between the 3.9 Hz lines of the full spectrum, within 0.25 Hz with zoom /16.
        auto* ch = pipeline.add(QStringLiteral("sim://z?profile=sine&axes=1&freq=101.3&amp=1"), &error);
        QVERIFY2(ch, qPrintable(error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto* zoom = w.spectrumControls().findChild<QComboBox*>(QStringLiteral("zoom"));
        QVERIFY(zoom);
        QCOMPARE(ch->settings().zoomFactor, 1);
        zoom->setCurrentIndex(zoom->findData(16));
        QCOMPARE(ch->settings().zoomFactor, 16);
        QVERIFY(w.spectrumView().options().zoom);
        // 4096 points at 1 kHz: 2048 lines (DC skipped) of 0.244 Hz; the interpolated peak reads the tone.
        QTRY_VERIFY_WITH_TIMEOUT(w.spectrumView().pointCount(0) == 2048, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!w.spectrumView().peaks(0).empty() &&
                                     w.spectrumView().title().contains("÷16") &&
                                     std::abs(w.spectrumView().peaks(0).front().frequencyHz - 101.3) < 0.01,
                                 10000);
        QVERIFY(w.spectrumView().peaks(0).front().line != 26); // not the full spectrum's line
        zoom->setCurrentIndex(zoom->findData(1));
        QCOMPARE(ch->settings().zoomFactor, 1);
        // Back to the full spectrum (3.906 Hz lines): the peak line is 26 (101.5625 Hz), its reading still
        // the tone's frequency, not the line's.
        QTRY_VERIFY_WITH_TIMEOUT(
            !w.spectrumView().peaks(0).empty() && w.spectrumView().peaks(0).front().line == 26, 8000);
        QVERIFY2(std::abs(w.spectrumView().peaks(0).front().frequencyHz - 101.3) < 0.01,
                 qPrintable(QString::number(w.spectrumView().peaks(0).front().frequencyHz)));
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstSpectrumControls)
#include "tst_spectrumcontrols.moc"
