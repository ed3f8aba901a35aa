#include "cli/RecordCommand.h"

#include "cli/ExitCode.h"
#include "cli/UnixSignalWatcher.h"
#include "io/IngestServer.h"
#include "io/PassiveSource.h"
#include "io/SourceFactory.h"
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
        "Record devices headless into a SQLite history (1-second rollups and per-device accounting).\n"
        "Stops after --duration, when every finite source has finished, or on SIGINT/SIGTERM."));
    p.addHelpOption();
    p.addOption(
        {{QStringLiteral("s"), QStringLiteral("source")},
         QStringLiteral("Device to record (repeatable), e.g. sim://a, sim://b?profile=sine&freq=100."),
         QStringLiteral("URI")});
    p.addOption(
        {QStringLiteral("listen"),
         QStringLiteral("Also accept devices pushing frames over WebSocket (/ingest) and relay live blocks "
                        "(/stream) on this address, e.g. 127.0.0.1:8765."),
         QStringLiteral("HOST:PORT")});
    p.addOption(
        {QStringLiteral("token"),
         QStringLiteral("Bearer token devices and subscribers must present with --listen (default: the "
                        "VIBRASCOPE_TOKEN environment variable; none = no authentication, loopback only)."),
         QStringLiteral("T")});
    p.addOption({QStringLiteral("db"), QStringLiteral("History database to create or append to."),
                 QStringLiteral("FILE")});
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
    std::optional<io::IngestServer::Options> listen;
    if (p.isSet(QStringLiteral("listen"))) {
        const QString spec = p.value(QStringLiteral("listen"));
        const int colon = spec.lastIndexOf(QLatin1Char(':'));
        bool portOk = false;
        const int port = colon > 0 ? spec.mid(colon + 1).toInt(&portOk) : 0;
        QHostAddress address(spec.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']')));
        if (spec.left(colon) == QLatin1String("localhost"))
            address = QHostAddress::LocalHost;
        if (colon <= 0 || !portOk || port < 1 || port > 65535 || address.isNull())
            return usageError(
                ctx, kCmd,
                QStringLiteral("--listen must be HOST:PORT with an IP address, e.g. 127.0.0.1:8765, got '%1'")
                    .arg(spec));
        io::IngestServer::Options o;
        o.address = address;
        o.port = static_cast<quint16>(port);
        o.token = p.isSet(QStringLiteral("token")) ? p.value(QStringLiteral("token"))
                                                   : qEnvironmentVariable("VIBRASCOPE_TOKEN");
        if (o.token.isEmpty() && !address.isLoopback())
            return usageError(
                ctx, kCmd,
                QStringLiteral("--listen on a non-loopback address needs --token (or VIBRASCOPE_TOKEN)"));
        listen = o;
    } else if (p.isSet(QStringLiteral("token"))) {
        return usageError(ctx, kCmd, QStringLiteral("--token goes with --listen"));
    }
    const QString dbPath = p.value(QStringLiteral("db"));
    if (dbPath.isEmpty())
        return usageError(ctx, kCmd, QStringLiteral("--db FILE is required"));
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
    storage::SqliteWriter writer(wo);
    std::string error;
    if (!writer.start(&error)) {
        *ctx.err << "vibrascope record: " << QString::fromStdString(error) << "\n";
        return kExitFailure;
    }
    if (writer.recovery().unclean) {
        const auto& rec = writer.recovery();
        *ctx.err << "vibrascope record: recovered " << dbPath << " after an unclean shutdown: quick_check "
                 << QString::fromStdString(rec.quickCheck) << "; " << rec.sessions.size()
                 << " session(s) closed, data after "
                 << QString::fromStdString(storage::TimeText::isoMicros(rec.lostAfterNs))
                 << " was not committed\n";
        ctx.err->flush();
    }
    // Every device, given on the command line or arriving at the ingest server, is recorded the same way.
    auto attachChannel = [&](pipeline::DeviceChannel* ch) {
        writer.attach(
            {ch->deviceId().toStdString(), ch->uri().toStdString(), &ch->storeRing(), &ch->counters()});
        ch->worker().setStoring(true);
        ch->worker().setStoringRaw(wo.storeRaw);
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

    // Devices pushing to /ingest become channels fed by the server through their own outlet.
    std::vector<std::unique_ptr<core::BlockOutlet>> ingestOutlets; // outlive the server
    std::unique_ptr<io::IngestServer> server;
    if (listen) {
        server = std::make_unique<io::IngestServer>(
            *listen, [&](const QString& id, const QString& uri) -> core::BlockOutlet* {
                QString err;
                auto* ch = pipe.addSource(
                    std::make_unique<io::PassiveSource>(id, uri, QStringLiteral("fed by the ingest server")),
                    &err);
                if (!ch) {
                    *ctx.err << "vibrascope record: ingest device refused: " << err << "\n";
                    return nullptr;
                }
                attachChannel(ch);
                ch->start();
                ingestOutlets.push_back(std::make_unique<core::BlockOutlet>(ch->inputRing(), ch->counters()));
                *ctx.err << "vibrascope record: device '" << id << "' connected to the ingest server\n";
                return ingestOutlets.back().get();
            });
        QString err;
        if (!server->listen(&err)) {
            *ctx.err << "vibrascope record: cannot listen on " << p.value(QStringLiteral("listen")) << ": "
                     << err << "\n";
            writer.stop();
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
        if (writer.failed()) {
            stop(QStringLiteral("storage failure"));
            return;
        }
        if (quiet)
            return;
        QStringList parts;
        for (const auto& ch : pipe.channels()) {
            const auto c = ch->counters().snapshot();
            auto& last = lastReceived[ch->deviceId()];
            parts << formatCounters(ch->deviceId(), c, static_cast<double>(c.samplesReceived - last));
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
    writer.stop();

    *ctx.err << "vibrascope record: stopped (" << stopReason << ") after "
             << QString::number(clock.elapsed() / 1000.0, 'f', 1) << " s; database " << dbPath << "\n";
    bool balanced = true;
    for (const auto& ch : pipe.channels()) {
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
    ctx.err->flush();
    if (writer.failed()) {
        *ctx.err << "vibrascope record: " << QString::fromStdString(writer.errorMessage())
                 << "\nEverything committed before the failure is intact.\n";
        return kExitFailure;
    }
    return balanced ? kExitOk : kExitFailure;
}

} // namespace vibra::cli
