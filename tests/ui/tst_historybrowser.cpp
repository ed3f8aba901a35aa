// History browser on a database recorded from the dashboard's own RecordingController: the devices and the
// time span are right, the range query shows one point per second with the right values, and a CSV export
// from the GUI is byte-identical to `vibrascope export` over the same selection.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/HistoryBrowser.h"
#include "ui/RecordingController.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

namespace {
constexpr qint64 kT0 = 1'767'225'600'000'000'000LL; // 2026-01-01T00:00:00Z
constexpr qint64 kSecond = 1'000'000'000LL;
} // namespace

class TstHistoryBrowser : public QObject {
    Q_OBJECT
private slots:
    void recordBrowseExport() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("history.db"));
        {
            // 20 s of two devices, as fast as the pipeline goes (unpaced), stamped from 2026-01-01T00:00:00Z.
            vibra::io::SourceFactory factory;
            vibra::pipeline::Pipeline pipeline(factory, {});
            QString error;
            const QString common =
                QStringLiteral("?paced=false&duration=20&t0=2026-01-01T00:00:00Z&profile=sine");
            QVERIFY2(
                pipeline.add(QStringLiteral("sim://h1") + common + QStringLiteral("&amp=1,0.5,0.25"), &error),
                qPrintable(error));
            QVERIFY2(
                pipeline.add(QStringLiteral("sim://h2") + common + QStringLiteral("&amp=2,1,0.5&rate=8000"),
                             &error),
                qPrintable(error));
            vibra::ui::RecordingController rec(pipeline);
            QSignalSpy recStarted(&rec, &vibra::ui::RecordingController::started);
            QVERIFY2(rec.start(db, &error), qPrintable(error));
            QVERIFY(recStarted.wait(5000) && recStarted.front().front().toBool());
            QSignalSpy finished(&pipeline, &vibra::pipeline::Pipeline::allSourcesFinished);
            pipeline.startAll();
            QVERIFY(finished.wait(20000));
            pipeline.stopAll(); // workers flush the last second into the store rings
            rec.stop();
            QTRY_VERIFY_WITH_TIMEOUT(!rec.isRecording(), 10000); // the file is complete
        }
        vibra::ui::HistoryBrowser browser;
        browser.resize(900, 500);
        browser.show();
        QSignalSpy opened(&browser, &vibra::ui::HistoryBrowser::opened);
        QSignalSpy shown(&browser, &vibra::ui::HistoryBrowser::rangesShown);
        browser.openDatabase(db);
        QVERIFY(opened.wait(5000));
        QCOMPARE(opened.front().front().toBool(), true);
        QCOMPARE(browser.deviceNames(), (QStringList{QStringLiteral("h1"), QStringLiteral("h2")}));
        QCOMPARE(browser.spanFromNs(), kT0);
        QCOMPARE(browser.spanToNs(), kT0 + 20 * kSecond);
        QCOMPARE(browser.fromNs(), kT0);
        QCOMPARE(browser.toNs(), kT0 + 20 * kSecond);
        QVERIFY(shown.wait(5000)); // opening shows the whole span
        const auto* r = browser.shownRanges();
        QVERIFY(r && r->error.isEmpty());
        QCOMPARE(r->ranges.size(), std::size_t(2));
        QCOMPARE(r->ranges[0].points.size(), std::size_t(20));
        QCOMPARE(r->ranges[0].points.front().tNs, kT0);
        QCOMPARE(r->ranges[0].points.front().samples, std::uint64_t(16000));
        QCOMPARE(r->ranges[1].points.front().samples, std::uint64_t(8000));
        // RMS of the sines: 1/sqrt2 on h1 x, 2/sqrt2 on h2 x.
        QVERIFY(std::abs(r->ranges[0].points[5].axes[0].rms - 1 / std::sqrt(2.0)) < 1e-4);
        QVERIFY(std::abs(r->ranges[1].points[5].axes[0].rms - 2 / std::sqrt(2.0)) < 1e-4);

        // A sub-range of one device.
        browser.setSelectedDevices({QStringLiteral("h1")});
        browser.setRange(kT0 + 5 * kSecond, kT0 + 15 * kSecond);
        browser.query();
        QVERIFY(shown.wait(5000));
        QCOMPARE(browser.shownRanges()->ranges.size(), std::size_t(1));
        QCOMPARE(browser.shownRanges()->ranges[0].points.size(), std::size_t(10));
        QCOMPARE(browser.shownRanges()->ranges[0].points.front().tNs, kT0 + 5 * kSecond);

        // Export from the GUI, then the same selection through the CLI.
        const QString gui = dir.filePath(QStringLiteral("gui.csv"));
        const QString cli = dir.filePath(QStringLiteral("cli.csv"));
        QSignalSpy exported(&browser, &vibra::ui::HistoryBrowser::exportFinished);
        browser.exportRange(gui);
        QVERIFY(exported.wait(10000));
        QVERIFY2(exported.front().front().toBool(), qPrintable(exported.front().at(1).toString()));
        const QString app = qEnvironmentVariable("VIBRA_BINARY_DIR") + QStringLiteral("/app/vibrascope");
        QVERIFY2(QFile::exists(app), qPrintable(app));
        QProcess p;
        p.start(app, {QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--out"), cli,
                      QStringLiteral("--device"), QStringLiteral("h1"), QStringLiteral("--from"),
                      QStringLiteral("2026-01-01T00:00:05Z"), QStringLiteral("--to"),
                      QStringLiteral("2026-01-01T00:00:15Z")});
        QVERIFY(p.waitForFinished(20000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QFile a(gui), b(cli);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        const QByteArray ga = a.readAll(), cb = b.readAll();
        QCOMPARE(ga.count('\n'), 11); // header + 10 seconds
        QCOMPARE(ga, cb);

        // The same as Parquet: the GUI and `vibrascope export --format parquet` write identical files.
        const QString guiPq = dir.filePath(QStringLiteral("gui.parquet"));
        const QString cliPq = dir.filePath(QStringLiteral("cli.parquet"));
        exported.clear();
        browser.exportRange(guiPq);
        QVERIFY(exported.wait(10000));
        QVERIFY2(exported.front().front().toBool(), qPrintable(exported.front().at(1).toString()));
        QProcess pq;
        pq.start(app, {QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--out"), cliPq,
                       QStringLiteral("--format"), QStringLiteral("parquet"), QStringLiteral("--device"),
                       QStringLiteral("h1"), QStringLiteral("--from"), QStringLiteral("2026-01-01T00:00:05Z"),
                       QStringLiteral("--to"), QStringLiteral("2026-01-01T00:00:15Z")});
        QVERIFY(pq.waitForFinished(20000));
        QVERIFY2(pq.exitCode() == 0, pq.readAllStandardError().constData());
        QFile c(guiPq), e(cliPq);
        QVERIFY(c.open(QIODevice::ReadOnly) && e.open(QIODevice::ReadOnly));
        const QByteArray gp = c.readAll(), cp = e.readAll();
        QVERIFY(gp.startsWith("PAR1") && gp.endsWith("PAR1"));
        QCOMPARE(gp, cp);

        // From a trend to the seconds around a moment: +-5 s, shown as the 1-second buckets overlapping it
        // (7..17; no raw samples are stored in this database).
        browser.zoomAround(kT0 + 12 * kSecond + kSecond / 2);
        QVERIFY(shown.wait(5000));
        QCOMPARE(browser.fromNs(), kT0 + 7 * kSecond + kSecond / 2);
        QCOMPARE(browser.toNs(), kT0 + 17 * kSecond + kSecond / 2);
        QCOMPARE(browser.shownRanges()->ranges[0].points.size(), std::size_t(11));
        QCOMPARE(browser.shownRanges()->ranges[0].points.front().tNs, kT0 + 7 * kSecond);
    }
};

QTEST_MAIN(TstHistoryBrowser)
#include "tst_historybrowser.moc"
