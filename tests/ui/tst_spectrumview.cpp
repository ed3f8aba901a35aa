// Spectrum view on known signals: peak markers at the tone with its RMS, velocity scaling, bearing-fault
// markers from the golden 6205 example and the spectrogram's brightest row; a 29.5 Hz shaft (between the
// 3.91 Hz lines) read at 29.50 / 59.0 / 88.5 Hz with its analytic levels in acceleration and velocity, by the
// peak list and by the harmonic cursor; an outer-race defect detected on the envelope spectrum and drawn as
// such, with labels that never overlap; the default frequency spans.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/MainWindow.h"
#include "ui/PlotExport.h"
#include "ui/SpectrogramView.h"
#include "ui/SpectrumControls.h"
#include "ui/SpectrumView.h"

#include <QComboBox>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <cmath>
#include <numbers>

class TstSpectrumView : public QObject {
    Q_OBJECT
private slots:
    void peaksVelocityBearingAndSpectrogram() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // 125 Hz is on a line of the default 4096-point spectrum at 16 kHz (line 32).
        QVERIFY(pipeline.add(QStringLiteral("sim://s?profile=sine&freq=125,250,375&amp=1,0.5,0.25"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& sv = w.spectrumView();
        QTRY_VERIFY_WITH_TIMEOUT(!sv.peaks(0).empty() && !sv.peaks(2).empty(), 5000);
        QVERIFY(std::abs(sv.peaks(0).front().frequencyHz - 125.0) < 1e-3);
        QVERIFY(std::abs(sv.peaks(0).front().value - 1.0 / std::sqrt(2.0)) < 1e-3); // 0.7071 g RMS
        QVERIFY(std::abs(sv.peaks(1).front().frequencyHz - 250.0) < 1e-3);
        QVERIFY(std::abs(sv.peaks(1).front().value - 0.5 / std::sqrt(2.0)) < 1e-3);
        QCOMPARE(sv.quantityLabel(), QStringLiteral("g RMS"));

        auto o = sv.options();
        o.unit = vibra::dsp::SpectrumUnit::Velocity;
        sv.setOptions(o);
        // v = a / (2 pi f): 1 g 0-pk at 125 Hz -> 9.80665 / (2 pi 125) / sqrt 2 m/s RMS
        const double v = 9.80665 / (2 * std::numbers::pi * 125.0) / std::sqrt(2.0) * 1000.0;
        QVERIFY2(std::abs(sv.valueAt(0, 125.0) - v) < 1e-3 * v,
                 qPrintable(QString::number(sv.valueAt(0, 125.0))));
        QCOMPARE(sv.quantityLabel(), QStringLiteral("mm/s RMS"));

        o.unit = vibra::dsp::SpectrumUnit::Native;
        o.decibel = true;
        sv.setOptions(o);
        QVERIFY(std::abs(sv.valueAt(0, 125.0) - 20 * std::log10(1 / std::sqrt(2.0))) <
                0.01); // -3.01 dB re 1 g

        // Bearing markers: 6205 (Z 9, d 7.94, D 39.04, 0 deg) at 1800 r/min (dsp.md section 9).
        o.decibel = false;
        o.showBearing = true;
        o.shaftRpm = 1800;
        o.bearingHarmonics = 2;
        sv.setOptions(o);
        const auto markers = sv.bearingMarkers();
        const auto find = [&](const QString& name) {
            for (const auto& m : markers)
                if (m.first == name)
                    return m.second;
            return -1.0;
        };
        QVERIFY(std::abs(find(QStringLiteral("FTF")) - 11.95) < 0.01);
        QVERIFY(std::abs(find(QStringLiteral("BPFO")) - 107.54) < 0.01);
        QVERIFY(std::abs(find(QStringLiteral("BPFI")) - 162.46) < 0.01);
        QVERIFY(std::abs(find(QStringLiteral("BSF")) - 70.70) < 0.01);
        QVERIFY(std::abs(find(QStringLiteral("2×BSF")) - 141.41) < 0.02);
        QVERIFY(std::abs(find(QStringLiteral("2×BPFO")) - 215.09) < 0.02);

        // Spectrogram: the newest column's brightest row holds 125 Hz (rows are 31.25 Hz wide).
        w.setCurrentTab(vibra::ui::MainWindow::SpectrogramTab);
        auto& sg = w.spectrogramView();
        sg.setSpanSeconds(10);
        QTRY_VERIFY_WITH_TIMEOUT(sg.filledColumns() >= 3, 5000);
        QVERIFY2(std::abs(sg.newestPeakFrequency() - 125.0) <= 8000.0 / 256 / 2 + 1e-9,
                 qPrintable(QString::number(sg.newestPeakFrequency())));

        // Plots export as PNG and PDF.
        QTemporaryDir dir;
        for (const char* name : {"spectrum.png", "spectrum.pdf"}) {
            const QString path = dir.filePath(QString::fromLatin1(name));
            QVERIFY(vibra::ui::savePlot(sv.plot(), path));
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray head = f.read(8);
            QVERIFY2(head.startsWith(path.endsWith(QStringLiteral(".pdf")) ? "%PDF" : "\x89PNG"),
                     head.constData());
            QVERIFY(f.size() > 1000);
        }
        QVERIFY(!vibra::ui::savePlot(sv.plot(), dir.filePath(QStringLiteral("no/such/dir/x.png"))));
        pipeline.stopAll();
    }

    void shaftReadsInterpolatedFrequencies() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // Machine profile: shaft 29.5 Hz (0.05 g 0-pk on x), 2x at half, 3x at a quarter of it; 0.02 g noise.
        // Lines are 3.906 Hz apart: 29.5 Hz sits at line 7.55 (the old line reading was 31.25 Hz).
        QVERIFY(pipeline.add(QStringLiteral("sim://m?profile=machine&axes=1"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& sv = w.spectrumView();
        auto o = sv.options();
        o.peakMarkers = 3;
        sv.setOptions(o);
        const double c = 9.80665; // g -> m/s^2
        struct Tone {
            double hz, g0pk;
        };
        const Tone tones[] = {{29.5, 0.05}, {59.0, 0.025}, {88.5, 0.0125}};
        const auto near = [&](double hz, double tol) -> const vibra::ui::SpectrumPeak* {
            for (const auto& p : sv.peaks(0))
                if (std::abs(p.frequencyHz - hz) < tol)
                    return &p;
            return nullptr;
        };
        // Acceleration: three interpolated peaks at the shaft orders, each with its RMS (g). The average
        // settles within a second or two; the noise (36 dB below the shaft line) leaves ~0.005 line.
        const auto settled = [&] {
            if (sv.peaks(0).size() != 3)
                return false;
            for (const auto& t : tones) {
                const auto* p = near(t.hz, t.hz < 30 ? 0.02 : 0.05);
                if (!p || std::abs(p->value - t.g0pk / std::sqrt(2.0)) > 0.05 * t.g0pk / std::sqrt(2.0))
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 8000);
        // Labelled with the interpolated frequency: 29.48 .. 29.52, never the line's 31.25 Hz.
        const QRegularExpression shaft(QStringLiteral("29\\.(4[89]|5[012]) Hz"));
        QVERIFY2(sv.readingsText().contains(shaft), qPrintable(sv.readingsText()));
        QVERIFY2(sv.labels().join(" ").contains(shaft), qPrintable(sv.labels().join("|")));

        // Velocity: same frequencies (interpolated on the acceleration density), v = a c / (2 pi f) in mm/s.
        o.unit = vibra::dsp::SpectrumUnit::Velocity;
        sv.setOptions(o);
        const auto velocity = [&](const Tone& t) {
            return t.g0pk / std::sqrt(2.0) * c / (2 * std::numbers::pi * t.hz) * 1000;
        };
        QVERIFY(near(29.5, 0.02));
        QVERIFY2(std::abs(near(29.5, 0.02)->value - velocity(tones[0])) < 0.05 * velocity(tones[0]),
                 qPrintable(QString::number(near(29.5, 0.02)->value)));
        // The harmonic cursor on the interpolated 1x: every order read where it is, with its level.
        o.harmonicHz = near(29.5, 0.02)->frequencyHz;
        o.harmonicCount = 5;
        sv.setOptions(o);
        QTRY_VERIFY_WITH_TIMEOUT(sv.harmonics().size() == 5, 2000);
        for (int h = 0; h < 3; ++h) {
            const auto& r = sv.harmonics()[h];
            QVERIFY2(r.present, qPrintable(QString::number(r.marginDb)));
            QVERIFY2(std::abs(r.frequencyHz - tones[h].hz) < 0.05,
                     qPrintable(QString::number(r.frequencyHz, 'f', 4)));
            QVERIFY2(std::abs(r.value - velocity(tones[h])) < 0.05 * velocity(tones[h]),
                     qPrintable(QString::number(r.value)));
        }
        QVERIFY(!sv.harmonics()[3].present); // no 4x or 5x in the signal
        QVERIFY(!sv.harmonics()[4].present);
        QVERIFY2(sv.readingsText().contains(QStringLiteral("harmonics of 29.")),
                 qPrintable(sv.readingsText()));
        pipeline.stopAll();
    }

    void noiseFreeShaftReadsExactly() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        QVERIFY(pipeline.add(QStringLiteral("sim://m?profile=machine&axes=1&noise=0"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& sv = w.spectrumView();
        auto o = sv.options();
        o.peakMarkers = 3;
        for (auto unit : {vibra::dsp::SpectrumUnit::Native, vibra::dsp::SpectrumUnit::Velocity}) {
            o.unit = unit;
            sv.setOptions(o);
            // The list under the plot reads the shaft orders to the hundredth of a hertz.
            QTRY_VERIFY_WITH_TIMEOUT(sv.readingsText().contains(QStringLiteral("29.50 Hz")) &&
                                         sv.readingsText().contains(QStringLiteral("59.00 Hz")) &&
                                         sv.readingsText().contains(QStringLiteral("88.50 Hz")),
                                     5000);
        }
        pipeline.stopAll();
    }

    void envelopeMarksDetectedBearingLines() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // Outer-race impacts at 3.5848 x 29.5 Hz = 105.75 Hz (BPFO of a 6205 at 1770 r/min); no shaft
        // modulation, so no BPFI sidebands: BPFI is never confirmed.
        QVERIFY(pipeline.add(QStringLiteral("sim://b?profile=bearing&shaft=29.5"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.resize(1280, 820);
        w.show();
        pipeline.startAll();
        auto& sv = w.spectrumView();
        auto o = sv.options();
        o.showBearing = true;
        o.shaftRpm = 1770;
        w.spectrumControls().setDisplayOptions(o);
        w.spectrumControls().setEnvelope(true);
        const auto reading = [&](const char* name) -> const vibra::ui::BearingReading* {
            for (const auto& r : sv.bearingReadings())
                if (r.name == name)
                    return &r;
            return nullptr;
        };
        QTRY_VERIFY_WITH_TIMEOUT(reading("BPFO") && reading("BPFO")->detected, 15000);
        const double bpfo = 3.5848 * 29.5;
        QVERIFY2(std::abs(reading("BPFO")->frequencyHz - bpfo) < 0.005 * bpfo,
                 qPrintable(QString::number(reading("BPFO")->frequencyHz)));
        for (const char* other : {"FTF", "BPFI", "BSF", "2xBSF"})
            QVERIFY2(reading(other) && !reading(other)->detected, other);
        // Drawn as detected (solid, labelled), the others at their expected places.
        QTRY_VERIFY_WITH_TIMEOUT(sv.labels().contains(QStringLiteral("✔ BPFO")), 2000);
        QVERIFY(!sv.labels().contains(QStringLiteral("✔ BPFI")));
        QVERIFY(sv.readingsText().contains(QStringLiteral("BPFO ✔")));
        // Default span: 0 .. 5 x the highest defect frequency (BPFI 162.46 Hz at 1800 r/min, x 1770/1800).
        const double bpfi = 162.46 * 1770.0 / 1800.0;
        QVERIFY2(std::abs(sv.frequencyRange().second - 5 * bpfi) < 0.5,
                 qPrintable(QString::number(sv.frequencyRange().second)));
        QCOMPARE(sv.frequencyRange().first, 0.0);
        // Labels: several, none overlapping another.
        const auto rects = sv.labelRects();
        QVERIFY2(rects.size() >= 6, qPrintable(sv.labels().join("|")));
        for (int i = 0; i < rects.size(); ++i)
            for (int j = i + 1; j < rects.size(); ++j)
                QVERIFY2(!rects[i].intersects(rects[j]),
                         qPrintable(sv.labels()[i] + QStringLiteral(" / ") + sv.labels()[j]));
        // One click shows the whole envelope band (the envelope spectrum's Nyquist), another goes back.
        auto* full = sv.findChild<QToolButton*>(QStringLiteral("fullRange"));
        QVERIFY(full);
        full->click();
        QVERIFY2(sv.frequencyRange().second > 3000, qPrintable(QString::number(sv.frequencyRange().second)));
        full->click();
        QVERIFY(std::abs(sv.frequencyRange().second - 5 * bpfi) < 0.5);
        pipeline.stopAll();
    }

    void defaultSpansShowMachineLines() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        QVERIFY(pipeline.add(QStringLiteral("sim://m"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& sv = w.spectrumView();
        // Linear axis: 0-1 kHz (the shaft orders get most of the width), not 0-8 kHz.
        QTRY_VERIFY_WITH_TIMEOUT(sv.pointCount(0) > 1000, 5000);
        QCOMPARE(sv.frequencyRange().first, 0.0);
        QCOMPARE(sv.frequencyRange().second, 1000.0);
        QVERIFY2(sv.title().startsWith(QStringLiteral("m — spectrum")), qPrintable(sv.title()));
        // Full range in one click, and a chosen span.
        auto* full = sv.findChild<QToolButton*>(QStringLiteral("fullRange"));
        full->click();
        QCOMPARE(sv.frequencyRange().second, 8000.0);
        auto* span = sv.findChild<QComboBox*>(QStringLiteral("frequencySpan"));
        span->setCurrentIndex(span->findData(200.0));
        QVERIFY(!full->isChecked());
        QCOMPARE(sv.frequencyRange().second, 200.0);
        // A log axis shows the whole band by default (it spreads the low lines by itself).
        span->setCurrentIndex(0);
        auto o = sv.options();
        o.logFrequency = true;
        sv.setOptions(o);
        QCOMPARE(sv.frequencyRange().second, 8000.0);
        QVERIFY(sv.frequencyRange().first > 0);
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstSpectrumView)
#include "tst_spectrumview.moc"
