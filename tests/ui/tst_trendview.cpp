// Trends and alarms on a known signal: per-second RMS and velocity of a simulated sine, the severity zone,
// one alarm per threshold crossing (not one per second), and the alarm list.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/AlarmPanel.h"
#include "ui/MainWindow.h"
#include "ui/TrendView.h"

#include <QtTest>

#include <cmath>
#include <numbers>

using vibra::alarms::TrendStore;

class TstTrendView : public QObject {
    Q_OBJECT
private slots:
    void trendsZonesAndAlarms() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        std::string ruleError; // the dashboard's default rule (GuiApp): alarm in zone C or D
        pipeline.setAlarmRules({*vibra::alarms::AlarmRule::zoneAtLeast("C", &ruleError)});
        QString error;
        QVERIFY(pipeline.add(QStringLiteral("sim://s?profile=sine&freq=125,250,375&amp=1,0.5,0.25"), &error));
        vibra::ui::MainWindow w(pipeline);
        w.setCurrentTab(vibra::ui::MainWindow::TrendsTab);
        w.show();
        auto& tv = w.trends();
        // RMS threshold 0.5 g: x (0.707 g RMS) exceeds it, y (0.354) and z (0.177) do not.
        tv.setThreshold(TrendStore::Metric::Rms, 0.5);
        pipeline.startAll();
        QTRY_VERIFY_WITH_TIMEOUT(tv.store().series(QStringLiteral("s")) &&
                                     tv.store().series(QStringLiteral("s"))->points.size() >= 3,
                                 8000);
        const auto* series = tv.store().series(QStringLiteral("s"));
        const auto& p = series->points.back();
        QVERIFY(std::abs(p.rms[0] - 1 / std::sqrt(2.0)) < 1e-3);
        QVERIFY(std::abs(p.rms[1] - 0.5 / std::sqrt(2.0)) < 1e-3);
        // Velocity of 1 g 0-pk at 125 Hz: 9.80665 / (2 pi 125) / sqrt 2 m/s = 8.83 mm/s RMS.
        const double v = 9.80665 / (2 * std::numbers::pi * 125.0) / std::sqrt(2.0) * 1000.0;
        QVERIFY2(std::abs(p.velocity[0] - v) < 0.02 * v, qPrintable(QString::number(p.velocity[0])));
        QCOMPARE(p.zone, vibra::dsp::SeverityZone::D); // > 4.5 mm/s in group 2 rigid (the default preset)
        QVERIFY(series->points[1].tNs - series->points[0].tNs == 1'000'000'000LL);
        QTRY_VERIFY_WITH_TIMEOUT(tv.pointCount(0) >= 3, 3000); // drawn (velocity by default)

        // Several seconds above the thresholds still give one alarm each (raised by the engine, listed from
        // its event log): RMS x and the zone.
        QTRY_COMPARE_WITH_TIMEOUT(w.alarmPanel().rowCount(), 2, 3000);
        // Two more completed seconds above the thresholds: still two.
        const auto seen = tv.store().series(QStringLiteral("s"))->points.size();
        QTRY_VERIFY_WITH_TIMEOUT(tv.store().series(QStringLiteral("s"))->points.size() >= seen + 2, 5000);
        QCOMPARE(w.alarmPanel().rowCount(), 2);
        QStringList metrics;
        for (int r = 0; r < w.alarmPanel().rowCount(); ++r)
            metrics << w.alarmPanel().cellText(r, 2);
        QVERIFY2(metrics.contains(QStringLiteral("rms x")), qPrintable(metrics.join(',')));
        QVERIFY(metrics.contains(QStringLiteral("zone")));
        QCOMPARE(w.alarmPanel().cellText(0, 1), QStringLiteral("s"));
        QCOMPARE(w.alarmPanel().raisedCount(), std::uint64_t{2});

        // A velocity threshold of 2 mm/s: below x (8.83) and y (0.5 g at 250 Hz: 2.21 mm/s), above z
        // (0.25 g at 375 Hz: 0.74 mm/s), so it adds alarms for x and y only.
        tv.setThreshold(TrendStore::Metric::Velocity, 2.0);
        QTRY_COMPARE_WITH_TIMEOUT(w.alarmPanel().rowCount(), 4, 3000);
        QCOMPARE(w.alarmPanel().raisedCount(), std::uint64_t{4});
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstTrendView)
#include "tst_trendview.moc"
