#include "cli/QueryCommand.h"

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
} // namespace

int runQuery(const CommandContext& ctx) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Query a history database.\n"
        "  query latest --db F [--sort device|time|rms|velocity] [--desc] [--limit N] [--offset N]\n"
        "  query range  --db F --device ID --from TIME --to TIME [--points N] [--level auto|raw|1s|1m|1h]\n"
        "  query asof   --db F --device ID --at TIME\n"
        "range picks the coarsest level (1h, 1m, 1s, then raw samples) giving at least --points buckets; "
        "min/max are the "
        "envelope.\n"
        "Times are ISO-8601 (UTC unless an offset is given) or epoch seconds (1763884800, ...ms, ...ns)."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("what"), QStringLiteral("latest, range or asof"));
    p.addOption({QStringLiteral("db"), QStringLiteral("History database to read."), QStringLiteral("FILE")});
    p.addOption({QStringLiteral("device"), QStringLiteral("Device (range, asof)."), QStringLiteral("ID")});
    p.addOption({QStringLiteral("from"), QStringLiteral("Start time (range)."), QStringLiteral("TIME")});
    p.addOption(
        {QStringLiteral("to"), QStringLiteral("End time, exclusive (range)."), QStringLiteral("TIME")});
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
    p.addOption({QStringLiteral("limit"), QStringLiteral("Page size (latest; default 100)."),
                 QStringLiteral("N"), QStringLiteral("100")});
    p.addOption({QStringLiteral("offset"), QStringLiteral("Rows to skip (latest)."), QStringLiteral("N"),
                 QStringLiteral("0")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")});
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << p.helpText();
        return kExitOk;
    }
    const QStringList pos = p.positionalArguments();
    if (pos.size() != 1 ||
        !QStringList{QStringLiteral("latest"), QStringLiteral("range"), QStringLiteral("asof")}.contains(
            pos.first()))
        return usageError(ctx, kCmd, QStringLiteral("say what to query: latest, range or asof"));
    const QString& what = pos.first();
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
    if (what != QLatin1String("latest") && device.empty())
        return usageError(ctx, kCmd, QStringLiteral("--device ID is required for %1").arg(what));

    storage::Database db;
    std::string error;
    if (!db.open(dbPath.toStdString(), storage::Database::Mode::ReadOnly, &error)) {
        *ctx.err << "vibrascope query: " << QString::fromStdString(error) << "\n";
        return kExitFailure;
    }
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
            if (!level || *level == storage::RollupLevel::Raw)
                return usageError(ctx, kCmd,
                                  QStringLiteral("unknown --level '%1' (auto, 1s, 1m, 1h)").arg(lv));
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
