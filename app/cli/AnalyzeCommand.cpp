#include "cli/AnalyzeCommand.h"

#include "cli/ExitCode.h"
#include "cli/SourceReader.h"
#include "dsp/AxisAnalyzer.h"
#include "dsp/BandMetrics.h"
#include "dsp/SeverityTable.h"
#include "dsp/WindowType.h"
#include "io/SourceFactory.h"
#include "io/SourceUri.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace vibra::cli {

namespace {
const QString kCmd = QStringLiteral("analyze");
constexpr std::size_t kMaxSamplesPerAxis = std::size_t{1} << 26; // 67 M samples: 70 min at 16 kHz

bool parseRange(const QString& text, double* lo, double* hi) {
    const auto parts = text.split(QLatin1Char(':'));
    if (parts.size() != 2)
        return false;
    bool ok1 = false, ok2 = false;
    *lo = parts[0].toDouble(&ok1);
    *hi = parts[1].toDouble(&ok2);
    return ok1 && ok2 && *lo >= 0 && *hi > *lo;
}

struct Peak {
    double hz;
    double lineRms;
    double bandRms; ///< RMS of the line +-3 lines: the tone's level even between lines
};

/// Local maxima of the density, highest first.
std::vector<Peak> topPeaks(const dsp::Spectrum& s, std::size_t count) {
    std::vector<std::size_t> idx;
    for (std::size_t k = 1; k + 1 < s.psd.size(); ++k)
        if (s.psd[k] > s.psd[k - 1] && s.psd[k] >= s.psd[k + 1])
            idx.push_back(k);
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s.psd[a] > s.psd[b]; });
    std::vector<Peak> out;
    for (std::size_t i = 0; i < std::min(count, idx.size()); ++i) {
        const std::size_t k = idx[i];
        const double f = s.frequency(k);
        out.push_back({f, s.lineRms(k), dsp::bandRms(s, f - 3 * s.binHz, f + 3 * s.binHz)});
    }
    return out;
}

/// Makes a file:// or sim:// source unpaced unless the user chose otherwise.
QString unpaced(const QString& uri) {
    io::SourceUri u(uri);
    if (!u.isValid())
        return uri;
    const QString sep = uri.contains(QLatin1Char('?')) ? QStringLiteral("&") : QStringLiteral("?");
    if (u.scheme() == QLatin1String("file") && !u.has(QStringLiteral("realtime")))
        return uri + sep + QStringLiteral("realtime=0");
    if (u.scheme() == QLatin1String("sim") && !u.has(QStringLiteral("paced")))
        return uri + sep + QStringLiteral("paced=0");
    return uri;
}

QJsonArray peaksJson(const std::vector<Peak>& peaks) {
    QJsonArray a;
    for (const auto& p : peaks)
        a.append(QJsonObject{{QStringLiteral("hz"), p.hz},
                             {QStringLiteral("line_rms"), p.lineRms},
                             {QStringLiteral("band_rms"), p.bandRms}});
    return a;
}

QJsonValue num(double v) {
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}
} // namespace

int runAnalyze(const CommandContext& ctx) {
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Analyze a whole finite source offline (read unpaced): per axis DC, RMS, peak, crest factor, "
        "kurtosis,\n"
        "velocity RMS with its ISO zone, top spectral peaks; with --envelope the envelope-spectrum peaks "
        "and,\n"
        "with --bearing and --rpm, the peak found near each bearing defect frequency.\n"
        "Example: vibrascope analyze --source 'file:///data/run.csv?rate=16000' --envelope 2000:5000 "
        "--bearing 9,7.94,39.04,0 --rpm 1800"));
    p.addHelpOption();
    p.addOption({{QStringLiteral("s"), QStringLiteral("source")},
                 QStringLiteral("Finite source: file:///path.csv?rate=HZ, sim://a?duration=S, ..."),
                 QStringLiteral("URI")});
    p.addOption({QStringLiteral("fft"), QStringLiteral("FFT size, power of two 256..65536 (default 4096)."),
                 QStringLiteral("N"), QStringLiteral("4096")});
    p.addOption({QStringLiteral("window"),
                 QStringLiteral("rectangular|hann|hamming|blackmanharris|flattop (default hann)."),
                 QStringLiteral("W"), QStringLiteral("hann")});
    p.addOption({QStringLiteral("overlap"), QStringLiteral("Overlap in percent, 0..90 (default 50)."),
                 QStringLiteral("PCT"), QStringLiteral("50")});
    p.addOption({QStringLiteral("band"), QStringLiteral("Velocity band in Hz (default 10:1000)."),
                 QStringLiteral("F1:F2"), QStringLiteral("10:1000")});
    p.addOption({QStringLiteral("envelope"),
                 QStringLiteral("Envelope analysis band-pass in Hz, e.g. 2000:5000."),
                 QStringLiteral("F1:F2")});
    p.addOption(
        {QStringLiteral("bearing"),
         QStringLiteral(
             "Bearing geometry: rolling elements, ball and pitch diameter (mm), contact angle (deg)."),
         QStringLiteral("Z,d,D,ANGLE")});
    p.addOption({QStringLiteral("rpm"), QStringLiteral("Shaft speed in r/min (for --bearing)."),
                 QStringLiteral("R")});
    p.addOption({QStringLiteral("severity"),
                 QStringLiteral("Severity preset (default iso10816-3/group2/rigid; 'none' for no zone)."),
                 QStringLiteral("PRESET"), QStringLiteral("iso10816-3/group2/rigid")});
    p.addOption({QStringLiteral("peaks"), QStringLiteral("How many spectral peaks to list (default 5)."),
                 QStringLiteral("N"), QStringLiteral("5")});
    p.addOption({QStringLiteral("json"), QStringLiteral("Print JSON (schema in docs/cli.md).")});
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << p.helpText();
        return kExitOk;
    }
    if (!p.positionalArguments().isEmpty())
        return usageError(ctx, kCmd,
                          QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first()));
    if (p.values(QStringLiteral("source")).size() != 1)
        return usageError(ctx, kCmd, QStringLiteral("give exactly one --source URI"));

    dsp::AnalysisOptions opt;
    bool ok = false;
    opt.spectrum.fftSize = p.value(QStringLiteral("fft")).toULong(&ok);
    if (!ok || opt.spectrum.fftSize < 256 || opt.spectrum.fftSize > 65536 ||
        !std::has_single_bit(opt.spectrum.fftSize))
        return usageError(ctx, kCmd, QStringLiteral("--fft must be a power of two from 256 to 65536"));
    const auto window = dsp::parseWindowType(p.value(QStringLiteral("window")).toStdString());
    if (!window)
        return usageError(ctx, kCmd,
                          QStringLiteral("unknown --window '%1'").arg(p.value(QStringLiteral("window"))));
    opt.spectrum.window = *window;
    const double overlap = p.value(QStringLiteral("overlap")).toDouble(&ok);
    if (!ok || overlap < 0 || overlap > 90)
        return usageError(ctx, kCmd, QStringLiteral("--overlap must be a percentage from 0 to 90"));
    opt.spectrum.overlap = overlap / 100.0;
    if (!parseRange(p.value(QStringLiteral("band")), &opt.velocityLowHz, &opt.velocityHighHz))
        return usageError(ctx, kCmd, QStringLiteral("--band must be F1:F2 in Hz with F1 < F2"));
    if (p.isSet(QStringLiteral("envelope"))) {
        dsp::EnvelopeConfig e;
        if (!parseRange(p.value(QStringLiteral("envelope")), &e.bandLowHz, &e.bandHighHz))
            return usageError(ctx, kCmd, QStringLiteral("--envelope must be F1:F2 in Hz with F1 < F2"));
        opt.envelope = e;
    }
    if (p.isSet(QStringLiteral("bearing")) != p.isSet(QStringLiteral("rpm")))
        return usageError(ctx, kCmd, QStringLiteral("--bearing and --rpm go together"));
    if (p.isSet(QStringLiteral("bearing"))) {
        if (!opt.envelope)
            return usageError(
                ctx, kCmd, QStringLiteral("--bearing needs --envelope F1:F2 (defects show in the envelope)"));
        const auto parts = p.value(QStringLiteral("bearing")).split(QLatin1Char(','));
        dsp::BearingGeometry g;
        bool okAll = parts.size() == 4;
        if (okAll) {
            bool o[4];
            g.rollingElements = parts[0].toInt(&o[0]);
            g.ballDiameterMm = parts[1].toDouble(&o[1]);
            g.pitchDiameterMm = parts[2].toDouble(&o[2]);
            g.contactAngleDeg = parts[3].toDouble(&o[3]);
            okAll = o[0] && o[1] && o[2] && o[3] && g.valid();
        }
        const double rpm = p.value(QStringLiteral("rpm")).toDouble(&ok);
        if (!okAll)
            return usageError(
                ctx, kCmd,
                QStringLiteral("--bearing must be Z,d,D,ANGLE with Z > 0, 0 < d < D (mm), 0 <= ANGLE < 90"));
        if (!ok || !(rpm > 0))
            return usageError(ctx, kCmd, QStringLiteral("--rpm must be a shaft speed > 0 in r/min"));
        opt.bearing = g;
        opt.shaftHz = rpm / 60.0;
    }
    const QString severity = p.value(QStringLiteral("severity"));
    const auto table = dsp::SeverityTable::defaults();
    if (severity != QLatin1String("none")) {
        if (!table.find(severity.toStdString())) {
            QStringList ids;
            for (const auto& pr : table.presets())
                ids << QString::fromStdString(pr.id);
            return usageError(ctx, kCmd,
                              QStringLiteral("unknown --severity '%1' (known: %2, none)")
                                  .arg(severity, ids.join(QStringLiteral(", "))));
        }
        opt.severityPreset = severity.toStdString();
    }
    const int peakCount = p.value(QStringLiteral("peaks")).toInt(&ok);
    if (!ok || peakCount < 0 || peakCount > 100)
        return usageError(ctx, kCmd, QStringLiteral("--peaks must be 0..100"));

    io::SourceFactory factory;
    QString error;
    const QString uri = unpaced(p.value(QStringLiteral("source")));
    auto source = factory.create(uri, &error);
    if (!source)
        return usageError(ctx, kCmd, error);
    if (!source->isFinite())
        return usageError(
            ctx, kCmd,
            QStringLiteral("'%1' never ends: analyze needs a finite source (a file, or sim://...?duration=S)")
                .arg(uri));
    SourceRecording rec;
    if (!readWholeSource(std::move(source), kMaxSamplesPerAxis, &rec, &error)) {
        *ctx.err << "vibrascope analyze: " << error << "\n";
        return kExitFailure;
    }
    opt.toMetersPerSecond2 = core::toMetersPerSecond2(rec.device->unit);
    const double rate = rec.device->sampleRate;
    if (opt.velocityHighHz > rate / 2)
        return usageError(ctx, kCmd,
                          QStringLiteral("--band upper edge %1 Hz is above the Nyquist frequency %2 Hz")
                              .arg(opt.velocityHighHz)
                              .arg(rate / 2));

    const QString unit = QString::fromUtf8(core::unitName(rec.device->unit).data());
    const auto count = rec.axes.front().size();
    QJsonArray axesJson;
    QString text;
    QTextStream t(&text);
    t << "source: " << uri << "\n"
      << "device: " << QString::fromStdString(rec.device->id) << ", " << rate << " Hz, "
      << rec.device->axisCount() << " axes, " << count << " samples per axis ("
      << QString::number(static_cast<double>(count) / rate, 'f', 3) << " s), unit " << unit << "\n"
      << "spectrum: " << opt.spectrum.fftSize << " points "
      << QString::fromUtf8(dsp::windowTypeName(opt.spectrum.window).data()) << ", " << overlap
      << " % overlap, linear average; velocity band " << opt.velocityLowHz << "-" << opt.velocityHighHz
      << " Hz\n";
    for (int a = 0; a < rec.device->axisCount(); ++a) {
        dsp::AxisAnalysis r;
        try {
            r = dsp::analyzeAxis(rec.axes[a], rate, opt, table);
        } catch (const std::invalid_argument& e) {
            *ctx.err << "vibrascope analyze: " << e.what() << "\n";
            return kExitFailure;
        }
        const auto peaks = topPeaks(r.spectrum, static_cast<std::size_t>(peakCount));
        const QString name = QString::fromStdString(rec.device->axisNames[a]);
        const QString zone = QString::fromUtf8(dsp::severityZoneName(r.zone).data());
        QJsonObject o{{QStringLiteral("axis"), name},
                      {QStringLiteral("dc"), num(r.moments.mean)},
                      {QStringLiteral("rms"), num(r.moments.rms)},
                      {QStringLiteral("peak"), num(r.moments.peak)},
                      {QStringLiteral("peak_to_peak"), num(r.moments.peakToPeak)},
                      {QStringLiteral("crest_factor"), num(r.moments.crestFactor)},
                      {QStringLiteral("kurtosis"), num(r.moments.kurtosis)},
                      {QStringLiteral("velocity_rms_mm_s"), num(r.velocityRmsMmS)},
                      {QStringLiteral("zone"), opt.severityPreset.empty() ? QJsonValue() : QJsonValue(zone)},
                      {QStringLiteral("spectral_peaks"), peaksJson(peaks)}};
        t << "\naxis " << name << ": DC " << QString::number(r.moments.mean, 'g', 6) << " " << unit
          << ", RMS " << QString::number(r.moments.rms, 'g', 6) << " " << unit << ", peak "
          << QString::number(r.moments.peak, 'g', 6) << ", crest "
          << QString::number(r.moments.crestFactor, 'f', 3) << ", kurtosis "
          << QString::number(r.moments.kurtosis, 'f', 3) << "\n  velocity RMS "
          << QString::number(r.velocityRmsMmS, 'f', 3) << " mm/s"
          << (opt.severityPreset.empty() ? QString()
                                         : QStringLiteral(", zone ") + zone + " (" + severity + ")")
          << "\n  spectral peaks (Hz: line RMS / band RMS, " << unit << "):";
        for (const auto& pk : peaks)
            t << "  " << QString::number(pk.hz, 'f', 2) << ": " << QString::number(pk.lineRms, 'g', 4)
              << " / " << QString::number(pk.bandRms, 'g', 4);
        t << "\n";
        if (r.envelope) {
            const auto envPeaks = topPeaks(*r.envelope, static_cast<std::size_t>(peakCount));
            o[QStringLiteral("envelope_peaks")] = peaksJson(envPeaks);
            t << "  envelope peaks (Hz):";
            for (const auto& pk : envPeaks)
                t << "  " << QString::number(pk.hz, 'f', 2);
            t << "\n";
        }
        if (r.bearingFrequencies) {
            QJsonArray defects;
            t << "  bearing defects (expected -> found, height over local median):";
            for (const auto& d : r.bearingPeaks) {
                defects.append(QJsonObject{{QStringLiteral("name"), QString::fromStdString(d.name)},
                                           {QStringLiteral("expected_hz"), d.expectedHz},
                                           {QStringLiteral("found"), d.found},
                                           {QStringLiteral("found_hz"), d.foundHz},
                                           {QStringLiteral("ratio_db"), num(d.ratioDb)}});
                t << "\n    " << QString::fromStdString(d.name).leftJustified(6)
                  << QString::number(d.expectedHz, 'f', 2) << " Hz -> "
                  << (d.found ? QString::number(d.foundHz, 'f', 2) + " Hz, " +
                                    QString::number(d.ratioDb, 'f', 1) + " dB"
                              : QStringLiteral("not found"));
            }
            t << "\n";
            o[QStringLiteral("bearing_defects")] = defects;
        }
        axesJson.append(o);
    }
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject root{
            {QStringLiteral("schema"), QStringLiteral("vibrascope.analyze/1")},
            {QStringLiteral("source"), uri},
            {QStringLiteral("device"), QString::fromStdString(rec.device->id)},
            {QStringLiteral("sample_rate_hz"), rate},
            {QStringLiteral("samples"), static_cast<double>(count)},
            {QStringLiteral("unit"), unit},
            {QStringLiteral("fft"), static_cast<double>(opt.spectrum.fftSize)},
            {QStringLiteral("window"), QString::fromUtf8(dsp::windowTypeName(opt.spectrum.window).data())},
            {QStringLiteral("overlap_pct"), overlap},
            {QStringLiteral("velocity_band_hz"), QJsonArray{opt.velocityLowHz, opt.velocityHighHz}},
            {QStringLiteral("severity_preset"),
             opt.severityPreset.empty() ? QJsonValue() : QJsonValue(severity)},
            {QStringLiteral("axes"), axesJson}};
        *ctx.out << QJsonDocument(root).toJson(QJsonDocument::Indented);
    } else {
        *ctx.out << text;
    }
    return kExitOk;
}

} // namespace vibra::cli
