#pragma once

#include "core/Unit.h"
#include "decode/CsvLayout.h"
#include "io/SourceUri.h"

namespace vibra::io {

/// Text-line options shared by serial (format=auto|csv) and file replay, read from URI parameters:
/// cols=1,2,3 (0-based axis columns, used exactly), tcol=N|none|auto, icol=N|none|auto (index column),
/// tunit=s|ms|us|ns, scale=, unit=g|m/s2, rate=, maxline=, device= (rows of this device only).
struct CsvSourceOptions {
    decode::CsvConfig csv;
    double rateHz = 0.0; ///< 0 = from the time column
    core::Unit unit = core::Unit::G;
    bool unitExplicit = false; ///< unit= was given (a header's _g / _mps2 suffix does not override it)

    /// Reads the parameters (errors are recorded in uri).
    static CsvSourceOptions fromUri(SourceUri& uri) {
        CsvSourceOptions o;
        o.rateHz = uri.number(QStringLiteral("rate"), 0.0, 0.0, 10e6);
        if (uri.has(QStringLiteral("rate")) && o.rateHz <= 0)
            uri.fail(uri.text() + QStringLiteral(": parameter 'rate' must be > 0"));
        o.csv.scale = uri.number(QStringLiteral("scale"), 1.0, -1e12, 1e12);
        if (o.csv.scale == 0.0)
            uri.fail(uri.text() + QStringLiteral(": parameter 'scale' must not be 0"));
        o.unitExplicit = uri.has(QStringLiteral("unit"));
        const QString unit =
            uri.choice(QStringLiteral("unit"), QStringLiteral("g"),
                       {QStringLiteral("g"), QStringLiteral("m/s2"), QStringLiteral("mps2")});
        o.unit = unit == QLatin1String("g") ? core::Unit::G : core::Unit::MetersPerSecond2;
        for (qint64 c : uri.integerList(QStringLiteral("cols"), 3, 0, 63))
            o.csv.axisColumns.push_back(static_cast<int>(c));
        o.csv.timeColumn = column(uri, QStringLiteral("tcol"));
        o.csv.indexColumn = column(uri, QStringLiteral("icol"));
        const QString tunit = uri.choice(
            QStringLiteral("tunit"), QString(),
            {QStringLiteral("s"), QStringLiteral("ms"), QStringLiteral("us"), QStringLiteral("ns")});
        o.csv.timeUnitSeconds = tunit == QLatin1String("s")    ? 1.0
                                : tunit == QLatin1String("ms") ? 1e-3
                                : tunit == QLatin1String("us") ? 1e-6
                                : tunit == QLatin1String("ns") ? 1e-9
                                                               : 0.0;
        o.csv.maxLineLength =
            static_cast<std::size_t>(uri.integer(QStringLiteral("maxline"), 1024, 16, 1 << 20));
        o.csv.device = uri.string(QStringLiteral("device")).toStdString();
        return o;
    }

private:
    // auto | none | a column number
    static int column(SourceUri& uri, const QString& key) {
        const QString v = uri.string(key, QStringLiteral("auto"));
        if (v == QLatin1String("auto"))
            return decode::CsvConfig::kAuto;
        if (v == QLatin1String("none"))
            return decode::CsvConfig::kNone;
        bool ok = false;
        const int c = v.toInt(&ok);
        if (!ok || c < 0 || c > 63)
            uri.fail(uri.text() +
                     QStringLiteral(": parameter '%1' must be auto, none or a column 0..63, got '%2'")
                         .arg(key, v));
        return c;
    }
};

} // namespace vibra::io
