#include "cli/CompareReport.h"

#include "cli/ExitCode.h"
#include "storage/Database.h"
#include "storage/RelayComparison.h"
#include "storage/TimeText.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace vibra::cli {

namespace {

QString detailText(const storage::RelayComparison::Row& r) {
    QStringList parts;
    if (r.droppedAtEdge() > 0)
        parts << QStringLiteral(
                     "edge dropped %1 (tap_overflow %2, buffer_overflow %3, rejected %4, unpublished %5)")
                     .arg(r.droppedAtEdge())
                     .arg(r.droppedTapOverflow)
                     .arg(r.droppedOverflow)
                     .arg(r.droppedRejected)
                     .arg(r.droppedUnpublished);
    if (r.missing() != 0 || r.missingEntries() > 0)
        parts << QStringLiteral("%1 published samples (%2 entries) not at the centre")
                     .arg(r.missing())
                     .arg(r.missingEntries());
    if (r.eventsDropped > 0)
        parts << QStringLiteral("%1 events dropped at the edge").arg(r.eventsDropped);
    if (!r.stoppedNs)
        parts << QStringLiteral("edge session open");
    return parts.join(QStringLiteral("; "));
}

QJsonObject rowJson(const storage::RelayComparison::Row& r) {
    const auto n = [](std::uint64_t v) { return static_cast<double>(v); };
    QJsonObject o;
    o[QStringLiteral("device")] = QString::fromStdString(r.device);
    o[QStringLiteral("edge_session")] = static_cast<double>(r.edgeSession);
    o[QStringLiteral("started_utc")] = QString::fromStdString(storage::TimeText::isoMicros(r.startedNs));
    o[QStringLiteral("stopped_utc")] =
        r.stoppedNs ? QJsonValue(QString::fromStdString(storage::TimeText::isoMicros(*r.stoppedNs)))
                    : QJsonValue(QJsonValue::Null);
    o[QStringLiteral("mode")] = QString::fromStdString(r.mode);
    o[QStringLiteral("origin")] = QString::fromStdString(r.origin);
    o[QStringLiteral("stream")] = QString::fromStdString(r.stream);
    o[QStringLiteral("received")] = n(r.received);
    o[QStringLiteral("published")] = n(r.published);
    o[QStringLiteral("entries")] = n(r.entries);
    o[QStringLiteral("dropped_at_edge")] = n(r.droppedAtEdge());
    o[QStringLiteral("dropped")] = QJsonObject{{QStringLiteral("tap_overflow"), n(r.droppedTapOverflow)},
                                               {QStringLiteral("buffer_overflow"), n(r.droppedOverflow)},
                                               {QStringLiteral("rejected"), n(r.droppedRejected)},
                                               {QStringLiteral("unpublished"), n(r.droppedUnpublished)}};
    o[QStringLiteral("events")] = QJsonObject{{QStringLiteral("offered"), n(r.eventsOffered)},
                                              {QStringLiteral("published"), n(r.eventsPublished)},
                                              {QStringLiteral("dropped"), n(r.eventsDropped)},
                                              {QStringLiteral("central"), n(r.centralEvents)}};
    o[QStringLiteral("central_samples")] = n(r.centralSamples);
    o[QStringLiteral("central_entries")] = n(r.centralEntries);
    o[QStringLiteral("missing")] = static_cast<double>(r.missing());
    o[QStringLiteral("missing_entries")] = n(r.missingEntries());
    o[QStringLiteral("edge_balanced")] = r.edgeBalanced();
    o[QStringLiteral("verdict")] = QString::fromStdString(r.verdict());
    return o;
}

bool openDb(const CommandContext& ctx, const QString& which, const QString& path, storage::Database* db) {
    std::string error;
    if (!db->open(path.toStdString(), storage::Database::Mode::ReadOnly, &error)) {
        *ctx.err << "vibrascope query compare: " << which << ": " << QString::fromStdString(error) << "\n";
        return false;
    }
    if (!db->note().empty())
        *ctx.err << "vibrascope query compare: note: " << QString::fromStdString(db->note()) << "\n";
    return true;
}

} // namespace

int runCompare(const CommandContext& ctx, const QCommandLineParser& p) {
    const QString cmd = QStringLiteral("query");
    const QString edgePath = p.value(QStringLiteral("edge")),
                  centralPath = p.value(QStringLiteral("central"));
    if (edgePath.isEmpty() || centralPath.isEmpty())
        return usageError(ctx, cmd, QStringLiteral("compare needs --edge FILE and --central FILE"));
    if (p.isSet(QStringLiteral("db")))
        return usageError(ctx, cmd, QStringLiteral("compare reads --edge and --central, not --db"));
    std::optional<std::int64_t> range[2];
    const char* names[2] = {"from", "to"};
    for (int i = 0; i < 2; ++i) {
        const QString key = QString::fromLatin1(names[i]);
        if (!p.isSet(key))
            continue;
        range[i] = storage::TimeText::parse(p.value(key));
        if (!range[i])
            return usageError(
                ctx, cmd,
                QStringLiteral("--%1 '%2' is not a time (use ISO-8601 like 2026-11-23T08:00:00Z or "
                               "epoch seconds)")
                    .arg(key, p.value(key)));
    }
    storage::Database edge, central;
    if (!openDb(ctx, QStringLiteral("--edge"), edgePath, &edge) ||
        !openDb(ctx, QStringLiteral("--central"), centralPath, &central))
        return kExitFailure;
    std::vector<storage::RelayComparison::Row> rows;
    std::string error;
    if (!storage::RelayComparison::run(edge.handle(), central.handle(), range[0], range[1],
                                       p.value(QStringLiteral("device")).toStdString(), &rows, &error)) {
        *ctx.err << "vibrascope query compare: " << QString::fromStdString(error) << "\n";
        return kExitFailure;
    }
    bool balanced = true;
    for (const auto& r : rows)
        balanced = balanced && r.balanced();
    if (p.isSet(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const auto& r : rows)
            arr.append(rowJson(r));
        QJsonObject o;
        o[QStringLiteral("rows")] = arr;
        o[QStringLiteral("balanced")] = balanced;
        *ctx.out << QJsonDocument(o).toJson(QJsonDocument::Indented);
    } else {
        *ctx.out << QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8  %9\n")
                        .arg(QStringLiteral("device"), -10)
                        .arg(QStringLiteral("edge session started"), -27)
                        .arg(QStringLiteral("mode"), -8)
                        .arg(QStringLiteral("received"), 10)
                        .arg(QStringLiteral("published"), 10)
                        .arg(QStringLiteral("central"), 10)
                        .arg(QStringLiteral("missing"), 8)
                        .arg(QStringLiteral("verdict"), -10)
                        .arg(QStringLiteral("detail"));
        for (const auto& r : rows)
            *ctx.out << QStringLiteral("%1  %2  %3  %4  %5  %6  %7  %8  %9\n")
                            .arg(QString::fromStdString(r.device), -10)
                            .arg(QString::fromStdString(storage::TimeText::isoMicros(r.startedNs)), -27)
                            .arg(QString::fromStdString(r.mode), -8)
                            .arg(r.received, 10)
                            .arg(r.published, 10)
                            .arg(r.centralSamples, 10)
                            .arg(r.missing(), 8)
                            .arg(QString::fromStdString(r.verdict()), -10)
                            .arg(detailText(r));
        if (rows.empty())
            *ctx.out << "(no published device in the edge database for this range)\n";
    }
    ctx.out->flush();
    return balanced ? kExitOk : kExitUnbalanced;
}

} // namespace vibra::cli
