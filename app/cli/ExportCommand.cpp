#include "cli/ExportCommand.h"

#include "cli/ExitCode.h"
#include "exporting/CsvExporter.h"
#include "exporting/ParquetExporter.h"
#include "storage/TimeText.h"

#include <QCommandLineParser>
#include <QElapsedTimer>

namespace vibra::cli {

namespace {
const QString kCmd = QStringLiteral("export");
}

int runExport(const CommandContext& ctx) {
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Export 1-second rollups from a history database.\n"
                       "Times (--from, --to) are ISO-8601 (UTC unless an offset is given, e.g. "
                       "2026-11-23T08:00:00Z) or epoch seconds (1763884800, 1763884800.5s, ...ms, ...ns)."));
    p.addHelpOption();
    p.addOption({QStringLiteral("db"), QStringLiteral("History database to read."), QStringLiteral("FILE")});
    p.addOption({{QStringLiteral("o"), QStringLiteral("out")},
                 QStringLiteral("File to write."),
                 QStringLiteral("FILE")});
    p.addOption({QStringLiteral("format"), QStringLiteral("Output format: csv (default) or parquet."),
                 QStringLiteral("FORMAT"), QStringLiteral("csv")});
    p.addOption({QStringLiteral("compression"),
                 QStringLiteral("Parquet compression: zstd (default), snappy or none."),
                 QStringLiteral("CODEC"), QStringLiteral("zstd")});
    p.addOption({QStringLiteral("device"), QStringLiteral("Only this device (repeatable; default: all)."),
                 QStringLiteral("ID")});
    p.addOption({QStringLiteral("from"), QStringLiteral("Start time (inclusive)."), QStringLiteral("TIME")});
    p.addOption({QStringLiteral("to"), QStringLiteral("End time (exclusive)."), QStringLiteral("TIME")});
    p.addOption(
        {QStringLiteral("epoch-ns"), QStringLiteral("Write times as epoch nanoseconds, not ISO-8601.")});
    p.addOption(
        {QStringLiteral("level"),
         QStringLiteral("Resolution: raw (every sample, needs record --raw), 1s (default), 1m or 1h."),
         QStringLiteral("LEVEL"), QStringLiteral("1s")});
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << helpText(p, QStringLiteral("export"));
        return kExitOk;
    }
    if (!p.positionalArguments().isEmpty())
        return usageError(ctx, kCmd,
                          QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first()));
    exporting::ExportRequest req;
    req.dbPath = p.value(QStringLiteral("db")).toStdString();
    req.outPath = p.value(QStringLiteral("out")).toStdString();
    if (req.dbPath.empty())
        return usageError(ctx, kCmd, QStringLiteral("--db FILE is required"));
    if (req.outPath.empty())
        return usageError(ctx, kCmd, QStringLiteral("--out FILE is required"));
    const QString format = p.value(QStringLiteral("format"));
    if (format != QLatin1String("csv") && format != QLatin1String("parquet"))
        return usageError(ctx, kCmd,
                          QStringLiteral("unknown --format '%1' (supported: csv, parquet)").arg(format));
    parquet::WriterOptions parquetOptions;
    const QString codec = p.value(QStringLiteral("compression"));
    if (codec == QLatin1String("zstd"))
        parquetOptions.compression = parquet::Compression::Zstd;
    else if (codec == QLatin1String("snappy"))
        parquetOptions.compression = parquet::Compression::Snappy;
    else if (codec == QLatin1String("none"))
        parquetOptions.compression = parquet::Compression::None;
    else
        return usageError(
            ctx, kCmd,
            QStringLiteral("unknown --compression '%1' (supported: zstd, snappy, none)").arg(codec));
    if (p.isSet(QStringLiteral("compression")) && format != QLatin1String("parquet"))
        return usageError(ctx, kCmd, QStringLiteral("--compression applies to --format parquet only"));
    for (const QString& d : p.values(QStringLiteral("device")))
        req.devices.push_back(d.toStdString());
    for (const char* which : {"from", "to"}) {
        const QString key = QString::fromLatin1(which);
        if (!p.isSet(key))
            continue;
        const auto t = storage::TimeText::parse(p.value(key));
        if (!t)
            return usageError(
                ctx, kCmd,
                QStringLiteral("--%1 '%2' is not a time (use ISO-8601 like 2026-11-23T08:00:00Z or "
                               "epoch seconds)")
                    .arg(key, p.value(key)));
        (key == QLatin1String("from") ? req.fromNs : req.toNs) = *t;
    }
    if (req.fromNs && req.toNs && *req.toNs <= *req.fromNs)
        return usageError(ctx, kCmd, QStringLiteral("--to must be later than --from"));
    req.epochNs = p.isSet(QStringLiteral("epoch-ns"));
    const auto level = storage::parseLevel(p.value(QStringLiteral("level")).toStdString());
    if (!level)
        return usageError(ctx, kCmd,
                          QStringLiteral("unknown --level '%1' (supported: raw, 1s, 1m, 1h)")
                              .arg(p.value(QStringLiteral("level"))));
    req.level = *level;

    QElapsedTimer clock;
    clock.start();
    qint64 lastReport = 0;
    bool printed = false;
    auto progress = [&](std::uint64_t done, std::uint64_t total) {
        if (clock.elapsed() - lastReport < 500 && done != total)
            return;
        lastReport = clock.elapsed();
        printed = true;
        *ctx.err << QStringLiteral("\rexport: %1 / %2 rows (%3 %)")
                        .arg(done)
                        .arg(total)
                        .arg(total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
                             0, 'f', 0);
        ctx.err->flush();
    };
    exporting::ExportStats stats;
    std::string error;
    const bool ok = format == QLatin1String("parquet")
                        ? exporting::ParquetExporter(parquetOptions).run(req, &error, &stats, progress)
                        : exporting::CsvExporter().run(req, &error, &stats, progress);
    if (!ok) {
        *ctx.err << (printed ? "\n" : "") << "vibrascope export: " << QString::fromStdString(error) << "\n";
        return kExitFailure;
    }
    *ctx.err << (printed ? "\n" : "") << "export: wrote " << stats.rows << " rows (" << stats.bytes
             << " bytes) to " << QString::fromStdString(req.outPath) << " in " << clock.elapsed() << " ms";
    if (stats.convertedUnits)
        *ctx.err << "; devices had different units, all values converted to m/s2";
    *ctx.err << "\n";
    if (!stats.note.empty())
        *ctx.err << "export: note: " << QString::fromStdString(stats.note) << "\n";
    return kExitOk;
}

} // namespace vibra::cli
