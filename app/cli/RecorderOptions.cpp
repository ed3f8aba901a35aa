#include "cli/RecorderOptions.h"

#include "pipeline/IngestBridge.h"
#include "storage/Retention.h"

#include <QCoreApplication>
#include <QThread>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

namespace vibra::cli {

namespace {
QCommandLineOption opt(const QString& name, const QString& help, const QString& value = {},
                       const QString& def = {}) {
    return value.isEmpty() ? QCommandLineOption(name, help) : QCommandLineOption(name, help, value, def);
}
} // namespace

void RecorderOptions::add(QCommandLineParser& p) {
    p.addOption(
        {{QStringLiteral("s"), QStringLiteral("source")},
         QStringLiteral("Device to record (repeatable), e.g. sim://a, sim://b?profile=sine&freq=100. "
                        "Devices published to Redis are stored with --consume (redis:// is not a --source)."),
         QStringLiteral("URI")});
    p.addOption(
        opt(QStringLiteral("listen"),
            QStringLiteral("Also accept devices pushing frames over WebSocket (/ingest) and relay live "
                           "blocks (/stream) on this address, e.g. 127.0.0.1:8765. Needs --db."),
            QStringLiteral("HOST:PORT")));
    p.addOption(
        opt(QStringLiteral("token"),
            QStringLiteral("Bearer token devices and subscribers must present with --listen (default: "
                           "the VIBRASCOPE_TOKEN environment variable; none = no authentication, "
                           "loopback only)."),
            QStringLiteral("T")));
    p.addOption(opt(QStringLiteral("db"),
                    QStringLiteral("History database to create or append to (optional with --parquet)."),
                    QStringLiteral("FILE")));
    p.addOption(
        opt(QStringLiteral("parquet"),
            QStringLiteral("Also write every raw sample to DIR/<device>/<device>_<period start>.parquet, "
                           "one closed file per device per rotation period."),
            QStringLiteral("DIR")));
    p.addOption(opt(
        QStringLiteral("publish"),
        QStringLiteral("Also publish every processed block to Redis Streams at URL = "
                       "redis://[:PASSWORD@]HOST[:PORT]/PREFIX, one stream per device "
                       "PREFIX:{dev:ID} (see docs/scaling.md). Query: mode=raw|features (features: per "
                       "device one entry per 1 s rollup and per event instead of raw blocks, to "
                       "PREFIX:{dev:ID}:features, for thin links), maxlen=N (XADD MAXLEN ~, entries per "
                       "device; default 100000, 0 = no trim), buffer=ENTRIES (outbound buffer while Redis "
                       "is unreachable; default 4096), batch=N (pipeline depth; default 256)."),
        QStringLiteral("URL")));
    p.addOption(
        opt(QStringLiteral("consume"),
            QStringLiteral(
                "Also record the devices edge recorders publish to Redis (--publish) at URL = "
                "redis://HOST[:PORT]/PREFIX, through a "
                "consumer group; entries are acknowledged after their commit. Needs --db; use --raw "
                "for exactly-once raw samples. Features streams (--publish ...?mode=features) are read "
                "too: their rollups and events are stored exactly once. Query: group=G (default "
                "vibrascope), consumer=C (default: host name), match=GLOB (device ids), claim_idle_ms, "
                "max_deliveries, lease_ms (consumers of a group share the devices by leases; a dead "
                "consumer's devices move after this; default 10000, 0 = read every matched stream)."),
            QStringLiteral("URL")));
    p.addOption(opt(QStringLiteral("rotate"),
                    QStringLiteral("Parquet rotation period, aligned to UTC (e.g. 30s, 10min, 1h; >= 1s; "
                                   "default 10min)."),
                    QStringLiteral("DURATION"), QStringLiteral("10min")));
    p.addOption(
        {{QStringLiteral("d"), QStringLiteral("duration")},
         QStringLiteral("Stop after this many seconds of wall-clock time (default: run until stopped)."),
         QStringLiteral("SECONDS")});
    p.addOption(
        opt(QStringLiteral("durable"),
            QStringLiteral("fsync every commit (synchronous=FULL): survives power loss, costs an fsync "
                           "per commit.")));
    p.addOption(opt(QStringLiteral("raw"),
                    QStringLiteral("Also store every sample (zstd-compressed blocks); samples then count as "
                                   "stored when their raw block is committed.")));
    p.addOption(
        opt(QStringLiteral("retain-raw"),
            QStringLiteral("Delete raw blocks older than this while recording (e.g. 12h, 7d, 30min)."),
            QStringLiteral("DURATION")));
    p.addOption(opt(QStringLiteral("retain-rollups"),
                    QStringLiteral("Delete rollups (1 s, 1 min, 1 h) and events older than this (e.g. 90d)."),
                    QStringLiteral("DURATION")));
    p.addOption(
        opt(QStringLiteral("alarm"),
            QStringLiteral("Alarm rule checked on every completed second of every device (repeatable): "
                           "METRIC>VALUE with METRIC rms|peak|crest|velocity|kurtosis (units as in the "
                           "rollups: g or m/s2, mm/s) or band(F1-F2) (RMS of the acceleration spectrum "
                           "between F1 and F2 Hz, in g or m/s2; F2 clamped to 0.45 x the sample rate), "
                           "optional ,hysteresis=H ,delay=S ,device=ID; e.g. 'velocity>4.5', "
                           "'crest>6,delay=3' or 'band(2000-5000)>0.5'. Events are printed and stored."),
            QStringLiteral("RULE")));
    p.addOption(opt(QStringLiteral("alarm-zone"),
                    QStringLiteral("Alarm when a device enters this ISO zone or worse (A..D), e.g. C."),
                    QStringLiteral("ZONE")));
    p.addOption(opt(QStringLiteral("workers"),
                    QStringLiteral("DSP worker threads shared by all devices (default: number of cores)."),
                    QStringLiteral("N")));
    p.addOption(opt(QStringLiteral("ingest-threads"),
                    QStringLiteral("Threads serving --listen connections, each device on one of them "
                                   "(default: number of cores, at most 4)."),
                    QStringLiteral("N")));
    p.addOption(opt(QStringLiteral("max-devices"),
                    QStringLiteral("Most devices live at once, including ingest devices (default 1000)."),
                    QStringLiteral("N"), QStringLiteral("1000")));
    p.addOption(
        {{QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No status line every second.")});
    p.addOption(
        opt(QStringLiteral("verbose"),
            QStringLiteral("A status line for every device every second (default: only devices with a "
                           "problem).")));
    p.addOption(opt(QStringLiteral("report-json"),
                    QStringLiteral("Write the final accounting report to FILE as JSON "
                                   "(schema vibrascope.record-report/1)."),
                    QStringLiteral("FILE")));
    QCommandLineOption maxPages(QStringLiteral("max-db-pages"),
                                QStringLiteral("Testing: cap the database size (PRAGMA max_page_count)."),
                                QStringLiteral("PAGES"));
    maxPages.setFlags(QCommandLineOption::HiddenFromHelp);
    p.addOption(maxPages);
}

namespace {
bool positiveInt(const QCommandLineParser& p, const QString& name, int lo, int hi, int* out, QString* error) {
    if (!p.isSet(name))
        return true;
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < lo || v > hi) {
        *error = QStringLiteral("--%1 must be a whole number in %2..%3, got '%4'")
                     .arg(name)
                     .arg(lo)
                     .arg(hi)
                     .arg(p.value(name));
        return false;
    }
    *out = v;
    return true;
}
} // namespace

bool RecorderOptions::parse(const QCommandLineParser& p, bool needSource, QString* error) {
    const auto fail = [error](const QString& m) {
        *error = m;
        return false;
    };
    sources = p.values(QStringLiteral("source"));
    if (needSource && sources.isEmpty() && !p.isSet(QStringLiteral("listen")) &&
        !p.isSet(QStringLiteral("consume")))
        return fail(
            QStringLiteral("give at least one --source URI (e.g. --source sim://a), --listen or --consume"));
    const QString db = p.value(QStringLiteral("db"));
    const QString parquet = p.value(QStringLiteral("parquet"));
    if (p.isSet(QStringLiteral("listen"))) {
        io::IngestServer::Options o;
        const QString token = p.isSet(QStringLiteral("token")) ? p.value(QStringLiteral("token"))
                                                               : qEnvironmentVariable("VIBRASCOPE_TOKEN");
        if (!pipeline::IngestBridge::parseListen(p.value(QStringLiteral("listen")), token, &o, error))
            return false;
        if (db.isEmpty() && parquet.isEmpty())
            return fail(
                QStringLiteral("--listen needs --db (or --parquet): devices arriving over the network "
                               "are recorded"));
        listen = o;
        listenText = p.value(QStringLiteral("listen"));
    } else if (p.isSet(QStringLiteral("token")) && !serve) {
        return fail(QStringLiteral("--token goes with --listen"));
    }
    if (p.isSet(QStringLiteral("publish"))) {
        redis::RedisUrl url;
        std::string err;
        redis::StreamPublisher::Options po;
        if (!redis::RedisUrl::parse(p.value(QStringLiteral("publish")).toStdString(), &url, &err) ||
            !redis::StreamPublisher::Options::fromUrl(url, &po, &err))
            return fail(QStringLiteral("--publish: %1").arg(QString::fromStdString(err)));
        recorder.publish = po;
    }
    if (p.isSet(QStringLiteral("consume"))) {
        redis::RedisUrl url;
        std::string err;
        redis::StreamConsumer::Options co;
        if (!redis::RedisUrl::parse(p.value(QStringLiteral("consume")).toStdString(), &url, &err) ||
            !redis::StreamConsumer::Options::fromUrl(url, &co, &err))
            return fail(QStringLiteral("--consume: %1").arg(QString::fromStdString(err)));
        if (db.isEmpty())
            return fail(QStringLiteral("--consume needs --db: entries are acknowledged after their commit"));
        consume = co;
    }
    if (db.isEmpty() && parquet.isEmpty() && !recorder.publish)
        return fail(QStringLiteral("--db FILE is required (or --parquet DIR, or --publish URL)"));
    if (p.isSet(QStringLiteral("rotate")) && parquet.isEmpty())
        return fail(QStringLiteral("--rotate needs --parquet"));
    const auto rotateNs = storage::Retention::parseDuration(p.value(QStringLiteral("rotate")).toStdString());
    if (!rotateNs || *rotateNs < 1'000'000'000)
        return fail(
            QStringLiteral("--rotate must be a duration of at least 1s like 30s, 10min or 1h, got '%1'")
                .arg(p.value(QStringLiteral("rotate"))));
    if (db.isEmpty() && (p.isSet(QStringLiteral("raw")) || p.isSet(QStringLiteral("durable")) ||
                         p.isSet(QStringLiteral("retain-raw")) || p.isSet(QStringLiteral("retain-rollups"))))
        return fail(QStringLiteral("--raw, --durable and --retain-* need --db"));
    if (p.isSet(QStringLiteral("duration"))) {
        bool ok = false;
        durationSeconds = p.value(QStringLiteral("duration")).toDouble(&ok);
        if (!ok || !(durationSeconds > 0) || durationSeconds > 1e9)
            return fail(QStringLiteral("--duration must be a number of seconds > 0, got '%1'")
                            .arg(p.value(QStringLiteral("duration"))));
    }
    for (const char* which : {"retain-raw", "retain-rollups"}) {
        const QString key = QString::fromLatin1(which);
        if (!p.isSet(key))
            continue;
        const auto d = storage::Retention::parseDuration(p.value(key).toStdString());
        if (!d)
            return fail(QStringLiteral("--%1 must be a duration like 30min, 12h or 7d, got '%2'")
                            .arg(key, p.value(key)));
        (key == QLatin1String("retain-raw") ? recorder.retention.rawNs : recorder.retention.rollupNs) = *d;
    }
    if (recorder.retention.rawNs > 0 && !p.isSet(QStringLiteral("raw")))
        return fail(QStringLiteral("--retain-raw needs --raw"));
    for (const QString& text : p.values(QStringLiteral("alarm"))) {
        std::string e;
        auto rule = alarms::AlarmRule::parse(text.toStdString(), &e);
        if (!rule)
            return fail(QString::fromStdString(e));
        alarms.push_back(*rule);
    }
    if (p.isSet(QStringLiteral("alarm-zone"))) {
        std::string e;
        auto rule = alarms::AlarmRule::zoneAtLeast(p.value(QStringLiteral("alarm-zone")).toStdString(), &e);
        if (!rule)
            return fail(QString::fromStdString(e));
        alarms.push_back(*rule);
    }
    if (!positiveInt(p, QStringLiteral("workers"), 1, 256, &workers, error) ||
        !positiveInt(p, QStringLiteral("max-devices"), 1, 100000, &maxDevices, error) ||
        !positiveInt(p, QStringLiteral("ingest-threads"), 1, 64, &ingestThreads, error))
        return false;
    quiet = p.isSet(QStringLiteral("quiet"));
    verbose = p.isSet(QStringLiteral("verbose"));
    if (quiet && verbose)
        return fail(QStringLiteral("--quiet and --verbose contradict each other"));
    reportJson = p.value(QStringLiteral("report-json"));
    if (listen) {
        listen->maxDevices = maxDevices;
        listen->maxConnections = maxDevices + 256; // devices plus live subscribers
        listen->threads = ingestThreads > 0 ? ingestThreads : std::clamp(QThread::idealThreadCount(), 1, 4);
    }

    QJsonObject config;
    config[QStringLiteral("sources")] = QJsonArray::fromStringList(sources);
    config[QStringLiteral("duration_s")] = durationSeconds;
    config[QStringLiteral("durable")] = p.isSet(QStringLiteral("durable"));
    config[QStringLiteral("raw")] = p.isSet(QStringLiteral("raw"));
    QJsonArray rules;
    for (const auto& r : alarms)
        rules.append(QString::fromStdString(r.text));
    config[QStringLiteral("alarms")] = rules;
    recorder.dbPath = db.toStdString();
    recorder.parquetDir = parquet.toStdString();
    recorder.rotateNs = *rotateNs;
    recorder.durability = p.isSet(QStringLiteral("durable")) ? storage::Database::Durability::Full
                                                             : storage::Database::Durability::Normal;
    recorder.raw = p.isSet(QStringLiteral("raw"));
    recorder.maxPageCount = p.value(QStringLiteral("max-db-pages")).toLongLong();
    recorder.configJson = QJsonDocument(config).toJson(QJsonDocument::Compact).toStdString();
    recorder.appVersion = QCoreApplication::applicationVersion().toStdString();
    return true;
}

} // namespace vibra::cli
