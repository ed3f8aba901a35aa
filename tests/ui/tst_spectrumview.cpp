// Spectrum view on a known sine: peak markers at the tone with its RMS, velocity scaling, bearing-fault
// markers from the golden 6205 example, and the spectrogram's brightest row.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/MainWindow.h"
#include "ui/PlotExport.h"
#include "ui/SpectrogramView.h"
#include "ui/SpectrumView.h"

#include <QFile>
#include <QTemporaryDir>
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
        QCOMPARE(sv.peaks(0).front().frequency, 125.0);
        QVERIFY(std::abs(sv.peaks(0).front().value - 1.0 / std::sqrt(2.0)) < 1e-3); // 0.7071 g RMS
        QCOMPARE(sv.peaks(1).front().frequency, 250.0);
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
};

QTEST_MAIN(TstSpectrumView)
#include "tst_spectrumview.moc"
