#include "cli/RecordCommand.h"

#include "cli/ExitCode.h"
#include "cli/UnixSignalWatcher.h"
#include "exporting/ParquetRecordingSink.h"
#include "io/SourceFactory.h"
#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"
#include "storage/SqliteWriter.h"
#include "storage/TimeText.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>

#include <csignal>
#include <memory>
#include <vector>

namespace vibra::cli {

namespace {
const QString kCmd = QStringLiteral("record");

QString formatCounters(const QString& id, const core::CounterSnapshot& c, double rate) {
    return QStringLiteral("%1: %2 S/s, received %3, stored %4, dropped %5, gaps %6")
        .arg(id)
        .arg(rate, 0, 'f', 0)
        .arg(c.samplesReceived)
        .arg(c.samplesStored)
        .arg(c.droppedTotal())
        .arg(c.gapsDetected + c.gapsInferred);
}
} // namespace

int runRecord(const CommandContext& ctx) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Record devices headless into a SQLite history (1-second rollups and per-device accounting)\n"
        "and/or every raw sample into rotated Parquet files (--parquet).\n"
        "Stops after --duration, when every finite source has finished, or on SIGINT/SIGTERM."));
    p.addHelpOption();
    p.addOption(
        {{QStringLiteral("s"), QStringLiteral("source")},
         QStringLiteral("Device to record (repeatable), e.g. sim://a, sim://b?profile=sine&freq=100."),
         QStringLiteral("URI")});
    p.addOption(
        {QStringLiteral("listen"),
         QStringLiteral("Also accept devices pushing frames over WebSocket (/ingest) and relay live blocks "
                        "(/stream) on this address, e.g. 127.0.0.1:8765. Needs --db."),
         QStringLiteral("HOST:PORT")});
    p.addOption(
        {QStringLiteral("token"),
         QStringLiteral("Bearer token devices and subscribers must present with --listen (default: the "
                        "VIBRASCOPE_TOKEN environment variable; none = no authentication, loopback only)."),
         QStringLiteral("T")});
    p.addOption({QStringLiteral("db"),
                 QStringLiteral("History database to create or append to (optional with --parquet)."),
                 QStringLiteral("FILE")});
    p.addOption(
        {QStringLiteral("parquet"),
         QStringLiteral("Also write every raw sample to DIR/<device>/<device>_<period start>.parquet, "
                        "one closed file per device per rotation period."),
         QStringLiteral("DIR")});
    p.addOption({QStringLiteral("rotate"),
                 QStringLiteral("Parquet rotation period, aligned to UTC (e.g. 30s, 10min, 1h; >= 1s; "
                                "default 10min)."),
                 QStringLiteral("DURATION"), QStringLiteral("10min")});
    p.addOption({{QStringLiteral("d"), QStringLiteral("duration")},
                 QStringLiteral("Stop after this many seconds (default: run until stopped)."),
                 QStringLiteral("SECONDS")});
    p.addOption(
        {QStringLiteral("durable"),
         QStringLiteral("fsync every commit (synchronous=FULL): survives power loss, costs an fsync per "
                        "commit.")});
    p.addOption(
        {{QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No status line every second.")});
    p.addOption(
        {QStringLiteral("raw"),
         QStringLiteral("Also store every sample (zstd-compressed blocks); samples then count as stored "
                        "when their raw block is committed.")});
    p.addOption({QStringLiteral("retain-raw"),
                 QStringLiteral("Delete raw blocks older than this while recording (e.g. 12h, 7d, 30min)."),
                 QStringLiteral("DURATION")});
    p.addOption({QStringLiteral("retain-rollups"),
                 QStringLiteral("Delete rollups (1 s, 1 min, 1 h) and events older than this (e.g. 90d)."),
                 QStringLiteral("DURATION")});
    QCommandLineOption maxPages(QStringLiteral("max-db-pages"),
                                QStringLiteral("Testing: cap the database size (PRAGMA max_page_count)."),
                                QStringLiteral("PAGES"));
    maxPages.setFlags(QCommandLineOption::HiddenFromHelp);
    p.addOption(maxPages);
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << p.helpText();
        return kExitOk;
    }
    if (!p.positionalArguments().isEmpty())
        return usageError(ctx, kCmd,
                          QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first()));
    const QStringList uris = p.values(QStringLiteral("source"));
    if (uris.isEmpty() && !p.isSet(QStringLiteral("listen")))
        return usageError(ctx, kCmd,
                          QStringLiteral("give at least one --source URI (e.g. --source sim://a)"));
    const QString dbPath = p.value(QStringLiteral("db"));
    const QString parquetDir = p.value(QStringLiteral("parquet"));
    std::optional<io::IngestServer::Options> listen;
    if (p.isSet(QStringLiteral("listen"))) {
        io::IngestServer::Options o;
        QString err;
        if (!pipeline::IngestBridge::parseListen(p.value(QStringLiteral("listen")),
                                                 p.isSet(QStringLiteral("token"))
                                                     ? p.value(QStringLiteral("token"))
                                                     : qEnvironmentVariable("VIBRASCOPE_TOKEN"),
                                                 &o, &err))
            return usageError(ctx, kCmd, err);
        if (dbPath.isEmpty())
            return usageError(
                ctx, kCmd,
                QStringLiteral("--listen needs --db: devices arriving over the network are recorded to "
                               "the database"));
        listen = o;
    } else if (p.isSet(QStringLiteral("token"))) {
        return usageError(ctx, kCmd, QStringLiteral("--token goes with --listen"));
    }
    if (dbPath.isEmpty() && parquetDir.isEmpty())
        return usageError(ctx, kCmd, QStringLiteral("--db FILE is required (or --parquet DIR)"));
    if (p.isSet(QStringLiteral("rotate")) && parquetDir.isEmpty())
        return usageError(ctx, kCmd, QStringLiteral("--rotate needs --parquet"));
    const auto rotateNs = storage::Retention::parseDuration(p.value(QStringLiteral("rotate")).toStdString());
    if (!rotateNs || *rotateNs < 1'000'000'000)
        return usageError(ctx, kCmd,
                          QStringLiteral("--rotate must be a duration of at least 1s like 30s, 10min or 1h, "
                                         "got '%1'")
                              .arg(p.value(QStringLiteral("rotate"))));
    if (dbPath.isEmpty() &&
        (p.isSet(QStringLiteral("raw")) || p.isSet(QStringLiteral("durable")) ||
         p.isSet(QStringLiteral("retain-raw")) || p.isSet(QStringLiteral("retain-rollups"))))
        return usageError(ctx, kCmd, QStringLiteral("--raw, --durable and --retain-* need --db"));
    double duration = 0;
    if (p.isSet(QStringLiteral("duration"))) {
        bool ok = false;
        duration = p.value(QStringLiteral("duration")).toDouble(&ok);
        if (!ok || !(duration > 0) || duration > 1e9)
            return usageError(ctx, kCmd,
                              QStringLiteral("--duration must be a number of seconds > 0, got '%1'")
                                  .arg(p.value(QStringLiteral("duration"))));
    }
    const bool quiet = p.isSet(QStringLiteral("quiet"));
    storage::RetentionPolicy retention;
    for (const char* which : {"retain-raw", "retain-rollups"}) {
        const QString key = QString::fromLatin1(which);
        if (!p.isSet(key))
            continue;
        const auto d = storage::Retention::parseDuration(p.value(key).toStdString());
        if (!d)
            return usageError(ctx, kCmd,
                              QStringLiteral("--%1 must be a duration like 30min, 12h or 7d, got '%2'")
                                  .arg(key, p.value(key)));
        (key == QLatin1String("retain-raw") ? retention.rawNs : retention.rollupNs) = *d;
    }
    if (retention.rawNs > 0 && !p.isSet(QStringLiteral("raw")))
        return usageError(ctx, kCmd, QStringLiteral("--retain-raw needs --raw"));

    // Declared before the pipeline so that it outlives the DSP workers feeding its taps.
    std::unique_ptr<exporting::ParquetRecordingSink> sink;
    if (!parquetDir.isEmpty()) {
        exporting::ParquetRecordingSink::Options so;
        so.dir = parquetDir.toStdString();
        so.rotateNs = *rotateNs;
        so.createdBy = "vibrascope " + QCoreApplication::applicationVersion().toStdString();
        sink = std::make_unique<exporting::ParquetRecordingSink>(so);
    }
    io::SourceFactory factory;
    pipeline::Pipeline pipe(factory, pipeline::DspSettings{});
    for (const QString& uri : uris) {
        QString error;
        if (!pipe.add(uri, &error))
            return usageError(ctx, kCmd, error);
    }

    QJsonObject config;
    config[QStringLiteral("sources")] = QJsonArray::fromStringList(uris);
    config[QStringLiteral("duration_s")] = duration;
    config[QStringLiteral("durable")] = p.isSet(QStringLiteral("durable"));
    config[QStringLiteral("raw")] = p.isSet(QStringLiteral("raw"));
    storage::SqliteWriter::Options wo;
    wo.path = dbPath.toStdString();
    wo.durability = p.isSet(QStringLiteral("durable")) ? storage::Database::Durability::Full
                                                       : storage::Database::Durability::Normal;
    wo.configJson = QJsonDocument(config).toJson(QJsonDocument::Compact).toStdString();
    wo.appVersion = QCoreApplication::applicationVersion().toStdString();
    wo.storeRaw = p.isSet(QStringLiteral("raw"));
    wo.retention = retention;
    wo.maxPageCount = p.value(maxPages).toLongLong();
    std::string error;
    // Every device's raw tap for the Parquet sink (set before its channel starts), closed when the channel
    // goes or after the pipeline stopped (after the DSP worker's last push).
    std::vector<pipeline::TapFeedPtr> taps;
    QSet<const pipeline::DeviceChannel*> tapped;
    auto tapChannel = [&](pipeline::DeviceChannel* ch) {
        if (!sink || tapped.contains(ch))
            return;
        tapped.insert(ch);
        auto feed = std::make_shared<pipeline::TapFeed>(ch->deviceId().toStdString(), ch->uri().toStdString(),
                                                        sink->options().tapBlocks);
        ch->worker().setRawTap(&feed->ring, &feed->counters);
        sink->addFeed(feed);
        QObject::connect(ch, &QObject::destroyed, [feed] { feed->close(); });
        taps.push_back(std::move(feed));
    };
    if (sink) {
        for (const auto& ch : pipe.channels())
            tapChannel(ch.get()); // before start: their folders are checked there
        if (!sink->start(&error)) {
            *ctx.err << "vibrascope record: " << QString::fromStdString(error) << "\n";
            return kExitFailure;
        }
        for (const auto& f : sink->leftoverPartials())
            *ctx.err << "vibrascope record: parquet: incomplete segment from an earlier run (no footer, "
                        "unreadable, left alone): "
                     << QString::fromStdString(f) << "\n";
    }
    std::unique_ptr<storage::SqliteWriter> writer;
    if (!dbPath.isEmpty()) {
        writer = std::make_unique<storage::SqliteWriter>(wo);
        if (!writer->start(&error)) {
            *ctx.err << "vibrascope record: " << QString::fromStdString(error) << "\n";
            return kExitFailure;
        }
    }
    if (writer && writer->recovery().unclean) {
        const auto& rec = writer->recovery();
        *ctx.err << "vibrascope record: recovered " << dbPath << " after an unclean shutdown: quick_check "
                 << QString::fromStdString(rec.quickCheck) << "; " << rec.sessions.size()
                 << " session(s) closed, data after "
                 << QString::fromStdString(storage::TimeText::isoMicros(rec.lostAfterNs))
                 << " was not committed\n";
        ctx.err->flush();
    }
    // Every device, given on the command line or arriving at the ingest server, is recorded the same way.
    auto attachChannel = [&](pipeline::DeviceChannel* ch) {
        tapChannel(ch);
        if (writer) {
            writer->attach(ch->storeFeed());
            ch->worker().setStoring(true);
            ch->worker().setStoringRaw(wo.storeRaw);
            ch->worker().setStoreBackpressure(true); // a recorder waits for its disk rather than dropping
        }
        QObject::connect(ch, &pipeline::DeviceChannel::stateChanged, ch,
                         [&ctx, id = ch->deviceId()](io::Source::State s, const QString& msg) {
                             if (s == io::Source::State::Live || s == io::Source::State::Finished)
                                 return;
                             *ctx.err << "vibrascope record: " << id << ": " << io::Source::stateName(s)
                                      << (msg.isEmpty() ? QString() : QStringLiteral(": ") + msg) << "\n";
                             ctx.err->flush();
                         });
    };
    for (const auto& ch : pipe.channels())
        attachChannel(ch.get());

    // Devices pushing to /ingest become channels fed by the server through their own outlet, recorded like
    // the --source devices (database and Parquet).
    std::unique_ptr<pipeline::IngestBridge> server;
    if (listen) {
        server = std::make_unique<pipeline::IngestBridge>(pipe, *listen, attachChannel);
        QObject::connect(
            server.get(), &pipeline::IngestBridge::deviceConnected, server.get(), [&ctx](const QString& id) {
                *ctx.err << "vibrascope record: device '" << id << "' connected to the ingest server\n";
                ctx.err->flush();
            });
        QString err;
        if (!server->listen(&err)) {
            *ctx.err << "vibrascope record: cannot listen on " << p.value(QStringLiteral("listen")) << ": "
                     << err << "\n";
            return kExitFailure;
        }
        *ctx.err << "vibrascope record: listening on ws://" << p.value(QStringLiteral("listen"))
                 << "/ingest (devices) and /stream?device=ID (subscribers)"
                 << (listen->token.isEmpty() ? " without authentication" : " with a bearer token") << "\n";
    }

    QCoreApplication* app = QCoreApplication::instance();
    QString stopReason;
    auto stop = [&](const QString& why) {
        if (stopReason.isEmpty()) {
            stopReason = why;
            app->exit(0);
        }
    };
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, app, [&](int sig) {
        if (sig != SIGHUP)
            stop(sig == SIGINT ? QStringLiteral("SIGINT") : QStringLiteral("SIGTERM"));
    });
    QObject::connect(&pipe, &pipeline::Pipeline::allSourcesFinished, app,
                     [&] { stop(QStringLiteral("all sources finished")); });
    QTimer durationTimer;
    durationTimer.setSingleShot(true);
    durationTimer.setTimerType(Qt::PreciseTimer);
    QObject::connect(&durationTimer, &QTimer::timeout, app,
                     [&] { stop(QStringLiteral("duration reached")); });

    QElapsedTimer clock;
    QHash<QString, std::uint64_t> lastReceived; // devices may join later (ingest server)
    QTimer statusTimer;
    QObject::connect(&statusTimer, &QTimer::timeout, app, [&] {
        if (sink)
            for (const auto& e : sink->takeErrors())
                *ctx.err << "vibrascope record: " << QString::fromStdString(e) << "\n";
        if (writer && writer->failed()) {
            stop(QStringLiteral("storage failure"));
            return;
        }
        if (quiet)
            return;
        QStringList parts;
        const auto parquet =
            sink ? sink->accounting() : std::vector<exporting::ParquetRecordingSink::DeviceAccounting>{};
        for (std::size_t i = 0; i < pipe.channels().size(); ++i) {
            const auto& ch = pipe.channels()[i];
            const auto c = ch->counters().snapshot();
            auto& last = lastReceived[ch->deviceId()];
            QString line = formatCounters(ch->deviceId(), c, static_cast<double>(c.samplesReceived - last));
            if (!writer) // parquet only: nothing is "stored" in the SQLite sense
                line.replace(QRegularExpression(QStringLiteral(", stored \\d+")), QString());
            for (const auto& a : parquet)
                if (a.name == ch->deviceId().toStdString())
                    line += QStringLiteral(", parquet written %1").arg(a.written);
            parts << line;
            last = c.samplesReceived;
        }
        if (server) {
            const auto& st = server->stats();
            parts << QStringLiteral("ingest: %1 connections, %2 unauthorized, %3 oversized, %4 relayed, %5 "
                                    "subscriber drops")
                         .arg(st.connections.load())
                         .arg(st.unauthorized.load())
                         .arg(st.oversized.load())
                         .arg(st.relayed.load())
                         .arg(st.subscriberDrops.load());
        }
        if (parts.isEmpty())
            parts << QStringLiteral("waiting for devices");
        *ctx.err << QStringLiteral("[%1 s] ").arg(clock.elapsed() / 1000, 4)
                 << parts.join(QStringLiteral(" | ")) << "\n";
        ctx.err->flush();
    });

    clock.start();
    pipe.startAll();
    if (duration > 0)
        durationTimer.start(static_cast<int>(std::min(duration * 1000.0, 2.0e9)));
    statusTimer.start(1000);
    app->exec();
    statusTimer.stop();

    // Orderly shutdown: sources stop, workers drain and flush their last second, the writer commits.
    if (server)
        server->close(); // no more blocks from the network; then the pipeline drains
    pipe.stopAll();
    for (const auto& t : taps)
        t->close(); // the DSP workers have stopped: nothing more is pushed
    if (writer)
        writer->stop();
    if (sink)
        sink->stop(); // after the DSP workers: drains every tap, closes the open files

    *ctx.err << "vibrascope record: stopped (" << stopReason << ") after "
             << QString::number(clock.elapsed() / 1000.0, 'f', 1) << " s;"
             << (writer ? " database " + dbPath : QString()) << (sink ? " parquet " + parquetDir : QString())
             << "\n";
    bool balanced = true;
    for (const auto& ch : pipe.channels()) {
        if (!writer)
            break; // the per-device SQLite accounting exists only with --db
        const auto c = ch->counters().snapshot();
        QStringList reasons;
        for (std::size_t r = 0; r < core::kDropReasonCount; ++r)
            if (c.samplesDropped[r])
                reasons << QStringLiteral("%1 %2")
                               .arg(QString::fromUtf8(
                                   core::dropReasonName(static_cast<core::DropReason>(r)).data()))
                               .arg(c.samplesDropped[r]);
        const bool ok = c.samplesReceived == c.samplesStored + c.droppedTotal();
        balanced = balanced && ok;
        *ctx.err << "  " << ch->deviceId() << ": received " << c.samplesReceived << " = stored "
                 << c.samplesStored << " + dropped " << c.droppedTotal()
                 << (reasons.isEmpty() ? QString()
                                       : QStringLiteral(" (") + reasons.join(QStringLiteral(", ")) + ")")
                 << (ok ? "" : "  [UNBALANCED]") << "; gaps " << (c.gapsDetected + c.gapsInferred) << "\n";
    }
    bool sinkOk = true;
    if (sink) {
        for (const auto& e : sink->takeErrors())
            *ctx.err << "vibrascope record: " << QString::fromStdString(e) << "\n";
        for (const auto& a : sink->accounting()) {
            const bool ok = a.balanced();
            sinkOk = sinkOk && ok;
            *ctx.err << "  " << QString::fromStdString(a.name) << " (parquet): received " << a.received
                     << " = written " << a.written << " + dropped " << a.dropped() << " (tap_overflow "
                     << a.droppedTapOverflow << ", write_error " << a.droppedWriteError << "); files "
                     << a.files << ", " << a.bytes << " bytes" << (ok ? "" : "  [UNBALANCED]") << "\n";
        }
        if (sink->failed()) {
            *ctx.err
                << "vibrascope record: Parquet recording had write errors (see above); every closed file "
                   "is complete.\n";
            sinkOk = false;
        }
    }
    ctx.err->flush();
    if (writer && writer->failed()) {
        *ctx.err << "vibrascope record: " << QString::fromStdString(writer->errorMessage())
                 << "\nEverything committed before the failure is intact.\n";
        return kExitFailure;
    }
    return balanced && sinkOk ? kExitOk : kExitFailure;
}

} // namespace vibra::cli
