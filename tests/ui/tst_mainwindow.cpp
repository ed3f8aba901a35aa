// GUI smoke test: the main window opens offscreen, a simulated device runs, and every view receives data
// that matches the simulator's known truth.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/DevicePanel.h"
#include "ui/MainWindow.h"
#include "ui/ReadoutPanel.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"

#include <QtTest>

class TstMainWindow : public QObject {
    Q_OBJECT
private slots:
    void plotsReceiveLiveData() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // 125 Hz is on a bin of the default 4096-point spectrum at 16 kHz (bin 32).
        QVERIFY2(pipeline.add(QStringLiteral("sim://s1?profile=sine&freq=125&amp=1,0.5,0.25"), &error),
                 qPrintable(error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        QTRY_VERIFY_WITH_TIMEOUT(w.timeView().pointCount(0) > 100, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(w.spectrumView().pointCount(2) > 1000, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!w.readouts().cellText(0, 1).isEmpty(), 5000);
        QCOMPARE(w.timeView().pointCount(1), w.timeView().pointCount(0));
        QVERIFY(qAbs(w.spectrumView().peakFrequency(0) - 125.0) < 1e-3); // interpolated, on a line here
        // Readouts show the last complete second (16000 samples): the RMS of the 1 g and 0.5 g sines.
        QTRY_VERIFY_WITH_TIMEOUT(w.dashboard().snapshot(QStringLiteral("s1")) &&
                                     !w.dashboard().snapshot(QStringLiteral("s1"))->lastSecond.empty() &&
                                     w.dashboard().snapshot(QStringLiteral("s1"))->lastSecond[0].count ==
                                         16000,
                                 5000);
        QTRY_COMPARE_WITH_TIMEOUT(w.readouts().cellText(0, 1), QStringLiteral("0.7071"), 2000);
        QCOMPARE(w.readouts().cellText(1, 1), QStringLiteral("0.3536"));
        QCOMPARE(w.readouts().cellText(0, 4), QStringLiteral("1.41")); // crest factor of a sine
        QCOMPARE(w.devicePanel().rowCount(), 1);
        QCOMPARE(w.devicePanel().cellText(0, vibra::ui::DevicePanel::Name), QStringLiteral("s1"));
        QTRY_COMPARE_WITH_TIMEOUT(w.devicePanel().cellText(0, vibra::ui::DevicePanel::State),
                                  QStringLiteral("live"), 2000);
        QTRY_VERIFY_WITH_TIMEOUT(w.dashboard().frames() > 5, 2000);

        // Adding and removing sources updates the panel.
        auto* ch = pipeline.add(QStringLiteral("sim://s2?profile=bearing"), &error);
        QVERIFY(ch);
        ch->start();
        QCOMPARE(w.devicePanel().rowCount(), 2);
        QVERIFY(pipeline.remove(QStringLiteral("s2")));
        QCOMPARE(w.devicePanel().rowCount(), 1);
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
