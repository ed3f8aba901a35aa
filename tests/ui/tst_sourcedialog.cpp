// The source dialog builds URIs the pipeline accepts, and adding, editing and removing sources through the
// main window updates the devices panel.
#include "io/Source.h"
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/DevicePanel.h"
#include "ui/MainWindow.h"
#include "ui/SourceDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLineEdit>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

using vibra::ui::SourceDialog;

class TstSourceDialog : public QObject {
    Q_OBJECT
private slots:
    void simulatorPageBuildsAcceptedUri() {
        SourceDialog d;
        d.setPage(SourceDialog::Simulator);
        d.findChild<QLineEdit*>(QStringLiteral("simName"))->setText(QStringLiteral("pump 1"));
        auto* profile = d.findChild<QComboBox*>(QStringLiteral("simProfile"));
        profile->setCurrentIndex(profile->findData(QStringLiteral("bearing")));
        d.findChild<QDoubleSpinBox*>(QStringLiteral("simRate"))->setValue(8000);
        d.findChild<QSpinBox*>(QStringLiteral("simAxes"))->setValue(2);
        const QString uri = d.uri();
        QCOMPARE(QUrl(uri).scheme(), QStringLiteral("sim"));
        const QUrlQuery q{QUrl(uri)};
        QCOMPARE(q.queryItemValue(QStringLiteral("profile")), QStringLiteral("bearing"));
        QCOMPARE(q.queryItemValue(QStringLiteral("rate")), QStringLiteral("8000"));
        QCOMPARE(q.queryItemValue(QStringLiteral("axes")), QStringLiteral("2"));
        // The factory accepts it and the device has the chosen shape.
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        auto* ch = pipeline.add(uri, &error);
        QVERIFY2(ch, qPrintable(error + QStringLiteral(" for ") + uri));
        QCOMPARE(ch->deviceId(), QStringLiteral("pump 1"));
    }

    void serialWebSocketAndFilePages() {
        SourceDialog d;
        d.setPage(SourceDialog::Serial);
        auto* port = d.findChild<QComboBox*>(QStringLiteral("serialPort"));
        port->setCurrentText(QStringLiteral("/dev/ttyACM7"));
        d.findChild<QComboBox*>(QStringLiteral("serialBaud"))->setCurrentText(QStringLiteral("115200"));
        auto* fmt = d.findChild<QComboBox*>(QStringLiteral("serialFormat"));
        fmt->setCurrentIndex(fmt->findData(QStringLiteral("csv")));
        d.findChild<QDoubleSpinBox*>(QStringLiteral("serialRate"))->setValue(1000);
        QCOMPARE(d.uri(), QStringLiteral("serial:///dev/ttyACM7?baud=115200&format=csv&rate=1000"));
        d.findChild<QDoubleSpinBox*>(QStringLiteral("serialScale"))->setValue(0.5);
        QCOMPARE(d.uri(), QStringLiteral("serial:///dev/ttyACM7?baud=115200&format=csv&rate=1000&scale=0.5"));

        d.setPage(SourceDialog::WebSocket);
        d.findChild<QLineEdit*>(QStringLiteral("wsUrl"))->setText(QStringLiteral("ws://127.0.0.1:9000/live"));
        d.findChild<QLineEdit*>(QStringLiteral("wsToken"))->setText(QStringLiteral("s3cret"));
        const QUrl ws(d.uri());
        QCOMPARE(ws.host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(ws.port(), 9000);
        QCOMPARE(QUrlQuery(ws).queryItemValue(QStringLiteral("token")), QStringLiteral("s3cret"));

        d.setPage(SourceDialog::File);
        d.findChild<QLineEdit*>(QStringLiteral("filePath"))->setText(QStringLiteral("/tmp/my data.csv"));
        auto* unit = d.findChild<QComboBox*>(QStringLiteral("fileUnit"));
        unit->setCurrentIndex(unit->findData(QStringLiteral("m/s2")));
        d.findChild<QDoubleSpinBox*>(QStringLiteral("fileScale"))->setValue(0.001);
        const QUrl file(d.uri());
        QCOMPARE(file.scheme(), QStringLiteral("file"));
        QCOMPARE(file.toLocalFile(), QStringLiteral("/tmp/my data.csv"));
        QCOMPARE(QUrlQuery(file).queryItemValue(QStringLiteral("unit")), QStringLiteral("m/s2"));
        QCOMPARE(QUrlQuery(file).queryItemValue(QStringLiteral("scale")), QStringLiteral("0.001"));
    }

    void editPrefillsFromUri() {
        SourceDialog d;
        d.setUri(QStringLiteral("sim://m3?profile=sine&rate=4000&axes=1"));
        QCOMPARE(d.uri(), QStringLiteral("sim://m3?profile=sine&rate=4000&axes=1"));
        QCOMPARE(d.findChild<QLineEdit*>(QStringLiteral("simName"))->text(), QStringLiteral("m3"));
        QCOMPARE(d.findChild<QDoubleSpinBox*>(QStringLiteral("simRate"))->value(), 4000.0);
        d.findChild<QSpinBox*>(QStringLiteral("simAxes"))->setValue(3); // a field change rebuilds the URI
        QCOMPARE(d.uri(), QStringLiteral("sim://m3?profile=sine&rate=4000"));
    }

    void fileAndWebSocketUrisAreAccepted() {
        // A CSV written here, replayed through the URI the dialog builds (as fast as possible).
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("run 1.csv"));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int i = 0; i < 2000; ++i)
            f.write(QStringLiteral("%1,%2,%3\n").arg(i % 7).arg(-i % 5).arg(1).toUtf8());
        f.close();
        SourceDialog d;
        d.setPage(SourceDialog::File);
        d.findChild<QLineEdit*>(QStringLiteral("filePath"))->setText(csv);
        d.findChild<QDoubleSpinBox*>(QStringLiteral("fileRate"))->setValue(1000);
        d.findChild<QCheckBox*>(QStringLiteral("fileRealtime"))->setChecked(false);
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        vibra::ui::MainWindow w(pipeline);
        QString error;
        QVERIFY2(w.addSourceUri(d.uri(), &error), qPrintable(error + QStringLiteral(" for ") + d.uri()));
        auto* ch = pipeline.find(QStringLiteral("run 1"));
        QVERIFY(ch);
        QTRY_COMPARE_WITH_TIMEOUT(ch->counters().snapshot().samplesReceived, std::uint64_t(2000), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(
            w.devicePanel().cellText(0, vibra::ui::DevicePanel::State).startsWith(QStringLiteral("finished")),
            5000);

        // The WebSocket page's URI (with a token) is accepted by the factory (not connected here).
        d.setPage(SourceDialog::WebSocket);
        d.findChild<QLineEdit*>(QStringLiteral("wsUrl"))->setText(QStringLiteral("ws://127.0.0.1:9/"));
        d.findChild<QLineEdit*>(QStringLiteral("wsToken"))->setText(QStringLiteral("t0k"));
        QVERIFY2(factory.create(d.uri(), &error), qPrintable(error + QStringLiteral(" for ") + d.uri()));
        pipeline.stopAll();
    }

    void addAndRemoveUpdateThePanel() {
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        vibra::ui::MainWindow w(pipeline);
        w.show();
        QCOMPARE(w.devicePanel().rowCount(), 0);
        QString error;
        QVERIFY(w.addSourceUri(QStringLiteral("sim://a?profile=sine"), &error));
        QVERIFY(w.addSourceUri(QStringLiteral("sim://b?rate=8000&axes=2"), &error));
        QVERIFY(!w.addSourceUri(QStringLiteral("sim://b"), &error)); // duplicate name
        QVERIFY(!error.isEmpty());
        QVERIFY(!w.addSourceUri(QStringLiteral("sim://c?rate=fast"), &error)); // bad parameter
        QVERIFY2(error.contains(QStringLiteral("rate")), qPrintable(error));
        QCOMPARE(w.devicePanel().rowCount(), 2);
        using P = vibra::ui::DevicePanel;
        QTRY_COMPARE_WITH_TIMEOUT(w.devicePanel().cellText(1, P::State), QStringLiteral("live"), 3000);
        QTRY_COMPARE_WITH_TIMEOUT(w.devicePanel().cellText(1, P::Rate), QStringLiteral("8000"), 3000);
        QCOMPARE(w.devicePanel().cellText(1, P::Axes), QStringLiteral("2"));
        // samples/s is measured over a second: about 8000 for b
        QTRY_VERIFY_WITH_TIMEOUT(
            std::abs(w.devicePanel().cellText(1, P::SamplesPerSecond).toDouble() - 8000) < 800, 4000);
        QCOMPARE(w.devicePanel().cellText(1, P::Dropped), QStringLiteral("0"));
        QVERIFY(pipeline.remove(QStringLiteral("a")));
        QCOMPARE(w.devicePanel().rowCount(), 1);
        QCOMPARE(w.devicePanel().cellText(0, P::Name), QStringLiteral("b"));
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstSourceDialog)
#include "tst_sourcedialog.moc"
