// IngestBridge sharded over three ingest threads (record --listen --ingest-threads 3), against the real load
// generator (vibra-loadgen, a separate process): devices are spread over the shards, channels are removed
// while their shard is feeding them (the server must forget a device before its core goes; the core is held
// until it has), devices reconnect and come back, and every untouched device's samples arrive exactly once.
// Runs under TSan in CI (make tsan): the shard threads, the owner thread and the DSP pool meet here.
#include "io/SourceFactory.h"
#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>
#include <QtTest>

#include <set>

using namespace vibra;

class TstIngestBridge : public QObject {
    Q_OBJECT
private slots:
    void shardsSurviveRemovalWhileFeeding() {
        const QString loadgen = qEnvironmentVariable("LOADGEN");
        QVERIFY2(!loadgen.isEmpty(), "LOADGEN must name the vibra-loadgen binary");
        io::SourceFactory factory;
        pipeline::Pipeline::Options po;
        po.workers = 2;
        po.ioThreads = 1;
        pipeline::Pipeline pipe(factory, {}, po);
        io::IngestServer::Options o;
        o.port = 0;
        o.token = QStringLiteral("t");
        o.threads = 3;
        pipeline::IngestBridge bridge(pipe, o, nullptr);
        QCOMPARE(bridge.threads(), 3);
        QString error;
        QVERIFY2(bridge.listen(&error), qPrintable(error));
        QVERIFY(bridge.port() != 0);

        constexpr int kDevices = 8;
        QProcess lg;
        lg.start(loadgen,
                 {QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1/ingest").arg(bridge.port()),
                  QStringLiteral("--token"), QStringLiteral("t"), QStringLiteral("--devices"),
                  QString::number(kDevices), QStringLiteral("--rate"), QStringLiteral("4000"),
                  QStringLiteral("--axes"), QStringLiteral("3"), QStringLiteral("--block"),
                  QStringLiteral("128"), QStringLiteral("--duration"), QStringLiteral("5")});
        QVERIFY(lg.waitForStarted(10000));
        QVERIFY(QTest::qWaitFor([&] { return pipe.channels().size() == kDevices; }, 20000));

        // Remove three devices again and again while they stream: each reconnects (the load generator
        // resumes) and becomes a new channel, on the same shard.
        const std::set<QString> victims{QStringLiteral("dev0001"), QStringLiteral("dev0004"),
                                        QStringLiteral("dev0006")};
        int removals = 0;
        for (int round = 0; round < 6 && lg.state() == QProcess::Running; ++round) {
            for (const QString& id : victims)
                if (pipe.find(id) && pipe.remove(id))
                    ++removals;
            // wait for them to come back (or for the generator to finish)
            QTest::qWaitFor(
                [&] {
                    return lg.state() != QProcess::Running ||
                           std::all_of(victims.begin(), victims.end(),
                                       [&](const QString& id) { return pipe.find(id) != nullptr; });
                },
                10000);
        }
        qInfo("%d removals while streaming; %zu channels now", removals, pipe.channels().size());
        QVERIFY2(removals >= 6, qPrintable(QString::number(removals)));
        QVERIFY(lg.waitForFinished(60000));
        const auto doc = QJsonDocument::fromJson(lg.readAllStandardOutput());
        QVERIFY2(doc.isObject(), qPrintable(QString::fromUtf8(lg.readAllStandardError())));

        // the untouched devices: every sample the generator had acknowledged arrived once, none dropped
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (const auto& ch : pipe.channels()) {
                    const auto c = ch->counters().snapshot();
                    if (c.samplesProcessed < c.samplesReceived)
                        return false;
                }
                return true;
            },
            20000));
        int checked = 0;
        for (const auto& d : doc.object().value(QStringLiteral("devices")).toArray()) {
            const QString name = d.toObject().value(QStringLiteral("name")).toString();
            if (victims.count(name))
                continue;
            auto* ch = pipe.find(name);
            QVERIFY2(ch, qPrintable(name));
            const auto c = ch->counters().snapshot();
            const auto expected =
                static_cast<std::uint64_t>(d.toObject().value(QStringLiteral("samples_acked")).toDouble());
            QCOMPARE(c.samplesReceived, expected);
            QCOMPARE(c.samplesProcessed, expected);
            QCOMPARE(c.samplesMissing, 0U);
            ++checked;
        }
        QCOMPARE(checked, kDevices - static_cast<int>(victims.size()));
        QVERIFY(bridge.stats().connections.load() >= static_cast<std::uint64_t>(kDevices + removals / 2));
        bridge.close();
        QVERIFY(pipe.stopAll());
        QCOMPARE(bridge.stats().openConnections.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TstIngestBridge)
#include "tst_ingest_bridge.moc"
