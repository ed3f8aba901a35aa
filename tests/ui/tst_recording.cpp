// Recording from the dashboard: the status line shows duration, file, size and the stored rate, and warns in
// capitals as soon as any sample of a recorded device is dropped.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/RecordingController.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
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

    void removeAndEditWhileRecording() {
        // The dashboard's remove and edit (= remove, then add the new URI under the same name) while the
        // recorder is attached, many times over: the writer must never touch a removed channel (run under
        // ASan/valgrind to see invalid accesses), and every device's accounting must balance in the file.
        QTemporaryDir dir;
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        auto* steady = pipeline.add(QStringLiteral("sim://steady?rate=4000&axes=1"), &error);
        QVERIFY2(steady, qPrintable(error));
        vibra::ui::RecordingController rec(pipeline);
        const QString db = dir.filePath(QStringLiteral("edit.db"));
        QSignalSpy started(&rec, &vibra::ui::RecordingController::started);
        QVERIFY2(rec.start(db, &error), qPrintable(error));
        QVERIFY(started.wait(5000));
        pipeline.startAll();
        std::uint64_t seenEdited = 0;
        constexpr int kRounds = 25;
        for (int round = 0; round < kRounds; ++round) {
            // an edit of 'e': a new rate and seed under the same name
            const QString uri =
                QStringLiteral("sim://e?rate=%1&axes=2&seed=%2").arg(2000 + 500 * (round % 3)).arg(round);
            auto* ch = pipeline.add(uri, &error);
            QVERIFY2(ch, qPrintable(error));
            ch->start();
            QVERIFY(QTest::qWaitFor([&] { return ch->counters().snapshot().samplesReceived >= 200; }, 5000));
            seenEdited += ch->counters().snapshot().samplesReceived;
            QVERIFY(pipeline.remove(QStringLiteral("e")));
        }
        pipeline.stopAll();
        rec.stopAndWait();
        QVERIFY(!rec.failed());
        {
            auto con = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
            con.setDatabaseName(db);
            QVERIFY(con.open());
            QSqlQuery q(con);
            QVERIFY(q.exec(QStringLiteral(
                "SELECT d.name, sd.received, sd.stored, sd.dropped_total, "
                "(SELECT COALESCE(SUM(n), 0) FROM rollup_1s r WHERE r.device_id = d.id AND r.axis = 0) "
                "FROM session_device sd JOIN device d ON d.id = sd.device_id ORDER BY d.name")));
            int rows = 0;
            while (q.next()) {
                ++rows;
                const QString name = q.value(0).toString();
                const auto received = q.value(1).toULongLong(), stored = q.value(2).toULongLong(),
                           dropped = q.value(3).toULongLong(), inRollups = q.value(4).toULongLong();
                qInfo("%s: received %llu stored %llu dropped %llu rollups %llu", qPrintable(name), received,
                      stored, dropped, inRollups);
                QCOMPARE(received, stored + dropped); // balanced
                QCOMPARE(inRollups, stored);          // what is counted stored is in the rollups
                if (name == QLatin1String("e"))
                    QVERIFY(received >= seenEdited); // every instance of the edited device is in one row
                QVERIFY(received > 0);
            }
            QCOMPARE(rows, 2);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
    }
};

QTEST_MAIN(TstRecording)
#include "tst_recording.moc"
