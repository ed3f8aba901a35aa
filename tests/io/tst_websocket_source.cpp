// WebSocketSource against real Python peers (python3-websockets 10.4) on loopback: SensorServer-shaped JSON
// recorded in m/s² with an inferred gap and a reconnect; binary frames and JSON blocks mixed with garbage, a
// CRC error, a duplicate and a 2 MB message (counted, reconnect, data continues).
#include "IoTestUtil.h"
#include "SourceHarness.h"
#include "io/WebSocketSource.h"

#include <QProcess>
#include <QtTest>

using vibra::io::WebSocketSource;
using vibra::test::SourceHarness;

namespace {
struct Peer {
    std::unique_ptr<QProcess> proc;
    int port = 0;
};

Peer startPeer(const QString& mode) {
    Peer p;
    p.proc = std::make_unique<QProcess>();
    p.proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.proc->start(vibra::test::python(), {vibra::test::sourceDir() + "/tests/io/ws_peers.py", mode});
    QElapsedTimer t;
    t.start();
    QByteArray out;
    while (!out.contains('\n') && t.elapsed() < 10000 && p.proc->state() != QProcess::NotRunning) {
        p.proc->waitForReadyRead(100);
        out += p.proc->readAllStandardOutput();
    }
    if (out.startsWith("PORT "))
        p.port = out.mid(5).trimmed().toInt();
    else
        qWarning("peer did not start: %s", out.constData());
    return p;
}
} // namespace

class TstWebSocketSource : public QObject {
    Q_OBJECT
private slots:
    void uriSplitsOurParametersFromTheServers() {
        QString err;
        auto s = WebSocketSource::create(
            "ws://127.0.0.1:8080/sensor/connect?type=android.sensor.accelerometer&rate=200&id=phone", &err);
        QVERIFY2(s, qPrintable(err));
        QCOMPARE(s->deviceId(), QStringLiteral("phone"));
        QVERIFY(!WebSocketSource::create("ws://127.0.0.1:1/?format=xml", &err));
        QVERIFY(err.contains("format"));
        QVERIFY(!WebSocketSource::create("ws:///nohost", &err));
        QCOMPARE(WebSocketSource::closeCodeText(4001),
                 QStringLiteral("SensorServer: sensor not found on the phone"));
    }

    void sensorServerInMetersPerSecond2WithInferredGap() {
        Peer peer = startPeer("sensorserver");
        QVERIFY(peer.port > 0);
        QString err;
        auto src = WebSocketSource::create(
            QStringLiteral(
                "ws://127.0.0.1:%1/sensor/connect?type=android.sensor.accelerometer&rate=200&id=phone")
                .arg(peer.port),
            &err);
        QVERIFY2(src, qPrintable(err));
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.samples() >= 380; }, 10000));
        QTest::qWait(100);
        h.stop();
        peer.proc->waitForFinished(5000);
        QCOMPARE(h.samples(), std::uint64_t{380});
        const auto c = h.counters();
        QCOMPARE(c.reconnects, std::uint64_t{1});
        QCOMPARE(c.gapsInferred, std::uint64_t{1});
        QCOMPARE(c.gapsDetected, std::uint64_t{0});
        QCOMPARE(c.samplesMissing, std::uint64_t{20});
        // the event resent at the start of the second connection is dropped (frames only: it never counted
        // as received, so received = stored + dropped still holds)
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Duplicate)],
                 std::uint64_t{1});
        QCOMPARE(c.droppedTotal(), std::uint64_t{0});
        // every value at its index, in m/s²
        int checked = 0;
        for (const auto& a : h.arrivals()) {
            QVERIFY(a.block->indexInferred);
            QCOMPARE(a.block->device->unit, vibra::core::Unit::MetersPerSecond2);
            QCOMPARE(a.block->sampleRate(), 200.0);
            for (std::uint32_t k = 0; k < a.block->count; ++k, ++checked) {
                const auto i = a.block->firstSample + k;
                QVERIFY(i < 300 || i >= 320);
                QCOMPARE(a.block->axis(0)[k], float(double(i) * 0.01));
                QCOMPARE(a.block->axis(1)[k], 9.80665f);
                QCOMPARE(a.block->axis(2)[k], float(-double(i) * 0.001));
            }
        }
        QCOMPARE(checked, 380);
    }

    void framesJsonBlocksAndBadMessages() {
        Peer peer = startPeer("frameserver");
        QVERIFY(peer.port > 0);
        auto src = WebSocketSource::create(QStringLiteral("ws://127.0.0.1:%1/stream?device=x").arg(peer.port),
                                           nullptr);
        QVERIFY(src);
        SourceHarness h(std::move(src));
        h.start();
        QVERIFY(h.drainUntil([&] { return h.samples() >= 192; }, 10000));
        QTest::qWait(100);
        h.stop();
        peer.proc->waitForFinished(5000);
        const auto c = h.counters();
        QCOMPARE(h.samples(), std::uint64_t{192}); // frames 0, 2 (JSON), 3 after the reconnect
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Crc)], std::uint64_t{1});
        // garbage binary, invalid JSON, and the 2 MB message
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Malformed)],
                 std::uint64_t{3});
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Duplicate)],
                 std::uint64_t{1});
        QCOMPARE(c.reconnects, std::uint64_t{1});
        QCOMPARE(c.gapsDetected, std::uint64_t{1}); // frame 1 lost to the CRC error
        QCOMPARE(c.samplesMissing, std::uint64_t{64});
        for (const auto& a : h.arrivals())
            for (std::uint32_t k = 0; k < a.block->count; ++k)
                QCOMPARE(a.block->axis(2)[k], float(vibra::test::testValue(a.block->firstSample + k, 2)));
    }
};

QTEST_GUILESS_MAIN(TstWebSocketSource)
#include "tst_websocket_source.moc"
