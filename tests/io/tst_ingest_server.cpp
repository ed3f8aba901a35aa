// IngestServer with real peers on loopback (python3-websockets 10.4): the reference sender pushes 16 kHz x 3
// frames to /ingest, drops its connection mid-stream and resumes from the last ack (every sample exactly
// once); a subscriber on /stream receives the same samples; a wrong token is refused and counted; bad,
// duplicate and oversized messages are counted while the connection (or the server) stays usable.
#include "IoTestUtil.h"
#include "io/IngestServer.h"
#include "io/PassiveSource.h"
#include "io/SourceFactory.h"
#include "pipeline/DeviceChannel.h"
#include "pipeline/Pipeline.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QProcess>
#include <QThread>
#include <QtTest>

#include <map>

using vibra::io::IngestServer;

namespace {

// Per-device ring + counters + outlet, created on demand by the provider (server thread), drained here.
struct Sink {
    vibra::core::InputQueue ring{4096, std::uint64_t{1} << 24};
    vibra::core::DeviceCounters counters;
    vibra::core::BlockOutlet outlet{ring, counters};
    std::vector<vibra::core::SampleBlockPtr> blocks;
    std::uint64_t samples() const {
        std::uint64_t n = 0;
        for (const auto& b : blocks)
            n += b->count;
        return n;
    }
};

class Fixture {
public:
    explicit Fixture(IngestServer::Options o) {
        o.port = 0;
        m_server = std::make_unique<IngestServer>(o, [this](const QString& id, const QString&) {
            QMutexLocker lock(&m_mutex);
            auto& s = m_sinks[id];
            s = std::make_unique<Sink>();
            return &s->outlet;
        });
        m_server->moveToThread(&m_thread);
        m_thread.start();
        QString err;
        bool ok = false;
        QMetaObject::invokeMethod(
            m_server.get(), [&] { ok = m_server->listen(&err); }, Qt::BlockingQueuedConnection);
        if (!ok)
            qFatal("listen failed: %s", qPrintable(err));
    }
    ~Fixture() {
        QMetaObject::invokeMethod(
            m_server.get(), [this] { m_server.reset(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    QString url(const QString& pathAndQuery) const {
        return QStringLiteral("ws://127.0.0.1:%1%2").arg(m_server ? m_server->port() : 0).arg(pathAndQuery);
    }
    const IngestServer::Stats& stats() const { return m_server->stats(); }
    Sink* sink(const QString& id) {
        QMutexLocker lock(&m_mutex);
        auto it = m_sinks.find(id);
        return it == m_sinks.end() ? nullptr : it->second.get();
    }
    void drain() {
        QMutexLocker lock(&m_mutex);
        for (auto& [id, s] : m_sinks) {
            vibra::core::SampleBlockPtr b;
            while (s->ring.tryPop(b))
                s->blocks.push_back(std::move(b));
        }
    }

private:
    QThread m_thread;
    std::unique_ptr<IngestServer> m_server;
    QMutex m_mutex;
    std::map<QString, std::unique_ptr<Sink>> m_sinks;
};

std::unique_ptr<QProcess> python(const QStringList& args) {
    auto p = std::make_unique<QProcess>();
    p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p->start(vibra::test::python(), args);
    return p;
}

QJsonObject lastJsonLine(QProcess& p) {
    const auto lines = p.readAllStandardOutput().trimmed().split('\n');
    return QJsonDocument::fromJson(lines.back()).object();
}

const QString kToken = QStringLiteral("s3cret");

} // namespace

class TstIngestServer : public QObject {
    Q_OBJECT
private slots:
    void resumeAfterDisconnectDeliversEverySampleOnceAndRelays() {
        IngestServer::Options o;
        o.token = kToken;
        Fixture fx(o);
        // subscriber first, so it sees every block
        auto sub = python({vibra::test::sourceDir() + "/tests/io/ws_peers.py", "subscribe",
                           fx.url("/stream?device=a"), kToken, "32000"});
        QVERIFY(sub->waitForReadyRead(10000));
        QCOMPARE(sub->readLine().trimmed(), QByteArray("READY"));
        QTRY_COMPARE_WITH_TIMEOUT(fx.stats().connections.load(), std::uint64_t{1},
                                  5000); // registered server-side
        auto dev = python({vibra::test::sourceDir() + "/tools/vibra_send.py", "ws", "--url",
                           fx.url("/ingest?device=a"), "--token", kToken, "--rate", "16000", "--block", "256",
                           "--duration", "2", "--drop-after", "40", "--ignore-hello"});
        QVERIFY(dev->waitForFinished(30000));
        QCOMPARE(dev->exitCode(), 0);
        const QJsonObject sent = lastJsonLine(*dev);
        QCOMPARE(sent.value("acked").toInt(), 124); // 125 frames, all acknowledged
        QCOMPARE(sent.value("unacked").toInt(), 0);
        QVERIFY(sub->waitForFinished(30000));
        const QJsonObject got = lastJsonLine(*sub);

        fx.drain();
        Sink* s = fx.sink("a");
        QVERIFY(s);
        QCOMPARE(s->samples(), std::uint64_t{32000});
        std::uint64_t next = 0;
        for (const auto& b : s->blocks) {
            QCOMPARE(b->firstSample, next); // exactly once, in order
            for (int a = 0; a < 3; ++a)
                for (std::uint32_t k = 0; k < b->count; ++k)
                    QCOMPARE(b->axis(a)[k], float(vibra::test::testValue(b->firstSample + k, a)));
            next += b->count;
        }
        const auto c = s->counters.snapshot();
        QCOMPARE(c.frames, std::uint64_t{125});
        QCOMPARE(c.gapsDetected, std::uint64_t{0});
        QCOMPARE(c.samplesMissing, std::uint64_t{0});
        QCOMPARE(c.dropped(vibra::core::DropReason::RingOverflow), std::uint64_t{0});
        // the frame sent just before the drop was stored but its ack never read; the sender ignores the
        // server's hello and resends it: ignored as a duplicate and counted
        QVERIFY(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Duplicate)] >= 1);
        QCOMPARE(fx.stats().connections.load(), std::uint64_t{3}); // subscriber + 2 device connections
        // the subscriber saw the same samples, intact
        QCOMPARE(got.value("samples").toInt(), 32000);
        QCOMPARE(got.value("bad_crc").toInt(), 0);
        QCOMPARE(got.value("bad_values").toInt(), 0);
        QCOMPARE(got.value("gaps").toInt(), 0);
        QCOMPARE(fx.stats().subscriberDrops.load(), std::uint64_t{0});
    }

    void wrongTokenIsRefusedAndCounted() {
        IngestServer::Options o;
        o.token = kToken;
        Fixture fx(o);
        auto p = python(
            {vibra::test::sourceDir() + "/tests/io/ws_peers.py", "badtoken", fx.url("/ingest?device=a")});
        QVERIFY(p->waitForFinished(10000));
        QCOMPARE(lastJsonLine(*p).value("close").toInt(), 4401);
        // no token at all, via the query form with a wrong value
        auto q = python({vibra::test::sourceDir() + "/tests/io/ws_peers.py", "badtoken",
                         fx.url("/stream?device=a&token=nope")});
        QVERIFY(q->waitForFinished(10000));
        QCOMPARE(lastJsonLine(*q).value("close").toInt(), 4401);
        QCOMPARE(fx.stats().unauthorized.load(), std::uint64_t{2});
        QCOMPARE(fx.stats().connections.load(), std::uint64_t{0});
        QVERIFY(!fx.sink("a")); // no device was created
    }

    void badMessagesAreCountedAndTheConnectionSurvives() {
        IngestServer::Options o;
        o.token = kToken;
        o.maxMessageBytes = 1 << 20;
        Fixture fx(o);
        auto p = python({vibra::test::sourceDir() + "/tests/io/ws_peers.py", "badclient",
                         fx.url("/ingest?device=b"), kToken});
        QVERIFY(p->waitForFinished(20000));
        const QJsonObject r = lastJsonLine(*p);
        QCOMPARE(r.value("hello").toObject().value("ack").toInt(), -1);
        QVERIFY(r.value("short").toObject().contains("error"));
        QVERIFY(r.value("crc").toObject().value("error").toString().contains("CRC"));
        QVERIFY(r.value("json").toObject().value("error").toString().contains("JSON"));
        QCOMPARE(r.value("valid").toObject().value("ack").toInt(), 0);
        QCOMPARE(r.value("dup").toObject().value("ack").toInt(), 0);
        // an error quoting the sender's backslash and quote: the reply is valid JSON (the peer parsed it)
        const QString quoted = r.value("backslash").toObject().value("error").toString();
        QVERIFY2(quoted.contains(QStringLiteral("\\q")), qPrintable(quoted));
        if (r.contains(QStringLiteral("big_error"))) // the close raced the send (a reset): the server decides
            QTRY_COMPARE_WITH_TIMEOUT(fx.stats().oversized.load(), std::uint64_t{1}, 5000);
        else
            QCOMPARE(r.value("big_close").toInt(), 1009);
        QTest::qWait(100);
        fx.drain();
        Sink* s = fx.sink("b");
        QVERIFY(s);
        QCOMPARE(s->samples(), std::uint64_t{32});
        const auto c = s->counters.snapshot();
        // the first three came before the device existed: counted by the server
        QCOMPARE(fx.stats().rejectedNoDevice.load(), std::uint64_t{3});
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Duplicate)],
                 std::uint64_t{1});
        QCOMPARE(c.framesDropped[static_cast<std::size_t>(vibra::core::DropReason::Malformed)],
                 std::uint64_t{2}); // the bad escape and the 2 MB message
        QCOMPARE(fx.stats().oversized.load(), std::uint64_t{1});
        // the server is still usable: a new device connection works
        auto again = python({vibra::test::sourceDir() + "/tools/vibra_send.py", "ws", "--url",
                             fx.url("/ingest?device=b"), "--token", kToken, "--rate", "1000", "--block", "32",
                             "--duration", "0.064", "--start-seq", "1", "--start-sample", "32", "--unpaced"});
        QVERIFY(again->waitForFinished(20000));
        QCOMPARE(lastJsonLine(*again).value("acked").toInt(), 2);
        QTest::qWait(50);
        fx.drain();
        QCOMPARE(s->samples(), std::uint64_t{96});
    }

    void hundredMegabyteMessageIsRefusedWithBoundedMemory() {
        IngestServer::Options o;
        o.token = kToken;
        Fixture fx(o);
        const auto peakKb = [] {
            QFile f("/proc/self/status");
            if (!f.open(QIODevice::ReadOnly))
                return qint64(-1);
            for (const QByteArray& line : f.readAll().split('\n'))
                if (line.startsWith("VmHWM:"))
                    return line.mid(6).trimmed().split(' ').first().toLongLong();
            return qint64(-1);
        };
        const qint64 before = peakKb();
        auto p = python({vibra::test::sourceDir() + "/tests/io/ws_peers.py", "huge",
                         fx.url("/ingest?device=h"), kToken, "100"});
        QVERIFY(p->waitForFinished(60000));
        const QJsonObject r = lastJsonLine(*p);
        QCOMPARE(r.value("close").toInt(), 1009);
        QTRY_COMPARE_WITH_TIMEOUT(fx.stats().oversized.load(), std::uint64_t{1}, 5000);
        const qint64 grown = peakKb() - before;
        QVERIFY2(grown < 32 * 1024, qPrintable(QStringLiteral("peak memory grew by %1 kB").arg(grown)));
        // the server still serves: a device connects and stores a frame
        auto again = python({vibra::test::sourceDir() + "/tools/vibra_send.py", "ws", "--url",
                             fx.url("/ingest?device=h"), "--token", kToken, "--rate", "1000", "--block", "32",
                             "--duration", "0.032", "--unpaced"});
        QVERIFY(again->waitForFinished(20000));
        QCOMPARE(lastJsonLine(*again).value("acked").toInt(), 0);
    }

    void feedsAPipelineDeviceChannelThroughAPassiveSource() {
        // The wiring of `vibrascope record --listen`: the device lives in the pipeline as a DeviceChannel
        // whose source is a PassiveSource; the server delivers through the channel core's BlockOutlet (the
        // only producer of its queue).
        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipe(factory, vibra::pipeline::DspSettings{});
        QString err;
        vibra::pipeline::DeviceChannel* channel =
            pipe.addSource(std::make_unique<vibra::io::PassiveSource>("p", "ws-ingest://127.0.0.1/p",
                                                                      "fed by the ingest server"),
                           &err);
        QVERIFY2(channel, qPrintable(err));
        channel->start();
        vibra::core::BlockOutlet& outlet = channel->core()->outlet();
        IngestServer::Options o;
        o.port = 0;
        QThread thread;
        IngestServer server(o,
                            [&](const QString& id, const QString&) { return id == "p" ? &outlet : nullptr; });
        server.moveToThread(&thread);
        thread.start();
        QMetaObject::invokeMethod(
            &server, [&] { server.listen(nullptr); }, Qt::BlockingQueuedConnection);
        bool stopped = false;
        const auto shutdown = [&] {
            if (stopped)
                return;
            stopped = true;
            QMetaObject::invokeMethod(
                &server, [&] { server.close(); }, Qt::BlockingQueuedConnection);
            pipe.stopAll();
            thread.quit();
            thread.wait();
        };
        auto guard = qScopeGuard(shutdown); // also on an early return from a failed check
        auto dev = python({vibra::test::sourceDir() + "/tools/vibra_send.py", "ws", "--url",
                           QStringLiteral("ws://127.0.0.1:%1/ingest?device=p").arg(server.port()), "--rate",
                           "16000", "--duration", "1", "--unpaced"});
        QVERIFY(dev->waitForFinished(20000));
        QCOMPARE(lastJsonLine(*dev).value("acked").toInt(), 62); // 63 frames, the last one partial
        QTRY_COMPARE_WITH_TIMEOUT(channel->core()->counters()->samplesProcessed.load(), std::uint64_t{16000},
                                  5000);
        // the state arrives as a queued signal from the source's I/O thread: poll it with a deadline
        QTRY_COMPARE_WITH_TIMEOUT(channel->state(), vibra::io::Source::State::Live, 5000);
        shutdown();
        const auto c = channel->core()->counters()->snapshot();
        QCOMPARE(c.samplesReceived, std::uint64_t{16000});
        QCOMPARE(c.droppedTotal(), std::uint64_t{0});
    }

    void slowSubscriberLosesBlocksNotTheDevice() {
        IngestServer::Options o;
        o.token = kToken;
        o.subscriberQueueBytes = 64 * 1024;
        Fixture fx(o);
        auto sub = python({vibra::test::sourceDir() + "/tests/io/ws_peers.py", "slowsub",
                           fx.url("/stream?device=s"), kToken, "60"});
        QVERIFY(sub->waitForReadyRead(10000));
        QTRY_COMPARE_WITH_TIMEOUT(fx.stats().connections.load(), std::uint64_t{1}, 5000);
        // 40 s of 16 kHz x 3 (7.7 MB relayed as float32, more than loopback socket buffers hold) pushed
        // unpaced
        auto dev = python({vibra::test::sourceDir() + "/tools/vibra_send.py", "ws", "--url",
                           fx.url("/ingest?device=s"), "--token", kToken, "--rate", "16000", "--duration",
                           "40", "--unpaced"});
        // drain while the device sends: the outlet's queue holds about a second of samples
        QElapsedTimer t;
        t.start();
        while (dev->state() != QProcess::NotRunning && t.elapsed() < 60000) {
            fx.drain();
            dev->waitForFinished(5);
        }
        QCOMPARE(lastJsonLine(*dev).value("acked").toInt(), 2499);
        QTest::qWait(100);
        fx.drain();
        QCOMPARE(fx.sink("s")->samples(), std::uint64_t{640000}); // the device lost nothing
        QVERIFY2(fx.stats().subscriberDrops.load() > 0, "the slow subscriber must lose blocks");
        QCOMPARE(fx.stats().relayed.load() + fx.stats().subscriberDrops.load(), std::uint64_t{2500});
        sub->kill();
        sub->waitForFinished(5000);
    }

    void connectionLimit() {
        IngestServer::Options o;
        o.maxConnections = 1;
        Fixture fx(o);
        auto sub = python({vibra::test::sourceDir() + "/tests/io/ws_peers.py", "subscribe",
                           fx.url("/stream?device=z"), "x", "1"});
        QVERIFY(sub->waitForReadyRead(10000));
        QTRY_COMPARE_WITH_TIMEOUT(fx.stats().connections.load(), std::uint64_t{1}, 5000);
        auto p = python(
            {vibra::test::sourceDir() + "/tests/io/ws_peers.py", "badtoken", fx.url("/ingest?device=y")});
        QVERIFY(p->waitForFinished(10000));
        QCOMPARE(lastJsonLine(*p).value("close").toInt(), 1013);
        QCOMPARE(fx.stats().refusedBusy.load(), std::uint64_t{1});
        sub->kill();
        sub->waitForFinished(5000);
    }
};

QTEST_GUILESS_MAIN(TstIngestServer)
#include "tst_ingest_server.moc"
