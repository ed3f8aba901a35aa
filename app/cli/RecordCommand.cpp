#include "cli/RecordCommand.h"

#include "cli/ExitCode.h"
#include "cli/UnixSignalWatcher.h"
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "storage/SqliteWriter.h"
#include "storage/TimeText.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <csignal>

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
    if (uris.isEmpty())
        return usageError(ctx, kCmd,
                          QStringLiteral("give at least one --source URI (e.g. --source sim://a)"));
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
    for (const auto& ch : pipe.channels()) {
        writer.attach(
            {ch->deviceId().toStdString(), ch->uri().toStdString(), &ch->storeRing(), &ch->counters()});
        ch->worker().setStoring(true);
        ch->worker().setStoringRaw(wo.storeRaw);
        QObject::connect(ch.get(), &pipeline::DeviceChannel::stateChanged, ch.get(),
                         [&ctx, id = ch->deviceId()](io::Source::State s, const QString& msg) {
                             if (s == io::Source::State::Live || s == io::Source::State::Finished)
                                 return;
                             *ctx.err << "vibrascope record: " << id << ": " << io::Source::stateName(s)
                                      << (msg.isEmpty() ? QString() : QStringLiteral(": ") + msg) << "\n";
                             ctx.err->flush();
                         });
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
    std::vector<std::uint64_t> lastReceived(pipe.channels().size(), 0);
    QTimer statusTimer;
    QObject::connect(&statusTimer, &QTimer::timeout, app, [&] {
        if (writer.failed()) {
            stop(QStringLiteral("storage failure"));
            return;
        }
        if (quiet)
            return;
        QStringList parts;
        for (std::size_t i = 0; i < pipe.channels().size(); ++i) {
            const auto& ch = pipe.channels()[i];
            const auto c = ch->counters().snapshot();
            parts << formatCounters(ch->deviceId(), c,
                                    static_cast<double>(c.samplesReceived - lastReceived[i]));
            lastReceived[i] = c.samplesReceived;
        }
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
