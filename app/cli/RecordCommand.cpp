#include "cli/RecordCommand.h"

#include "cli/ExitCode.h"
#include "cli/RecordReport.h"
#include "cli/RecorderOptions.h"
#include "cli/UnixSignalWatcher.h"
#include "io/SourceFactory.h"
#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"
#include "pipeline/RedisIngest.h"
#include "recording/Recorder.h"
#include "recording/StatusReporter.h"
#include "redis/FeatureConsumer.h"
#include "storage/TimeText.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <csignal>
#include <memory>

namespace vibra::cli {

namespace {
const QString kCmd = QStringLiteral("record");

void printRecovery(const CommandContext& ctx, const recording::Recorder& rec, const QString& dbPath) {
    const auto* r = rec.recovery();
    if (r && r->unclean)
        *ctx.err << "vibrascope record: recovered " << dbPath << " after an unclean shutdown: quick_check "
                 << QString::fromStdString(r->quickCheck) << "; " << r->sessions.size()
                 << " session(s) closed, data after "
                 << QString::fromStdString(storage::TimeText::isoMicros(r->lostAfterNs))
                 << " was not committed\n";
    for (const auto& f : rec.leftoverPartials())
        *ctx.err
            << "vibrascope record: parquet: incomplete segment from an earlier run (no footer, unreadable, "
               "left alone): "
            << QString::fromStdString(f) << "\n";
}

/// Prints events (alarms) as the engine raises them.
void printEvents(const CommandContext& ctx, const pipeline::EventLog& log, std::uint64_t* last) {
    const auto batch = log.since(*last);
    *last = batch.last;
    if (batch.missed)
        *ctx.err << "vibrascope record: " << batch.missed << " event(s) not shown (too many at once; see the "
                 << "database's events)\n";
    for (const auto& e : batch.entries)
        *ctx.err << "vibrascope record: "
                 << QString::fromStdString(storage::TimeText::isoMicros(e.event->tNs)) << " "
                 << QString::fromStdString(e.event->deviceId) << " "
                 << QString::fromStdString(e.event->kind).toUpper() << " "
                 << QString::fromStdString(e.event->detail) << "\n";
}
} // namespace

int runRecord(const CommandContext& ctx) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Record devices headless into a SQLite history (1-second rollups, events and per-device accounting)\n"
        "and/or every raw sample into rotated Parquet files (--parquet), checking alarm rules on the way.\n"
        "Stops after --duration, when every finite source has finished, or on SIGINT/SIGTERM."));
    p.addHelpOption();
    RecorderOptions::add(p);
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << helpText(p, kCmd);
        return kExitOk;
    }
    if (!p.positionalArguments().isEmpty())
        return usageError(ctx, kCmd,
                          QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first()));
    RecorderOptions o;
    QString error;
    if (!o.parse(p, true, &error))
        return usageError(ctx, kCmd, error);

    io::SourceFactory factory;
    pipeline::Pipeline::Options po;
    po.workers = o.workers;
    po.maxDevices = o.maxDevices;
    pipeline::Pipeline pipe(factory, pipeline::DspSettings{}, po);
    pipe.setAlarmRules(o.alarms);
    for (const QString& uri : o.sources)
        if (!pipe.add(uri, &error))
            return usageError(ctx, kCmd, error);

    recording::Recorder recorder(pipe, o.recorder);
    std::string startError;
    if (!recorder.start(&startError)) {
        *ctx.err << "vibrascope record: " << QString::fromStdString(startError) << "\n";
        return kExitFailure;
    }
    printRecovery(ctx, recorder, QString::fromStdString(o.recorder.dbPath));
    ctx.err->flush(); // before anything can kill us
    for (const auto& ch : pipe.channels())
        QObject::connect(ch.get(), &pipeline::DeviceChannel::stateChanged, ch.get(),
                         [&ctx, id = ch->deviceId()](io::Source::State s, const QString& msg) {
                             if (s == io::Source::State::Live || s == io::Source::State::Finished)
                                 return;
                             *ctx.err << "vibrascope record: " << id << ": " << io::Source::stateName(s)
                                      << (msg.isEmpty() ? QString() : QStringLiteral(": ") + msg) << "\n";
                             ctx.err->flush();
                         });

    // Devices pushing to /ingest become channels fed by the server; the recorder attaches them like any
    // other.
    std::unique_ptr<pipeline::IngestBridge> server;
    if (o.listen) {
        server = std::make_unique<pipeline::IngestBridge>(pipe, *o.listen, nullptr);
        // Name the first devices that connect; beyond that the status line counts them (--verbose names all).
        QObject::connect(
            server.get(), &pipeline::IngestBridge::deviceConnected, server.get(),
            [&ctx, &o, announced = 0](const QString& id) mutable {
                constexpr int kAnnounce = 20;
                if (o.verbose || announced < kAnnounce)
                    *ctx.err << "vibrascope record: device '" << id << "' connected to the ingest server\n";
                else if (announced == kAnnounce)
                    *ctx.err << "vibrascope record: more devices are connecting; the status line counts "
                                "them (--verbose names each)\n";
                ++announced;
                ctx.err->flush();
            });
        QString err;
        if (!server->listen(&err)) {
            *ctx.err << "vibrascope record: cannot listen on " << o.listenText << ": " << err << "\n";
            return kExitFailure;
        }
        *ctx.err << "vibrascope record: listening on ws://" << o.listenText
                 << "/ingest (devices) and /stream?device=ID (subscribers)"
                 << (o.listen->token.isEmpty() ? " without authentication" : " with a bearer token") << "\n";
    }

    // Devices published by edge recorders become channels fed by the consumer thread.
    std::unique_ptr<pipeline::RedisIngest> consumer;
    std::unique_ptr<redis::FeatureConsumer> features; // features streams (edges with ?mode=features)
    if (o.consume) {
        consumer = std::make_unique<pipeline::RedisIngest>(pipe, *o.consume);
        if (o.recorder.raw && !o.recorder.dbPath.empty())
            consumer->setLedger(o.recorder.dbPath);
        features = std::make_unique<redis::FeatureConsumer>(*o.consume, recorder.relaySink());
        *ctx.err << "vibrascope record: consuming redis://"
                 << QString::fromStdString(o.consume->url.display()) << " as "
                 << QString::fromStdString(o.consume->group) << "/"
                 << QString::fromStdString(o.consume->consumer) << "\n";
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
    recording::StatusReporter status(pipe);
    if (server)
        status.setIngest(&server->stats());
    status.setPublisher(recorder.publisher());
    std::uint64_t lastEvent = 0;
    QTimer statusTimer;
    QObject::connect(&statusTimer, &QTimer::timeout, app, [&] {
        for (const auto& e : recorder.takeErrors())
            *ctx.err << "vibrascope record: " << QString::fromStdString(e) << "\n";
        printEvents(ctx, pipe.events(), &lastEvent);
        if (recorder.writer() && recorder.writer()->failed()) {
            stop(QStringLiteral("storage failure"));
            return;
        }
        if (!o.quiet) {
            const auto lines = status.sample(static_cast<double>(clock.elapsed()) / 1000.0, o.verbose);
            *ctx.err << lines.summary
                     << (consumer ? QStringLiteral(" | ") + consumer->statusText() : QString())
                     << (features ? QStringLiteral(" | ") + featuresText(features->stats()) : QString())
                     << "\n";
            for (const auto& l : lines.devices)
                *ctx.err << l << "\n";
        }
        ctx.err->flush();
    });

    clock.start();
    pipe.startAll();
    if (consumer)
        consumer->start();
    if (features)
        features->start();
    if (o.durationSeconds > 0)
        durationTimer.start(static_cast<int>(std::min(o.durationSeconds * 1000.0, 2.0e9)));
    statusTimer.start(1000);
    app->exec();
    statusTimer.stop();

    // Orderly shutdown: no more network input; sources stop; every core drains, flushes its last second and
    // closes its feeds; the writer commits and closes the session; the sink closes its files.
    if (server)
        server->close();
    if (consumer)
        consumer->stopReading();
    if (features)
        features->requestStop();
    if (!pipe.stopAll())
        *ctx.err << "vibrascope record: some devices did not finish processing in time; their backlog is "
                    "counted as dropped\n";
    recorder.stop();
    if (features) {
        features->finish();
        *ctx.err << "  " << featuresText(features->stats()) << "\n";
    }
    if (consumer) {
        consumer->finish(); // acknowledge what the final commit holds
        *ctx.err << "  " << consumer->statusText() << "\n";
    }
    printEvents(ctx, pipe.events(), &lastEvent);
    for (const auto& e : recorder.takeErrors())
        *ctx.err << "vibrascope record: " << QString::fromStdString(e) << "\n";

    RecordReport report{recorder.report(), stopReason, static_cast<double>(clock.elapsed()) / 1000.0,
                        QString::fromStdString(o.recorder.dbPath),
                        QString::fromStdString(o.recorder.parquetDir)};
    report.print(*ctx.err);
    if (server)
        *ctx.err << "  " << recording::StatusReporter::ingestText(server->stats()) << "\n";
    bool ok = true;
    if (!o.reportJson.isEmpty() && !report.writeJson(o.reportJson, &error)) {
        *ctx.err << "vibrascope record: " << error << "\n";
        ok = false;
    }
    if (recorder.failed()) {
        if (!report.report.error.empty())
            *ctx.err << "vibrascope record: " << QString::fromStdString(report.report.error)
                     << "\nEverything committed before the failure is intact.\n";
        else
            *ctx.err
                << "vibrascope record: Parquet recording had write errors (see above); every closed file is "
                   "complete.\n";
        ok = false;
    }
    ctx.err->flush();
    return ok && report.report.balanced ? kExitOk : kExitFailure;
}

} // namespace vibra::cli
