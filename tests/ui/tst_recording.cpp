// Recording from the dashboard: the status line shows duration, file, size and the stored rate, and warns in
// capitals as soon as any sample of a recorded device is dropped.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/RecordingController.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

class TstRecording : public QObject {
    Q_OBJECT
private slots:
    void statusAndDropWarning() {
        QTemporaryDir dir;
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        auto* ch = pipeline.add(QStringLiteral("sim://r?rate=8000"), &error);
        QVERIFY(ch);
        vibra::ui::RecordingController rec(pipeline);
        QCOMPARE(rec.statusText(), QStringLiteral("not recording"));
        const QString db = dir.filePath(QStringLiteral("rec.db"));
        QSignalSpy started(&rec, &vibra::ui::RecordingController::started);
        QSignalSpy changed(&rec, &vibra::ui::RecordingController::recordingChanged);
        QVERIFY2(rec.start(db, &error), qPrintable(error)); // opens in the background
        QVERIFY(rec.isBusy());
        QVERIFY(!rec.start(db, &error)); // busy
        QVERIFY(started.wait(5000));
        QCOMPARE(started.front().at(0).toBool(), true);
        QVERIFY(rec.isRecording() && !rec.isBusy());
        QCOMPARE(changed.size(), 1);
        pipeline.startAll();
        // Rollups are committed per second: after ~2.5 s at least 2 s x 8000 samples are stored.
        QTRY_VERIFY_WITH_TIMEOUT(rec.storedSinceStart() >= 16000, 6000);
        const QString status = rec.statusText();
        QVERIFY2(status.startsWith(QStringLiteral("recording 0:00:0")), qPrintable(status));
        QVERIFY(status.contains(QStringLiteral("rec.db")));
        QVERIFY(status.contains(QStringLiteral("samples/s stored")));
        QVERIFY(!status.contains(QStringLiteral("DROPPED")));
        QVERIFY(QFileInfo(db).size() > 0);
        // Any drop of a recorded device (here: as a storage overflow would count it) shows at once.
        ch->counters().addDropped(vibra::core::DropReason::StoreOverflow, 123, 1);
        QCOMPARE(rec.droppedSinceStart(), quint64(123));
        QVERIFY2(rec.statusText().contains(QStringLiteral("WARNING: 123 SAMPLES DROPPED")),
                 qPrintable(rec.statusText()));
        pipeline.stopAll();
        rec.stop(); // returns at once; the file is finished in the background
        QVERIFY(rec.isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(!rec.isRecording() && !rec.isBusy(), 5000);
        QCOMPARE(changed.size(), 2);
        QCOMPARE(changed.back().at(0).toBool(), false);
        QCOMPARE(rec.droppedSinceStart(), quint64(0));

        // A database that cannot be opened is reported through started(false, message).
        started.clear();
        QVERIFY(rec.start(dir.filePath(QStringLiteral("no/such/dir/x.db")), &error));
        QVERIFY(started.wait(5000));
        QCOMPARE(started.front().at(0).toBool(), false);
        QVERIFY(!started.front().at(1).toString().isEmpty());
        QVERIFY(!rec.isRecording());
    }
};

QTEST_MAIN(TstRecording)
#include "tst_recording.moc"
