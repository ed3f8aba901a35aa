#include "cli/ServeCommand.h"

#include "cli/ExitCode.h"
#include "cli/RecordReport.h"
#include "cli/RecorderOptions.h"
#include "cli/ServeConfig.h"
#include "cli/ServeReload.h"
#include "cli/UnixSignalWatcher.h"
#include "io/SourceFactory.h"
#include "pipeline/IngestBridge.h"
#include "pipeline/Pipeline.h"
#include "pipeline/RedisIngest.h"
#include "recording/Recorder.h"
#include "recording/StatusReporter.h"
#include "redis/FeatureConsumer.h"
#include "service/PrometheusText.h"
#include "service/Service.h"
#include "service/ServiceMetrics.h"
#include "service/SystemdNotifier.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTimer>

#include <csignal>
#include <memory>

namespace vibra::cli {

namespace {

/// /metrics families of the Redis publisher and consumer (docs/scaling.md).
void redisMetrics(service::PrometheusText& t, const redis::StreamPublisher* pub,
                  const pipeline::RedisIngest* in) {
    if (pub) {
        const auto st = pub->status();
        t.family("vibrascope_redis_publish_connected", "gauge",
                 "1 while the publisher is connected to Redis.");
        t.sample("vibrascope_redis_publish_connected", st.connected ? 1 : 0);
        t.family("vibrascope_redis_publish_buffered_blocks", "gauge",
                 "Blocks waiting in the outbound buffer.");
        t.sample("vibrascope_redis_publish_buffered_blocks", static_cast<double>(st.buffered));
        const auto accounting = pub->accounting();
        t.family("vibrascope_redis_published_samples_total", "counter",
                 "Samples per axis Redis acknowledged (XADD), by device.");
        for (const auto& a : accounting)
            t.sample("vibrascope_redis_published_samples_total",
                     {{QStringLiteral("device"), QString::fromStdString(a.name)}},
                     static_cast<double>(a.published));
        t.family("vibrascope_redis_publish_dropped_samples_total", "counter",
                 "Samples per axis the publisher dropped, by device and reason.");
        for (const auto& a : accounting) {
            const QString dev = QString::fromStdString(a.name);
            const std::pair<const char*, std::uint64_t> reasons[] = {{"tap_overflow", a.droppedTapOverflow},
                                                                     {"buffer_overflow", a.droppedOverflow},
                                                                     {"rejected", a.droppedRejected},
                                                                     {"unpublished", a.droppedUnpublished}};
            for (const auto& [r, v] : reasons)
                t.sample(
                    "vibrascope_redis_publish_dropped_samples_total",
                    {{QStringLiteral("device"), dev}, {QStringLiteral("reason"), QString::fromLatin1(r)}},
                    static_cast<double>(v));
        }
    }
    if (in) {
        const auto st = in->consumer().stats();
        t.family("vibrascope_redis_consume_connected", "gauge",
                 "1 while the consumer is connected to Redis.");
        t.sample("vibrascope_redis_consume_connected", st.connected ? 1 : 0);
        const auto streams = in->consumer().streams();
        t.family("vibrascope_redis_stream_owned", "gauge",
                 "1 while this consumer holds the device's lease and reads its stream.");
        for (const auto& s : streams)
            t.sample("vibrascope_redis_stream_owned",
                     {{QStringLiteral("device"), QString::fromStdString(s.device)}}, s.owned ? 1 : 0);
        t.family("vibrascope_redis_stream_lag", "gauge",
                 "Entries of a device stream the consumer group has not read yet (XINFO GROUPS lag).");
        for (const auto& s : streams)
            t.sample("vibrascope_redis_stream_lag",
                     {{QStringLiteral("device"), QString::fromStdString(s.device)}},
                     static_cast<double>(s.lag));
        t.family("vibrascope_redis_stream_pending", "gauge",
                 "Entries delivered to the group and not acknowledged yet (XINFO GROUPS pending).");
        for (const auto& s : streams)
            t.sample("vibrascope_redis_stream_pending",
                     {{QStringLiteral("device"), QString::fromStdString(s.device)}},
                     static_cast<double>(s.pending));
        t.family("vibrascope_redis_entries_total", "counter",
                 "Stream entries by what the consumer did with them (delivered, acked, dead_letter).");
        for (const auto& s : streams) {
            const QString dev = QString::fromStdString(s.device);
            const std::pair<const char*, std::uint64_t> results[] = {
                {"delivered", s.entries}, {"acked", s.acked}, {"dead_letter", s.deadLettered}};
            for (const auto& [r, v] : results)
                t.sample(
                    "vibrascope_redis_entries_total",
                    {{QStringLiteral("device"), dev}, {QStringLiteral("result"), QString::fromLatin1(r)}},
                    static_cast<double>(v));
        }
    }
}

/// /metrics families of the features consumer (features streams of edges with ?mode=features).
void featuresMetrics(service::PrometheusText& t, const redis::FeatureConsumer* fc) {
    if (!fc)
        return;
    const auto st = fc->stats();
    t.family("vibrascope_redis_features_connected", "gauge",
             "1 while the features consumer is connected to Redis.");
    t.sample("vibrascope_redis_features_connected", st.connected ? 1 : 0);
    t.family("vibrascope_redis_features_entries_total", "counter",
             "Features stream entries by what the consumer did with them (rollup and event: handed to the "
             "writer; acked; dead_letter).");
    const std::pair<const char*, std::uint64_t> results[] = {
        {"rollup", st.rollups}, {"event", st.events}, {"acked", st.acked}, {"dead_letter", st.deadLettered}};
    for (const auto& [r, v] : results)
        t.sample("vibrascope_redis_features_entries_total",
                 {{QStringLiteral("result"), QString::fromLatin1(r)}}, static_cast<double>(v));
}

const QString kCmd = QStringLiteral("serve");

void addServeOptions(QCommandLineParser& p) {
    p.addOption({QStringLiteral("http"),
                 QStringLiteral("HTTP API address (REST, /metrics, WebSocket /ingest and /stream), default "
                                "127.0.0.1:8080. Any address other than loopback needs --token."),
                 QStringLiteral("HOST:PORT"), QStringLiteral("127.0.0.1:8080")});
    p.addOption(
        {QStringLiteral("read-token"),
         QStringLiteral("Bearer token that may only read (GET routes); repeatable. --token (or "
                        "VIBRASCOPE_TOKEN) is the control token: reads, ingest, recording, triggers."),
         QStringLiteral("T")});
    p.addOption({QStringLiteral("tls-cert"), QStringLiteral("PEM certificate: serve HTTPS and wss://."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("tls-key"), QStringLiteral("PEM private key for --tls-cert."),
                 QStringLiteral("FILE")});
    p.addOption(
        {QStringLiteral("trigger"),
         QStringLiteral("Triggered recording rule (repeatable), keys separated by ';': "
                        "name=N;device=ID; then when=RULE (an alarm rule, e.g. rms>0.5,hysteresis=0.1 "
                        "or zone>=C) or every=DURATION;duration=DURATION or external; and pre=, post=, "
                        "holdoff=. Windows of raw samples go to --trigger-dir as Parquet."),
         QStringLiteral("SPEC")});
    p.addOption({QStringLiteral("trigger-dir"),
                 QStringLiteral("Directory for triggered windows (default: 'triggers' beside --db)."),
                 QStringLiteral("DIR")});
    p.addOption({QStringLiteral("max-body"),
                 QStringLiteral("Largest request body in bytes (default 8388608); larger: 413."),
                 QStringLiteral("BYTES"), QStringLiteral("8388608")});
    p.addOption({QStringLiteral("max-connections"),
                 QStringLiteral("Most HTTP connections open at once (default 256); beyond: 503."),
                 QStringLiteral("N"), QStringLiteral("256")});
    p.addOption(
        {QStringLiteral("header-timeout"),
         QStringLiteral("Seconds a client has to send a request head (default 10; slow clients get 408)."),
         QStringLiteral("SECONDS"), QStringLiteral("10")});
    p.addOption({QStringLiteral("idle-timeout"),
                 QStringLiteral("Seconds an idle keep-alive connection stays open (default 30)."),
                 QStringLiteral("SECONDS"), QStringLiteral("30")});
    p.addOption({QStringLiteral("max-viewers"),
                 QStringLiteral("Most browser live views (WebSocket /stream?view=display) at once (default "
                                "64); beyond: closed with 1013."),
                 QStringLiteral("N"), QStringLiteral("64")});
    p.addOption({QStringLiteral("viewer-queue-bytes"),
                 QStringLiteral("Unsent bytes per browser live view before its frames are dropped (default "
                                "1048576; counted in vibrascope_viewer_frames_total{result=\"dropped\"})."),
                 QStringLiteral("BYTES"), QStringLiteral("1048576")});
}

bool parseHttp(const QCommandLineParser& p, const RecorderOptions& o, service::Service::Options* out,
               QString* error) {
    io::IngestServer::Options addr;
    const QString token = p.isSet(QStringLiteral("token")) ? p.value(QStringLiteral("token"))
                                                           : qEnvironmentVariable("VIBRASCOPE_TOKEN");
    QString e;
    if (!pipeline::IngestBridge::parseListen(p.value(QStringLiteral("http")), token, &addr, &e)) {
        *error = e.replace(QStringLiteral("--listen"), QStringLiteral("--http"));
        return false;
    }
    auto& h = out->http;
    h.address = addr.address;
    h.port = addr.port;
    h.tlsCertFile = p.value(QStringLiteral("tls-cert"));
    h.tlsKeyFile = p.value(QStringLiteral("tls-key"));
    if (h.tlsCertFile.isEmpty() != h.tlsKeyFile.isEmpty()) {
        *error = QStringLiteral("--tls-cert and --tls-key go together");
        return false;
    }
    bool ok = false;
    h.maxBodyBytes = p.value(QStringLiteral("max-body")).toLongLong(&ok);
    if (!ok || h.maxBodyBytes < 1024 || h.maxBodyBytes > (1LL << 30)) {
        *error = QStringLiteral("--max-body must be a number of bytes in 1024..1073741824");
        return false;
    }
    h.maxConnections = p.value(QStringLiteral("max-connections")).toInt(&ok);
    if (!ok || h.maxConnections < 1 || h.maxConnections > 100000) {
        *error = QStringLiteral("--max-connections must be a whole number in 1..100000");
        return false;
    }
    const double head = p.value(QStringLiteral("header-timeout")).toDouble(&ok);
    if (!ok || head < 0.1 || head > 3600) {
        *error = QStringLiteral("--header-timeout must be seconds in 0.1..3600");
        return false;
    }
    h.headTimeoutMs = static_cast<int>(head * 1000);
    const double idle = p.value(QStringLiteral("idle-timeout")).toDouble(&ok);
    if (!ok || idle < 0.1 || idle > 3600) {
        *error = QStringLiteral("--idle-timeout must be seconds in 0.1..3600");
        return false;
    }
    h.idleTimeoutMs = static_cast<int>(idle * 1000);
    out->maxViewers = p.value(QStringLiteral("max-viewers")).toInt(&ok);
    if (!ok || out->maxViewers < 0 || out->maxViewers > 10000) {
        *error = QStringLiteral("--max-viewers must be a whole number in 0..10000");
        return false;
    }
    out->viewerQueueBytes = p.value(QStringLiteral("viewer-queue-bytes")).toLongLong(&ok);
    if (!ok || out->viewerQueueBytes < 1024 || out->viewerQueueBytes > (1LL << 30)) {
        *error = QStringLiteral("--viewer-queue-bytes must be a number of bytes in 1024..1073741824");
        return false;
    }
    QList<QByteArray> readTokens;
    for (const auto& t : p.values(QStringLiteral("read-token")))
        readTokens.append(t.toUtf8());
    if (token.isEmpty() && !readTokens.isEmpty()) {
        *error = QStringLiteral("--read-token needs a control --token too");
        return false;
    }
    out->tokens = service::TokenSet(readTokens, token.isEmpty() ? QList<QByteArray>{}
                                                                : QList<QByteArray>{token.toUtf8()});
    out->dbPath = o.recorder.dbPath;
    out->tempDir = QDir::tempPath();
    out->maxDevices = o.maxDevices;
    out->version = QCoreApplication::applicationVersion();
    for (const QString& text : p.values(QStringLiteral("trigger"))) {
        std::string e;
        auto spec = service::TriggerSpec::parse(text.toStdString(), &e);
        if (!spec) {
            *error = QString::fromStdString(e);
            return false;
        }
        for (const auto& other : out->triggers)
            if (other.name == spec->name) {
                *error = QStringLiteral("two triggers named '%1'").arg(QString::fromStdString(spec->name));
                return false;
            }
        out->triggers.push_back(*spec);
    }
    out->triggerDir = p.value(QStringLiteral("trigger-dir")).toStdString();
    if (out->triggerDir.empty() && !out->triggers.empty()) {
        if (o.recorder.dbPath.empty()) {
            *error =
                QStringLiteral("--trigger needs --trigger-dir (or --db, beside which 'triggers' is made)");
            return false;
        }
        out->triggerDir = QFileInfo(QString::fromStdString(o.recorder.dbPath))
                              .absoluteDir()
                              .filePath(QStringLiteral("triggers"))
                              .toStdString();
    }
    return true;
}

void declareOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "Record devices like `record` and serve an HTTP API on one port: health, Prometheus /metrics,\n"
        "live and historical data, CSV/Parquet export, HTTP and WebSocket ingest, recording control,\n"
        "and a live view for browsers at http://HOST:PORT/.\n"
        "Stops on SIGINT/SIGTERM (drains and closes cleanly); SIGHUP reloads --config. See "
        "docs/service.md."));
    p.addHelpOption();
    RecorderOptions::add(p);
    addServeOptions(p);
    ServeConfig::addOptions(p);
}

/// The command line merged over its --config (or --check-config) file, checked into settings. False with
/// every problem in *errors (those about the file's settings name its FILE:LINE and key).
bool readSettings(const QStringList& args, ServeSettings* s, QStringList* errors) {
    QCommandLineParser cli;
    declareOptions(cli);
    if (!cli.parse(args)) {
        *errors << cli.errorText();
        return false;
    }
    ServeConfig config;
    QStringList all = args;
    if (const QString file = ServeConfig::fileOf(cli); !file.isEmpty()) {
        if (!config.load(file)) {
            *errors = config.errors();
            return false;
        }
        all = config.merged(args, cli);
    }
    QCommandLineParser p;
    declareOptions(p);
    QString error;
    if (!p.parse(all))
        error = p.errorText();
    else if (!p.positionalArguments().isEmpty())
        error = QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first());
    else if (p.isSet(QStringLiteral("listen")))
        error = QStringLiteral(
            "serve takes WebSocket devices on its --http port (/ingest); --listen is for record");
    if (error.isEmpty()) {
        s->recorder.serve = true;
        if (s->recorder.parse(p, false, &error) && parseHttp(p, s->recorder, &s->service, &error))
            ServeConfig::parseWebhooks(p, &s->service.webhooks, &error);
    }
    if (!error.isEmpty())
        *errors << config.locate(error, cli);
    return errors->isEmpty();
}

/// --check-config: what readSettings() checks plus the sources' URIs and the TLS files.
int checkConfig(const CommandContext& ctx, const QString& file, const ServeSettings& s, QStringList errors) {
    if (errors.isEmpty()) {
        io::SourceFactory factory;
        for (const QString& uri : s.recorder.sources) {
            QString e;
            if (!factory.create(uri, &e))
                errors << QStringLiteral("source '%1': %2").arg(uri, e);
        }
        for (const QString& f : {s.service.http.tlsCertFile, s.service.http.tlsKeyFile})
            if (!f.isEmpty() && !QFileInfo(f).isReadable())
                errors << QStringLiteral("cannot read TLS file '%1'").arg(f);
    }
    if (!errors.isEmpty()) {
        for (const QString& e : errors)
            *ctx.err << "vibrascope serve: " << e << "\n";
        *ctx.err << "vibrascope serve: " << file << ": " << errors.size() << " problem(s)\n";
        return kExitUsage;
    }
    *ctx.out << file << ": OK: " << s.recorder.sources.size() << " source(s), " << s.recorder.alarms.size()
             << " alarm rule(s), " << s.service.triggers.size() << " trigger(s), "
             << s.service.webhooks.urls.size() << " webhook(s); database '"
             << QString::fromStdString(s.recorder.recorder.dbPath) << "'; HTTP on "
             << s.service.http.address.toString() << ":" << s.service.http.port
             << (s.service.tokens.empty() ? " without authentication" : " with bearer tokens") << "\n";
    return kExitOk;
}
} // namespace

int runServe(const CommandContext& ctx) {
    {
        QCommandLineParser p;
        declareOptions(p);
        if (!p.parse(ctx.arguments))
            return usageError(ctx, kCmd, p.errorText());
        if (p.isSet(QStringLiteral("help"))) {
            *ctx.out << helpText(p, kCmd);
            return kExitOk;
        }
        if (p.isSet(QStringLiteral("check-config"))) {
            ServeSettings s;
            QStringList errors;
            readSettings(ctx.arguments, &s, &errors);
            return checkConfig(ctx, p.value(QStringLiteral("check-config")), s, errors);
        }
    }
    ServeSettings settings;
    QStringList errors;
    if (!readSettings(ctx.arguments, &settings, &errors))
        return usageError(ctx, kCmd, errors.join(QStringLiteral("\nvibrascope serve: ")));
    const RecorderOptions& o = settings.recorder;
    const service::Service::Options& so = settings.service;
    QString error;

    io::SourceFactory factory;
    pipeline::Pipeline::Options po;
    po.workers = o.workers;
    po.maxDevices = o.maxDevices;
    pipeline::Pipeline pipe(factory, pipeline::DspSettings{}, po);
    pipe.setAlarmRules(o.alarms);
    std::vector<std::pair<QString, QString>> added; // source URI -> device id, for reloads
    for (const QString& uri : o.sources) {
        const pipeline::DeviceChannel* ch = pipe.add(uri, &error);
        if (!ch)
            return usageError(ctx, kCmd, error);
        added.emplace_back(uri, ch->deviceId());
    }

    recording::Recorder recorder(pipe, o.recorder);
    std::string startError;
    if (!recorder.start(&startError)) {
        *ctx.err << "vibrascope serve: " << QString::fromStdString(startError) << "\n";
        return kExitFailure;
    }
    service::Service service(pipe, recorder, so);
    if (!service.start(&error)) {
        *ctx.err << "vibrascope serve: " << error << "\n";
        recorder.stop();
        return kExitFailure;
    }
    *ctx.err << "vibrascope serve: listening on " << (so.http.tlsCertFile.isEmpty() ? "http://" : "https://")
             << (so.http.address.protocol() == QAbstractSocket::IPv6Protocol
                     ? "[" + so.http.address.toString() + "]"
                     : so.http.address.toString())
             << ":" << service.port()
             << (so.tokens.empty() ? " without authentication" : " with bearer tokens")
             << " (live view: open that address in a browser)\n";
    ctx.err->flush();
    service::SystemdNotifier notifier(pipe, recorder);
    notifier.ready(QStringLiteral("recording %1 device(s), HTTP on port %2")
                       .arg(pipe.channels().size())
                       .arg(service.port()));

    QCoreApplication* app = QCoreApplication::instance();
    QString stopReason;
    auto stop = [&](const QString& why) {
        if (stopReason.isEmpty()) {
            stopReason = why;
            app->exit(0);
        }
    };
    ServeReload reload(pipe, service, settings);
    for (const auto& [uri, id] : added)
        reload.noteSource(uri, id);
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::signalReceived, app, [&](int sig) {
        if (sig != SIGHUP) {
            stop(sig == SIGINT ? QStringLiteral("SIGINT") : QStringLiteral("SIGTERM"));
            return;
        }
        notifier.reloading();
        ServeSettings next;
        QStringList problems;
        QStringList lines;
        if (readSettings(ctx.arguments, &next, &problems))
            lines = reload.apply(next);
        else
            lines = problems << QStringLiteral("SIGHUP: the configuration has errors; nothing changed");
        for (const QString& l : lines)
            *ctx.err << "vibrascope serve: reload: " << l << "\n";
        ctx.err->flush();
        notifier.ready(QStringLiteral("running, configuration reloaded"));
    });
    QTimer durationTimer;
    durationTimer.setSingleShot(true);
    QObject::connect(&durationTimer, &QTimer::timeout, app,
                     [&] { stop(QStringLiteral("duration reached")); });

    std::unique_ptr<pipeline::RedisIngest> consumer;
    std::unique_ptr<redis::FeatureConsumer> features; // features streams (edges with ?mode=features)
    if (o.consume) {
        consumer = std::make_unique<pipeline::RedisIngest>(pipe, *o.consume);
        if (o.recorder.raw && !o.recorder.dbPath.empty())
            consumer->setLedger(o.recorder.dbPath);
        features = std::make_unique<redis::FeatureConsumer>(*o.consume, recorder.relaySink());
    }
    service.metrics().addSection([&recorder, &consumer, &features](service::PrometheusText& t) {
        redisMetrics(t, recorder.publisher(), consumer.get());
        featuresMetrics(t, features.get());
    });

    QElapsedTimer clock;
    recording::StatusReporter status(pipe);
    status.setIngest(&service.ingest().stats());
    status.setPublisher(recorder.publisher());
    QTimer statusTimer;
    QObject::connect(&statusTimer, &QTimer::timeout, app, [&] {
        for (const auto& e : recorder.takeErrors())
            *ctx.err << "vibrascope serve: " << QString::fromStdString(e) << "\n";
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

    notifier.stopping();
    // Drain: no more HTTP or WebSocket input; sources stop; cores flush; the writer commits and closes.
    service.close();
    if (consumer)
        consumer->stopReading();
    if (features)
        features->requestStop();
    if (!pipe.stopAll())
        *ctx.err << "vibrascope serve: some devices did not finish processing in time; their backlog is "
                    "counted as dropped\n";
    service.stopTriggers();
    recorder.stop();
    if (features) {
        features->finish();
        *ctx.err << "  " << featuresText(features->stats()) << "\n";
    }
    if (consumer)
        consumer->finish(); // acknowledge what the final commit holds
    for (const auto& e : recorder.takeErrors())
        *ctx.err << "vibrascope serve: " << QString::fromStdString(e) << "\n";
    RecordReport report{recorder.report(), stopReason, static_cast<double>(clock.elapsed()) / 1000.0,
                        QString::fromStdString(o.recorder.dbPath),
                        QString::fromStdString(o.recorder.parquetDir)};
    report.print(*ctx.err);
    bool ok = true;
    if (!o.reportJson.isEmpty() && !report.writeJson(o.reportJson, &error)) {
        *ctx.err << "vibrascope serve: " << error << "\n";
        ok = false;
    }
    if (recorder.failed())
        ok = false;
    ctx.err->flush();
    return ok && report.report.balanced ? kExitOk : kExitFailure;
}

} // namespace vibra::cli
