#include "cli/QueryCommand.h"

#include "cli/CompareReport.h"
#include "cli/ExitCode.h"
#include "storage/HistoryQuery.h"
#include "storage/TimeText.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace vibra::cli {

namespace {
const QString kCmd = QStringLiteral("query");

QString num(double v) {
    return QString::number(v, 'g', 6);
}

QJsonValue optionalJson(const std::optional<double>& v) {
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

QString zoneText(const std::optional<int>& z) {
    static const char* names[] = {"A", "B", "C", "D"};
    return z && *z >= 0 && *z < 4 ? QString::fromLatin1(names[*z]) : QStringLiteral("-");
}

QJsonObject axisJson(const storage::StoredDevice& d, std::size_t a,
                     const storage::HistoryQuery::AxisValues& v) {
    QJsonObject o;
    o[QStringLiteral("axis")] =
        a < d.axisNames.size() ? QString::fromStdString(d.axisNames[a]) : QStringLiteral("a%1").arg(a);
    o[QStringLiteral("min")] = v.min;
    o[QStringLiteral("max")] = v.max;
    o[QStringLiteral("mean")] = v.mean;
    o[QStringLiteral("rms")] = v.rms;
    o[QStringLiteral("peak")] = v.peak;
    o[QStringLiteral("crest")] = v.crest;
    o[QStringLiteral("velocity_rms_mm_s")] = optionalJson(v.velocityRms);
    o[QStringLiteral("zone")] = v.zone ? QJsonValue(zoneText(v.zone)) : QJsonValue(QJsonValue::Null);
    return o;
}

QJsonObject stateJson(const storage::HistoryQuery::State& s) {
    QJsonObject o;
    o[QStringLiteral("device")] = QString::fromStdString(s.device.name);
    o[QStringLiteral("unit")] = QString::fromStdString(s.device.unit);
    o[QStringLiteral("time_utc")] = QString::fromStdString(storage::TimeText::isoMicros(s.tNs));
    o[QStringLiteral("time_ns")] = QString::number(s.tNs);
    o[QStringLiteral("level")] = QString::fromUtf8(storage::levelName(s.level).data());
    o[QStringLiteral("samples")] = static_cast<double>(s.samples);
    o[QStringLiteral("rms")] = s.rms;
    o[QStringLiteral("velocity_rms_mm_s")] = optionalJson(s.velocityRms);
    o[QStringLiteral("zone")] = s.zone ? QJsonValue(zoneText(s.zone)) : QJsonValue(QJsonValue::Null);
    o[QStringLiteral("velocity_time_utc")] =
        s.velocityTNs ? QJsonValue(QString::fromStdString(storage::TimeText::isoMicros(*s.velocityTNs)))
                      : QJsonValue(QJsonValue::Null);
    QJsonArray axes;
    for (std::size_t a = 0; a < s.axes.size(); ++a)
        axes.append(axisJson(s.device, a, s.axes[a]));
    o[QStringLiteral("axes")] = axes;
    return o;
}

/// Prints rows as an aligned text table.
void printTable(QTextStream& out, const QStringList& header, const std::vector<QStringList>& rows) {
    std::vector<int> width(header.size());
    for (int c = 0; c < header.size(); ++c)
        width[c] = static_cast<int>(header[c].size());
    for (const auto& r : rows)
        for (int c = 0; c < r.size() && c < header.size(); ++c)
            width[c] = std::max(width[c], static_cast<int>(r[c].size()));
    auto line = [&](const QStringList& r) {
        QString s;
        for (int c = 0; c < header.size(); ++c)
            s += (c ? QStringLiteral("  ") : QString()) +
                 (c < r.size() ? r[c] : QString()).leftJustified(width[c]);
        out << s.trimmed() << "\n";
    };
    line(header);
    for (const auto& r : rows)
        line(r);
}

QString axisName(const storage::StoredDevice& d, std::size_t a) {
    return a < d.axisNames.size() ? QString::fromStdString(d.axisNames[a]) : QStringLiteral("a%1").arg(a);
}

QString eventAxis(const storage::HistoryQuery::EventRecord& e) {
    if (!e.axis)
        return {};
    const auto a = static_cast<std::size_t>(*e.axis);
    return a < e.axisNames.size() ? QString::fromStdString(e.axisNames[a])
                                  : QStringLiteral("a%1").arg(*e.axis);
}

QJsonObject eventJson(const storage::HistoryQuery::EventRecord& e) {
    auto text = [](const std::string& s) {
        return s.empty() ? QJsonValue() : QJsonValue(QString::fromStdString(s));
    };
    QJsonObject o;
    o[QStringLiteral("id")] = static_cast<double>(e.id);
    o[QStringLiteral("time_utc")] = QString::fromStdString(storage::TimeText::isoMicros(e.tNs));
    o[QStringLiteral("time_ns")] = QString::number(e.tNs);
    o[QStringLiteral("device")] = text(e.device);
    o[QStringLiteral("session")] = e.sessionId ? QJsonValue(static_cast<double>(*e.sessionId)) : QJsonValue();
    o[QStringLiteral("kind")] = QString::fromStdString(e.kind);
    o[QStringLiteral("state")] = text(e.state);
    o[QStringLiteral("rule")] = text(e.rule);
    o[QStringLiteral("metric")] = text(e.metric);
    o[QStringLiteral("axis")] = e.axis ? QJsonValue(eventAxis(e)) : QJsonValue();
    o[QStringLiteral("value")] = optionalJson(e.value);
    o[QStringLiteral("threshold")] = optionalJson(e.threshold);
    o[QStringLiteral("first_sample")] =
        e.firstSample ? QJsonValue(static_cast<double>(*e.firstSample)) : QJsonValue();
    o[QStringLiteral("samples")] = e.samples ? QJsonValue(static_cast<double>(*e.samples)) : QJsonValue();
    o[QStringLiteral("detail")] = text(e.detail);
    return o;
}

int printEvents(QTextStream& out, const std::vector<storage::HistoryQuery::EventRecord>& events,
                std::uint64_t total, int offset, bool json) {
    if (json) {
        QJsonArray arr;
        for (const auto& e : events)
            arr.append(eventJson(e));
        QJsonObject o;
        o[QStringLiteral("total")] = static_cast<double>(total);
        o[QStringLiteral("offset")] = offset;
        o[QStringLiteral("events")] = arr;
        out << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    std::vector<QStringList> rows;
    auto dash = [](const QString& s) { return s.isEmpty() ? QStringLiteral("-") : s; };
    for (const auto& e : events) {
        QString detail = QString::fromStdString(e.detail);
        if (e.samples)
            detail = QStringLiteral("%1 samples from #%2%3")
                         .arg(*e.samples)
                         .arg(e.firstSample.value_or(0))
                         .arg(detail.isEmpty() ? QString() : QStringLiteral(" (") + detail + ")");
        rows.push_back({QString::fromStdString(storage::TimeText::isoMicros(e.tNs)),
                        dash(QString::fromStdString(e.device)), QString::fromStdString(e.kind),
                        dash(QString::fromStdString(e.state)), dash(QString::fromStdString(e.rule)),
                        dash(QString::fromStdString(e.metric)), dash(eventAxis(e)),
                        e.value ? num(*e.value) : QStringLiteral("-"),
                        e.threshold ? num(*e.threshold) : QStringLiteral("-"), dash(detail)});
    }
    printTable(out,
               {QStringLiteral("time_utc"), QStringLiteral("device"), QStringLiteral("kind"),
                QStringLiteral("state"), QStringLiteral("rule"), QStringLiteral("metric"),
                QStringLiteral("axis"), QStringLiteral("value"), QStringLiteral("threshold"),
                QStringLiteral("detail")},
               rows);
    out << QStringLiteral("(%1 of %2 events, offset %3)\n").arg(events.size()).arg(total).arg(offset);
    return kExitOk;
}
} // namespace

int runQuery(const CommandContext& ctx) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Query a history database.\n"
        "  query latest --db F [--sort device|time|rms|velocity] [--desc] [--limit N] [--offset N]\n"
        "  query range  --db F --device ID --from TIME --to TIME [--points N] [--level auto|raw|1s|1m|1h]\n"
        "  query asof   --db F --device ID --at TIME\n"
        "  query events --db F [--device ID] [--from TIME] [--to TIME] [--type KIND] [--limit N] [--offset "
        "N]\n"
        "  query compare --edge F --central F [--device ID] [--from TIME] [--to TIME]\n"
        "compare is the edge-vs-centre report of Redis relaying: per edge session and device, what the edge "
        "received, published and dropped (by reason) and what the central database stored of it; exit code 3 "
        "when any device is lost, missing or in flight.\n"
        "range picks the coarsest level (1h, 1m, 1s, then raw samples) giving at least --points buckets; "
        "min/max are the "
        "envelope.\n"
        "Times are ISO-8601 (UTC unless an offset is given) or epoch seconds (1763884800, ...ms, ...ns)."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("what"), QStringLiteral("latest, range, asof, events or compare"));
    p.addOption({QStringLiteral("db"), QStringLiteral("History database to read."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("device"), QStringLiteral("Device (range, asof; events: only this one)."),
                 QStringLiteral("ID")});
    p.addOption({QStringLiteral("from"), QStringLiteral("Start time (range; events: optional)."),
                 QStringLiteral("TIME")});
    p.addOption({QStringLiteral("to"), QStringLiteral("End time, exclusive (range; events: optional)."),
                 QStringLiteral("TIME")});
    p.addOption({QStringLiteral("type"),
                 QStringLiteral("Only events of this kind (events), e.g. alarm, gap, unclean_shutdown."),
                 QStringLiteral("KIND")});
    p.addOption({QStringLiteral("at"), QStringLiteral("Time (asof)."), QStringLiteral("TIME")});
    p.addOption({QStringLiteral("points"), QStringLiteral("Minimum number of buckets (range; default 500)."),
                 QStringLiteral("N"), QStringLiteral("500")});
    p.addOption(
        {QStringLiteral("level"),
         QStringLiteral(
             "auto (default), raw, 1s, 1m or 1h (range; auto uses raw samples below 1 s when stored)."),
         QStringLiteral("LEVEL"), QStringLiteral("auto")});
    p.addOption({QStringLiteral("sort"), QStringLiteral("device (default), time, rms or velocity (latest)."),
                 QStringLiteral("KEY"), QStringLiteral("device")});
    p.addOption({QStringLiteral("desc"), QStringLiteral("Sort descending (latest).")});
    p.addOption({QStringLiteral("limit"), QStringLiteral("Page size (latest, events; default 100)."),
                 QStringLiteral("N"), QStringLiteral("100")});
    p.addOption({QStringLiteral("offset"), QStringLiteral("Rows to skip (latest, events)."),
                 QStringLiteral("N"), QStringLiteral("0")});
    p.addOption({QStringLiteral("edge"), QStringLiteral("Edge recorder's database (compare)."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("central"), QStringLiteral("Central recorder's database (compare)."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")});
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << helpText(p, QStringLiteral("query"));
        return kExitOk;
    }
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 ||
        !QStringList{QStringLiteral("latest"), QStringLiteral("range"), QStringLiteral("asof"),
                     QStringLiteral("events"), QStringLiteral("compare")}
             .contains(pos.first()))
        return usageError(ctx, kCmd,
                          QStringLiteral("say what to query: latest, range, asof, events or compare"));
    const QString& what = pos.first();
    if (what == QLatin1String("compare"))
        return runCompare(ctx, p);
    if (p.isSet(QStringLiteral("edge")) || p.isSet(QStringLiteral("central")))
        return usageError(ctx, kCmd, QStringLiteral("--edge and --central go with compare"));
    const QString dbPath = p.value(QStringLiteral("db"));
    if (dbPath.isEmpty())
        return usageError(ctx, kCmd, QStringLiteral("--db FILE is required"));
    const bool json = p.isSet(QStringLiteral("json"));
    auto intOption = [&](const char* name, int lo, int hi, int* out) {
        bool ok = false;
        const int v = p.value(QString::fromLatin1(name)).toInt(&ok);
        if (!ok || v < lo || v > hi)
            return false;
        *out = v;
        return true;
    };
    auto timeOption = [&](const char* name, std::int64_t* out, QString* message) {
        const QString key = QString::fromLatin1(name);
        if (!p.isSet(key)) {
            *message = QStringLiteral("--%1 TIME is required for %2").arg(key, what);
            return false;
        }
        const auto t = storage::TimeText::parse(p.value(key));
        if (!t) {
            *message =
                QStringLiteral("--%1 '%2' is not a time (use ISO-8601 like 2026-11-23T08:00:00Z or epoch "
                               "seconds)")
                    .arg(key, p.value(key));
            return false;
        }
        *out = *t;
        return true;
    };
    const std::string device = p.value(QStringLiteral("device")).toStdString();
    if (p.isSet(QStringLiteral("type")) && what != QLatin1String("events"))
        return usageError(ctx, kCmd, QStringLiteral("--type goes with events"));
    if (what != QLatin1String("latest") && what != QLatin1String("events") && device.empty())
        return usageError(ctx, kCmd, QStringLiteral("--device ID is required for %1").arg(what));

    storage::Database db;
    std::string error;
    if (!db.open(dbPath.toStdString(), storage::Database::Mode::ReadOnly, &error)) {
        *ctx.err << "vibrascope query: " << QString::fromStdString(error) << "\n";
        return kExitFailure;
    }
    if (!db.note().empty())
        *ctx.err << "vibrascope query: note: " << QString::fromStdString(db.note()) << "\n";
    storage::HistoryQuery q(db);
    QTextStream& out = *ctx.out;

    if (what == QLatin1String("latest")) {
        storage::HistoryQuery::LatestRequest req;
        const auto sort = storage::parseSortKey(p.value(QStringLiteral("sort")).toStdString());
        if (!sort)
            return usageError(ctx, kCmd,
                              QStringLiteral("unknown --sort '%1' (device, time, rms, velocity)")
                                  .arg(p.value(QStringLiteral("sort"))));
        req.sort = *sort;
        req.descending = p.isSet(QStringLiteral("desc"));
        if (!intOption("limit", 1, 100000, &req.limit) || !intOption("offset", 0, 1 << 30, &req.offset))
            return usageError(ctx, kCmd, QStringLiteral("--limit must be 1..100000 and --offset >= 0"));
        std::vector<storage::HistoryQuery::State> states;
        std::uint64_t total = 0;
        if (!q.latest(req, &states, &total, &error)) {
            *ctx.err << "vibrascope query: " << QString::fromStdString(error) << "\n";
            return kExitFailure;
        }
        if (json) {
            QJsonArray arr;
            for (const auto& s : states)
                arr.append(stateJson(s));
            QJsonObject o;
            o[QStringLiteral("total")] = static_cast<double>(total);
            o[QStringLiteral("offset")] = req.offset;
            o[QStringLiteral("devices")] = arr;
            out << QJsonDocument(o).toJson(QJsonDocument::Indented);
            return kExitOk;
        }
        std::vector<QStringList> rows;
        for (const auto& s : states) {
            QStringList axes;
            for (std::size_t a = 0; a < s.axes.size(); ++a)
                axes << axisName(s.device, a) + QLatin1Char('=') + num(s.axes[a].rms);
            rows.push_back({QString::fromStdString(s.device.name),
                            QString::fromStdString(storage::TimeText::isoMicros(s.tNs)),
                            QString::number(s.samples), num(s.rms),
                            s.velocityRms ? num(*s.velocityRms) : QStringLiteral("-"), zoneText(s.zone),
                            QString::fromStdString(s.device.unit), axes.join(QLatin1Char(' '))});
        }
        printTable(out,
                   {QStringLiteral("device"), QStringLiteral("time_utc"), QStringLiteral("samples"),
                    QStringLiteral("rms"), QStringLiteral("vel_mm_s"), QStringLiteral("zone"),
                    QStringLiteral("unit"), QStringLiteral("axis_rms")},
                   rows);
        out << QStringLiteral("(%1 of %2 devices, offset %3)\n")
                   .arg(states.size())
                   .arg(total)
                   .arg(req.offset);
        return kExitOk;
    }

    if (what == QLatin1String("events")) {
        storage::HistoryQuery::EventRequest req;
        req.device = device;
        req.kind = p.value(QStringLiteral("type")).toStdString();
        QString message;
        for (const char* which : {"from", "to"}) {
            std::int64_t t = 0;
            if (!p.isSet(QString::fromLatin1(which)))
                continue;
            if (!timeOption(which, &t, &message))
                return usageError(ctx, kCmd, message);
            (which[0] == 'f' ? req.fromNs : req.toNs) = t;
        }
        if (req.fromNs && req.toNs && *req.toNs <= *req.fromNs)
            return usageError(ctx, kCmd, QStringLiteral("--to must be later than --from"));
        if (!intOption("limit", 1, 100000, &req.limit) || !intOption("offset", 0, 1 << 30, &req.offset))
            return usageError(ctx, kCmd, QStringLiteral("--limit must be 1..100000 and --offset >= 0"));
        std::vector<storage::HistoryQuery::EventRecord> events;
        std::uint64_t total = 0;
        if (!q.events(req, &events, &total, &error)) {
            *ctx.err << "vibrascope query: " << QString::fromStdString(error) << "\n";
            return kExitFailure;
        }
        return printEvents(out, events, total, req.offset, json);
    }

    if (what == QLatin1String("range")) {
        std::int64_t from = 0, to = 0;
        QString message;
        if (!timeOption("from", &from, &message) || !timeOption("to", &to, &message))
            return usageError(ctx, kCmd, message);
        if (to <= from)
            return usageError(ctx, kCmd, QStringLiteral("--to must be later than --from"));
        int points = 0;
        if (!intOption("points", 1, 10'000'000, &points))
            return usageError(ctx, kCmd, QStringLiteral("--points must be 1..10000000"));
        std::optional<storage::RollupLevel> level;
        const QString lv = p.value(QStringLiteral("level"));
        if (lv != QLatin1String("auto")) {
            level = storage::parseLevel(lv.toStdString());
            if (!level)
                return usageError(ctx, kCmd,
                                  QStringLiteral("unknown --level '%1' (auto, raw, 1s, 1m, 1h)").arg(lv));
        }
        storage::HistoryQuery::Range range;
        if (!q.range(device, from, to, points, level, &range, &error)) {
            *ctx.err << "vibrascope query: " << QString::fromStdString(error) << "\n";
            return kExitFailure;
        }
        const QString levelText = QString::fromUtf8(storage::levelName(range.level).data());
        if (json) {
            QJsonArray arr;
            for (const auto& pt : range.points) {
                QJsonObject o;
                o[QStringLiteral("time_utc")] = QString::fromStdString(storage::TimeText::isoMicros(pt.tNs));
                o[QStringLiteral("time_ns")] = QString::number(pt.tNs);
                o[QStringLiteral("samples")] = static_cast<double>(pt.samples);
                o[QStringLiteral("gaps")] = static_cast<double>(pt.gaps);
                QJsonArray axes;
                for (std::size_t a = 0; a < pt.axes.size(); ++a)
                    axes.append(axisJson(range.device, a, pt.axes[a]));
                o[QStringLiteral("axes")] = axes;
                arr.append(o);
            }
            QJsonObject o;
            o[QStringLiteral("device")] = QString::fromStdString(range.device.name);
            o[QStringLiteral("unit")] = QString::fromStdString(range.device.unit);
            o[QStringLiteral("level")] = levelText;
            o[QStringLiteral("bucket_ns")] = QString::number(range.bucketNs);
            o[QStringLiteral("points")] = arr;
            out << QJsonDocument(o).toJson(QJsonDocument::Indented);
            return kExitOk;
        }
        QStringList header{QStringLiteral("time_utc"), QStringLiteral("samples"), QStringLiteral("gaps")};
        const auto axes = static_cast<std::size_t>(std::max(0, range.device.axes));
        for (std::size_t a = 0; a < axes; ++a)
            for (const char* s : {"min", "max", "mean", "rms"})
                header << axisName(range.device, a) + QLatin1Char('_') + QString::fromLatin1(s);
        std::vector<QStringList> rows;
        for (const auto& pt : range.points) {
            QStringList r{QString::fromStdString(storage::TimeText::isoMicros(pt.tNs)),
                          QString::number(pt.samples), QString::number(pt.gaps)};
            for (std::size_t a = 0; a < axes; ++a) {
                const auto& v = a < pt.axes.size() ? pt.axes[a] : storage::HistoryQuery::AxisValues{};
                r << num(v.min) << num(v.max) << num(v.mean) << num(v.rms);
            }
            rows.push_back(r);
        }
        printTable(out, header, rows);
        out << QStringLiteral("(%1 points at level %2, unit %3)\n")
                   .arg(range.points.size())
                   .arg(levelText, QString::fromStdString(range.device.unit));
        return kExitOk;
    }

    // asof
    std::int64_t at = 0;
    QString message;
    if (!timeOption("at", &at, &message))
        return usageError(ctx, kCmd, message);
    storage::HistoryQuery::State state;
    bool found = false;
    if (!q.asOf(device, at, &state, &found, &error)) {
        *ctx.err << "vibrascope query: " << QString::fromStdString(error) << "\n";
        return kExitFailure;
    }
    if (json) {
        out << (found ? QJsonDocument(stateJson(state)).toJson(QJsonDocument::Indented)
                      : QByteArray("null\n"));
        return kExitOk;
    }
    if (!found) {
        out << "no data for " << QString::fromStdString(device) << " at or before "
            << QString::fromStdString(storage::TimeText::isoMicros(at)) << "\n";
        return kExitOk;
    }
    std::vector<QStringList> rows;
    for (std::size_t a = 0; a < state.axes.size(); ++a) {
        const auto& v = state.axes[a];
        rows.push_back({axisName(state.device, a), num(v.min), num(v.max), num(v.mean), num(v.rms),
                        num(v.peak), num(v.crest), v.velocityRms ? num(*v.velocityRms) : QStringLiteral("-"),
                        zoneText(v.zone)});
    }
    out << QString::fromStdString(state.device.name) << " at "
        << QString::fromStdString(storage::TimeText::isoMicros(state.tNs)) << " (level "
        << QString::fromUtf8(storage::levelName(state.level).data()) << ", " << state.samples
        << " samples, unit " << QString::fromStdString(state.device.unit) << ")\n";
    printTable(out,
               {QStringLiteral("axis"), QStringLiteral("min"), QStringLiteral("max"), QStringLiteral("mean"),
                QStringLiteral("rms"), QStringLiteral("peak"), QStringLiteral("crest"),
                QStringLiteral("vel_mm_s"), QStringLiteral("zone")},
               rows);
    return kExitOk;
}

} // namespace vibra::cli
