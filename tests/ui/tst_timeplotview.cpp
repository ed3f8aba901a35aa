// Time view cursors on a known signal (simulated sine): exact sample values and RMS between the cursors
// from the worker's raw window, the envelope fallback, window changes and pause.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/CursorMath.h"
#include "ui/Dashboard.h"
#include "ui/MainWindow.h"
#include "ui/TimePlotView.h"

#include <QtTest>

#include <cmath>
#include <numbers>

using vibra::ui::CursorReading;

class TstTimePlotView : public QObject {
    Q_OBJECT
private slots:
    void cursorsReadTheSine() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        // 1 g at 125 Hz on x, 0.5 g at 250 Hz on y, 0.25 g at 375 Hz + 0.1 g offset on z; 16 kHz.
        auto* ch = pipeline.add(
            QStringLiteral("sim://s?profile=sine&freq=125,250,375&amp=1,0.5,0.25&offset=0,0,0.1"), &error);
        QVERIFY2(ch, qPrintable(error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& tv = w.timeView();
        tv.setWindowSeconds(1.0);
        QCOMPARE(w.dashboard().displaySeconds(), 1.0);
        QCOMPARE(ch->settings().displaySeconds, 1.0);
        QCOMPARE(ch->settings().rawWindowSamples(16000.0), std::size_t{0}); // no cursors: no raw samples
        tv.setCursorsEnabled(true);
        QCOMPARE(ch->settings().rawWindowSamples(16000.0), std::size_t{16001});
        QTRY_VERIFY_WITH_TIMEOUT(w.dashboard().snapshot(QStringLiteral("s")) &&
                                     w.dashboard().snapshot(QStringLiteral("s"))->raw.size() == 3 &&
                                     w.dashboard().snapshot(QStringLiteral("s"))->raw[0].size() == 16001,
                                 5000);
        QTRY_VERIFY_WITH_TIMEOUT(tv.cursorReadings().size() == 3 && tv.cursorReadings()[0].exact, 3000);
        tv.setPaused(true);
        // Cursors 0.2 s apart = 25 periods of 125 Hz (3201 samples, inclusive).
        tv.setCursors(-0.7, -0.5);
        const auto r = tv.cursorReadings();
        QCOMPARE(r.size(), std::size_t(3));
        const auto snap = w.dashboard().snapshot(QStringLiteral("s"));
        QVERIFY(r[0].exact);
        QCOMPARE(r[0].samples, std::size_t(3201));
        QVERIFY(std::abs((r[0].t2 - r[0].t1) - 0.2) < 1e-12);
        // Values: the analytic sine at the device sample index under the cursor.
        const double n = static_cast<double>(snap->raw[0].size());
        const auto sampleIndex = [&](double t) {
            return static_cast<double>(snap->rawFirstSample) + (n - 1) + std::round(t * 16000.0);
        };
        for (int a = 0; a < 3; ++a) {
            const double f = 125.0 * (a + 1), amp = 1.0 / (1 << a), off = a == 2 ? 0.1 : 0.0;
            const double expect1 =
                off + amp * std::sin(2 * std::numbers::pi * f * sampleIndex(r[a].t1) / 16000.0);
            QVERIFY2(std::abs(r[a].v1 - expect1) < 1e-5,
                     qPrintable(QStringLiteral("axis %1: %2 vs %3").arg(a).arg(r[a].v1).arg(expect1)));
            // RMS (AC) over whole periods (+1 sample) = amp / sqrt 2; mean = offset.
            QVERIFY2(std::abs(r[a].rms - amp / std::sqrt(2.0)) < 2e-4 * amp,
                     qPrintable(QStringLiteral("axis %1 rms %2").arg(a).arg(r[a].rms)));
            QVERIFY(std::abs(r[a].mean - off) < 1e-3);
        }
        QVERIFY(tv.cursorText().contains(QStringLiteral("Δt = 0.20000 s")));
        QVERIFY(tv.cursorText().contains(QStringLiteral("exact")));

        // Paused: newer snapshots do not change what is shown.
        const auto before = tv.cursorReadings()[0].v1;
        QTest::qWait(200);
        QCOMPARE(tv.cursorReadings()[0].v1, before);

        // A cursor outside the raw window falls back to the envelope and gives no RMS.
        auto env = *snap;
        env.raw.clear();
        const auto e = CursorReading::read(env, 0, -0.7, -0.5);
        QVERIFY(e && !e->exact);
        QVERIFY(e->min1 <= r[0].v1 + 1e-6 && r[0].v1 - 1e-6 <= e->max1);
        // 1 s / 2048 buckets = 8 samples: at most 2 pi 125 Hz x 8 / 16 kHz = 0.39 g of the 1 g sine
        QVERIFY(e->max1 - e->min1 <= 2 * std::numbers::pi * 125.0 * 8 / 16000.0 + 1e-6);
        pipeline.stopAll();
    }

    void triggerCapturesAtTheLevel() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        auto* ch =
            pipeline.add(QStringLiteral("sim://t?profile=sine&freq=125,250,375&amp=1,0.5,0.25"), &error);
        QVERIFY(ch);
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& tv = w.timeView();
        tv.setWindowSeconds(0.1); // 1600-sample frames
        using Mode = vibra::ui::TimePlotView::TriggerMode;
        // Rising through 0.5 g on x, 25 % pre-trigger.
        tv.setTrigger(Mode::Normal, 0, 0.5, true, 0.25);
        QCOMPARE(w.dashboard().rawFactor(), 2.0);
        QCOMPARE(ch->settings().rawWindowSamples(16000.0), std::size_t{3201}); // 2 x 0.1 s x 16 kHz + 1
        QTRY_VERIFY_WITH_TIMEOUT(tv.trigger().captures() >= 3, 5000);          // normal mode keeps capturing
        tv.setCursorsEnabled(true);
        // Cursor 1 on the trigger sample (400 samples after the frame start = -(1599 - 400) / fs), cursor 2
        // one sample before it.
        const double tTrig = -(1599.0 - 400.0) / 16000.0;
        tv.setCursors(tTrig, tTrig - 1.0 / 16000.0);
        const auto c = tv.cursorReadings();
        QVERIFY(!c.empty() && c[0].exact);
        QVERIFY2(c[0].v1 >= 0.5 && c[0].v2 < 0.5,
                 qPrintable(QStringLiteral("%1 %2").arg(c[0].v1).arg(c[0].v2)));

        // Single: one capture, then it stays until re-armed.
        tv.setTrigger(Mode::Single, 0, -0.9, false, 0.5); // falling through -0.9 g
        const auto before = tv.trigger().captures();
        QTRY_VERIFY_WITH_TIMEOUT(tv.trigger().captures() == before + 1, 3000);
        QVERIFY(!tv.trigger().isArmed());
        QTest::qWait(300);
        QCOMPARE(tv.trigger().captures(), before + 1);
        const double tMid = -(1599.0 - 800.0) / 16000.0;
        tv.setCursors(tMid, tMid - 1.0 / 16000.0);
        const auto f = tv.cursorReadings();
        QVERIFY2(f[0].v1 <= -0.9 && f[0].v2 > -0.9,
                 qPrintable(QStringLiteral("%1 %2").arg(f[0].v1).arg(f[0].v2)));
        tv.armTrigger();
        QTRY_VERIFY_WITH_TIMEOUT(tv.trigger().captures() == before + 2, 3000);
        tv.setTrigger(Mode::Off, 0, 0, true, 0.25);
        QCOMPARE(w.dashboard().rawFactor(), 1.0); // cursors still on
        pipeline.stopAll();
    }

    void stackedLayoutAndLongWindow() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        QVERIFY(pipeline.add(QStringLiteral("sim://m"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.show();
        pipeline.startAll();
        auto& tv = w.timeView();
        tv.setLayoutMode(vibra::ui::TimePlotView::Layout::Stacked);
        tv.setWindowSeconds(60.0);
        QTRY_VERIFY_WITH_TIMEOUT(w.dashboard().snapshot(QStringLiteral("m")) &&
                                     w.dashboard().snapshot(QStringLiteral("m"))->displaySeconds == 60.0,
                                 3000);
        QTRY_VERIFY_WITH_TIMEOUT(tv.pointCount(2) > 10, 3000);
        QCOMPARE(tv.rectCount(), 3);
        // 60 s at 16 kHz in 2048 buckets: 469 samples per bucket; at most 2 x 2048 points per axis.
        QCOMPARE(w.dashboard().snapshot(QStringLiteral("m"))->envelopeBucketSamples, 469u);
        QVERIFY(tv.pointCount(0) <= 4096);
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstTimePlotView)
#include "tst_timeplotview.moc"
