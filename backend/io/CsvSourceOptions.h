#pragma once

#include "core/Unit.h"
#include "decode/CsvLineParser.h"
#include "io/SourceUri.h"

namespace vibra::io {

/// Text-line options shared by serial (format=csv) and file replay, read from URI parameters:
/// cols=1,2,3 (0-based axis columns), tcol=N|none|auto, tunit=s|ms|us|ns, scale=, unit=g|m/s2, rate=,
/// maxline=.
struct CsvSourceOptions {
    decode::CsvConfig csv;
    double rateHz = 0.0; ///< 0 = from the time column
    core::Unit unit = core::Unit::G;

    /// Reads the parameters (errors are recorded in uri).
    static CsvSourceOptions fromUri(SourceUri& uri) {
        CsvSourceOptions o;
        o.rateHz = uri.number(QStringLiteral("rate"), 0.0, 0.0, 10e6);
        o.csv.scale = uri.number(QStringLiteral("scale"), 1.0, -1e12, 1e12);
        if (o.csv.scale == 0.0)
            uri.fail(uri.text() + QStringLiteral(": parameter 'scale' must not be 0"));
        const QString unit =
            uri.choice(QStringLiteral("unit"), QStringLiteral("g"),
                       {QStringLiteral("g"), QStringLiteral("m/s2"), QStringLiteral("mps2")});
        o.unit = unit == QLatin1String("g") ? core::Unit::G : core::Unit::MetersPerSecond2;
        if (uri.has(QStringLiteral("cols"))) {
            const QList<double> cols = uri.numberList(QStringLiteral("cols"), {}, 3, 0, 15);
            for (double c : cols) {
                if (c != static_cast<int>(c))
                    uri.fail(uri.text() +
                             QStringLiteral(": parameter 'cols' takes column numbers (0-based)"));
                o.csv.axisColumns.push_back(static_cast<int>(c));
            }
        }
        const QString tcol = uri.string(QStringLiteral("tcol"), QStringLiteral("auto"));
        if (tcol == QLatin1String("auto")) {
            o.csv.timeColumn = decode::CsvConfig::kAuto;
        } else if (tcol == QLatin1String("none")) {
            o.csv.timeColumn = decode::CsvConfig::kNone;
        } else {
            bool ok = false;
            const int c = tcol.toInt(&ok);
            if (!ok || c < 0 || c > 15)
                uri.fail(uri.text() +
                         QStringLiteral(": parameter 'tcol' must be auto, none or a column 0..15, got '%1'")
                             .arg(tcol));
            o.csv.timeColumn = c;
        }
        const QString tunit = uri.choice(
            QStringLiteral("tunit"), QString(),
            {QStringLiteral("s"), QStringLiteral("ms"), QStringLiteral("us"), QStringLiteral("ns")});
        o.csv.timeUnitSeconds = tunit == QLatin1String("s")    ? 1.0
                                : tunit == QLatin1String("ms") ? 1e-3
                                : tunit == QLatin1String("us") ? 1e-6
                                : tunit == QLatin1String("ns") ? 1e-9
                                                               : 0.0;
        o.csv.maxLineLength =
            static_cast<std::size_t>(uri.integer(QStringLiteral("maxline"), 1024, 16, 65536));
        return o;
    }
};

} // namespace vibra::io
