// The dashboard's Redis live view through its UI: the source dialog's Redis page builds a watch URL, the main
// window opens it (a real redis-server on a loopback port), published devices appear in the device table with
// their rate and a "watching … (read-only)" state, Redis going away shows "reconnecting" on the device and
// "retrying" in the status bar without blocking the window, a watched device can be removed, and a bad URL is
// refused with a message.
#include "../redis/RedisServer.h"
#include "../redis/RedisTestUtil.h"
#include "pipeline/Pipeline.h"
#include "pipeline/RedisWatch.h"
#include "redis/BlockEntry.h"
#include "redis/StreamKeys.h"
#include "ui/DevicePanel.h"
#include "ui/MainWindow.h"
#include "ui/SourceDialog.h"

#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QtTest>

using namespace vibra;
using ui::DevicePanel;

namespace {
void xadd(redis::Client& c, const std::string& id, std::uint64_t seq) {
    std::vector<std::pair<std::string, std::string>> fields;
    redis::BlockEntry::encode(*test::block(test::deviceInfo(id), seq), 1, seq, &fields);
    const std::string key = redis::StreamKeys::device("plant", id);
    std::vector<std::string_view> args{"XADD", key, "*"};
    for (const auto& [k, v] : fields)
        args.insert(args.end(), {k, v});
    QVERIFY(c.command(args));
}

int rowOf(DevicePanel& panel, const QString& id) {
    panel.refresh();
    for (int r = 0; r < panel.rowCount(); ++r)
        if (panel.cellText(r, DevicePanel::Name) == id)
            return r;
    return -1;
}
} // namespace

class TstRedisView : public QObject {
    Q_OBJECT
private slots:
    void dialogBuildsWatchUrl() {
        ui::SourceDialog d;
        d.setPage(ui::SourceDialog::Redis);
        d.findChild<QLineEdit*>(QStringLiteral("redisHost"))->setText(QStringLiteral("10.0.0.5"));
        d.findChild<QSpinBox*>(QStringLiteral("redisPort"))->setValue(6380);
        d.findChild<QLineEdit*>(QStringLiteral("redisPrefix"))->setText(QStringLiteral("plant1"));
        d.findChild<QLineEdit*>(QStringLiteral("redisMatch"))->setText(QStringLiteral("line2-*"));
        const QString uri = d.uri();
        QVERIFY2(uri.startsWith(QStringLiteral("redis://10.0.0.5:6380/plant1?match=")), qPrintable(uri));
        redis::StreamWatcher::Options o;
        QString error;
        QVERIFY2(pipeline::RedisWatch::parse(uri, &o, &error), qPrintable(error));
        QCOMPARE(o.url.host, std::string("10.0.0.5"));
        QCOMPARE(o.url.port, 6380);
        QCOMPARE(o.url.prefix, std::string("plant1"));
        QCOMPARE(o.match, std::string("line2-*"));
        // Edit: the fields come back from the URI.
        ui::SourceDialog e;
        e.setUri(uri);
        QCOMPARE(e.findChild<QLineEdit*>(QStringLiteral("redisMatch"))->text(), QStringLiteral("line2-*"));
        QCOMPARE(e.findChild<QSpinBox*>(QStringLiteral("redisPort"))->value(), 6380);
    }

    void windowWatchesPublishedDevices() {
        test::RedisServer server;
        QVERIFY(server.start());
        redis::Client c;
        std::string err;
        QVERIFY(c.connect(server.url(), 2000, &err));
        io::SourceFactory factory;
        pipeline::Pipeline pipeline(factory, {});
        ui::MainWindow w(pipeline);
        w.show();

        QString error;
        QVERIFY(!w.addSourceUri(server.urlText(QStringLiteral("plant?bogus=1")), &error));
        QVERIFY2(error.contains(QStringLiteral("bogus")), qPrintable(error));
        QVERIFY2(w.addSourceUri(server.urlText(QStringLiteral("plant")), &error), qPrintable(error));
        QVERIFY(w.addSourceUri(server.urlText(QStringLiteral("plant")) + QStringLiteral("#x"), &error));
        QCOMPARE(w.watches().size(), std::size_t{1}); // one watch per URL
        auto* status = w.findChild<QLabel*>(QStringLiteral("watchStatus"));
        QVERIFY(status);
        QTRY_VERIFY_WITH_TIMEOUT(w.watches()[0]->watcher().stats().scans >= 1, 10000);

        for (std::uint64_t i = 0; i < 20; ++i)
            xadd(c, "w", i);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(w.devicePanel(), QStringLiteral("w")) >= 0, 10000);
        const int row = rowOf(w.devicePanel(), QStringLiteral("w"));
        QTRY_VERIFY_WITH_TIMEOUT(
            w.devicePanel()
                .cellText(row, DevicePanel::State)
                .contains(QStringLiteral("watching 127.0.0.1:%1/plant (read-only)").arg(server.port())),
            10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            pipeline.find(QStringLiteral("w"))->counters().snapshot().samplesReceived == 20 * 64, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(w.devicePanel(), QStringLiteral("w")) == row &&
                                     w.devicePanel().cellText(row, DevicePanel::Rate) ==
                                         QStringLiteral("1000") &&
                                     w.devicePanel().cellText(row, DevicePanel::Axes) == QStringLiteral("3"),
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            status->isVisible() && status->text().contains(QStringLiteral("watching 1 devices")), 5000);
        QCOMPARE(pipeline.find(QStringLiteral("w"))->uri(), server.urlText(QStringLiteral("plant#w")));

        // Redis goes away: the window keeps running and says so, on the device and in the status bar.
        server.stop();
        QTRY_VERIFY_WITH_TIMEOUT(
            w.devicePanel()
                .cellText(rowOf(w.devicePanel(), QStringLiteral("w")), DevicePanel::State)
                .startsWith(QStringLiteral("reconnecting")),
            10000);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("retrying")), 5000);

        // Removing a watched device releases it (nothing more is delivered to it).
        w.removeSource(QStringLiteral("w"));
        QVERIFY(!pipeline.find(QStringLiteral("w")));
        bool released = false;
        for (const auto& s : w.watches()[0]->watcher().streams())
            released = released || s.device == "w";
        QVERIFY(released);
        w.stopWatches();
        pipeline.stopAll();
    }
};

QTEST_MAIN(TstRedisView)
#include "tst_redisview.moc"
