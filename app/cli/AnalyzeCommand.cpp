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
#include <numbers>

namespace vibra::cli {

namespace {
const QString kCmd = QStringLiteral("analyze");
const QString kSchema = QStringLiteral("vibrascope.analyze/2");  // docs/dsp.md section 16
constexpr std::size_t kMaxSamplesPerAxis = std::size_t{1} << 26; // 67 M samples: 70 min at 16 kHz
constexpr double kMaxBandFraction = 0.45; // default velocity band clamps its upper edge to 0.45 x rate

bool parseRange(const QString& text, double* lo, double* hi) {
    const auto parts = text.split(QLatin1Char(':'));
    if (parts.size() != 2)
        return false;
    bool ok1 = false, ok2 = false;
    *lo = parts[0].toDouble(&ok1);
    *hi = parts[1].toDouble(&ok2);
    return ok1 && ok2 && *lo >= 0 && *hi > *lo;
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

QJsonValue num(double v) {
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

QString fmt(double v, int decimals) {
    const QString s = QString::number(v, 'f', decimals);
    return s.startsWith(QLatin1Char('-')) && s.toDouble() == 0 ? s.mid(1) : s; // no "-0.00"
}

QString signedFmt(double v, int decimals) {
    const QString s = fmt(v, decimals);
    return s.startsWith(QLatin1Char('-')) ? s : QLatin1Char('+') + s;
}

/// Velocity (mm/s RMS) of a tone of acceleration RMS `rms` (input unit, c = unit -> m/s^2) at f Hz.
double velocityMmS(double rms, double f, double c) {
    return f > 0 ? rms * c / (2 * std::numbers::pi * f) * 1000.0 : 0.0;
}

QJsonArray spectralPeaksJson(const dsp::Spectrum& s, const std::vector<dsp::InterpolatedPeak>& peaks,
                             double toMs2) {
    QJsonArray a;
    for (const auto& p : peaks) {
        const double lineHz = p.lineHz(s.binHz);
        a.append(QJsonObject{
            {QStringLiteral("hz"), p.frequencyHz},
            {QStringLiteral("line"), static_cast<double>(p.line)},
            {QStringLiteral("line_hz"), lineHz},
            {QStringLiteral("offset_lines"), p.offsetLines},
            {QStringLiteral("rms"), p.rms},
            {QStringLiteral("peak"), p.peak()},
            {QStringLiteral("line_rms"), p.lineRms},
            {QStringLiteral("band_rms"), dsp::bandRms(s, lineHz - 3 * s.binHz, lineHz + 3 * s.binHz)},
            {QStringLiteral("velocity_mm_s"), velocityMmS(p.rms, p.frequencyHz, toMs2)}});
    }
    return a;
}

QJsonArray envelopePeaksJson(const dsp::Spectrum& s, const std::vector<dsp::InterpolatedPeak>& peaks) {
    QJsonArray a;
    for (const auto& p : peaks)
        a.append(QJsonObject{{QStringLiteral("hz"), p.frequencyHz},
                             {QStringLiteral("line"), static_cast<double>(p.line)},
                             {QStringLiteral("line_hz"), p.lineHz(s.binHz)},
                             {QStringLiteral("rms"), p.rms},
                             {QStringLiteral("line_rms"), p.lineRms}});
    return a;
}

QJsonArray checksJson(const std::vector<dsp::LineCheck>& checks) {
    QJsonArray a;
    for (const auto& c : checks)
        a.append(QJsonObject{
            {QStringLiteral("label"), QString::fromStdString(c.label)},
            {QStringLiteral("expected_hz"), c.expectedHz},
            {QStringLiteral("available"), c.available},
            {QStringLiteral("present"), c.present},
            {QStringLiteral("frequency_hz"), c.frequencyHz > 0 ? num(c.frequencyHz) : QJsonValue()},
            {QStringLiteral("margin_db"), c.frequencyHz > 0 ? num(c.marginDb) : QJsonValue()}});
    return a;
}

QJsonObject defectJson(const dsp::DefectPeak& d) {
    QJsonArray reasons;
    for (const auto& r : d.reasons)
        reasons.append(QString::fromStdString(r));
    QJsonObject o{{QStringLiteral("name"), QString::fromStdString(d.name)},
                  {QStringLiteral("expected_hz"), d.expectedHz},
                  {QStringLiteral("found"), d.found},
                  {QStringLiteral("detected"), d.detected},
                  {QStringLiteral("frequency_hz"), d.found ? num(d.foundHz) : QJsonValue()},
                  {QStringLiteral("offset_pct"), d.found ? num(d.offsetPct) : QJsonValue()},
                  {QStringLiteral("level"), d.found ? num(d.level) : QJsonValue()},
                  {QStringLiteral("margin_db"), d.found ? num(d.marginDb) : QJsonValue()},
                  {QStringLiteral("threshold_db"), num(d.thresholdDb)},
                  {QStringLiteral("harmonics"), checksJson(d.harmonics)},
                  {QStringLiteral("confidence"), num(d.confidence)},
                  {QStringLiteral("reasons"), reasons}};
    if (d.name == "BPFI")
        o[QStringLiteral("sidebands")] = checksJson(d.sidebands);
    return o;
}

QJsonArray shaftJson(const std::vector<dsp::DefectPeak>& harmonics, double toMs2) {
    QJsonArray a;
    for (std::size_t i = 0; i < harmonics.size(); ++i) {
        const auto& h = harmonics[i];
        a.append(QJsonObject{{QStringLiteral("order"), static_cast<double>(i + 1)},
                             {QStringLiteral("expected_hz"), h.expectedHz},
                             {QStringLiteral("found"), h.found},
                             {QStringLiteral("frequency_hz"), h.found ? num(h.foundHz) : QJsonValue()},
                             {QStringLiteral("rms"), h.found ? num(h.level) : QJsonValue()},
                             {QStringLiteral("velocity_mm_s"),
                              h.found ? num(velocityMmS(h.level, h.foundHz, toMs2)) : QJsonValue()},
                             {QStringLiteral("margin_db"), h.found ? num(h.marginDb) : QJsonValue()}});
    }
    return a;
}

void printDefects(QTextStream& t, const std::vector<dsp::DefectPeak>& defects, const dsp::Spectrum& env) {
    t << "  bearing defects (envelope " << env.fftSize << " points, " << fmt(env.binHz, 3) << " Hz lines, "
      << env.frames << " averages):";
    for (const auto& d : defects) {
        t << "\n    " << QString::fromStdString(d.name).leftJustified(6) << fmt(d.expectedHz, 2)
          << " Hz: " << (d.detected ? QStringLiteral("detected") : QStringLiteral("not detected"));
        if (d.detected)
            t << " at " << fmt(d.foundHz, 2) << " Hz (" << signedFmt(d.offsetPct, 2) << " %)";
        t << ", confidence " << fmt(d.confidence, 2);
        for (const auto& r : d.reasons)
            t << "\n           " << QString::fromStdString(r);
    }
    t << "\n";
}

struct Parsed {
    dsp::AnalysisOptions opt;
    double overlapPct = 50;
    int peakCount = 5;
    bool bandGiven = false;
    QString severity;
};

/// Parses the options into `out`; returns an error message (empty when fine).
QString parseOptions(const QCommandLineParser& p, const dsp::SeverityTable& table, Parsed* out) {
    dsp::AnalysisOptions& opt = out->opt;
    bool ok = false;
    opt.spectrum.fftSize = p.value(QStringLiteral("fft")).toULong(&ok);
    if (!ok || opt.spectrum.fftSize < 256 || opt.spectrum.fftSize > 65536 ||
        !std::has_single_bit(opt.spectrum.fftSize))
        return QStringLiteral("--fft must be a power of two from 256 to 65536");
    const auto window = dsp::parseWindowType(p.value(QStringLiteral("window")).toStdString());
    if (!window)
        return QStringLiteral("unknown --window '%1'").arg(p.value(QStringLiteral("window")));
    opt.spectrum.window = *window;
    out->overlapPct = p.value(QStringLiteral("overlap")).toDouble(&ok);
    if (!ok || out->overlapPct < 0 || out->overlapPct > 90)
        return QStringLiteral("--overlap must be a percentage from 0 to 90");
    opt.spectrum.overlap = out->overlapPct / 100.0;
    out->bandGiven = p.isSet(QStringLiteral("band"));
    if (!parseRange(p.value(QStringLiteral("band")), &opt.velocityLowHz, &opt.velocityHighHz))
        return QStringLiteral("--band must be F1:F2 in Hz with F1 < F2");
    if (p.isSet(QStringLiteral("envelope"))) {
        dsp::EnvelopeConfig e;
        if (!parseRange(p.value(QStringLiteral("envelope")), &e.bandLowHz, &e.bandHighHz))
            return QStringLiteral("--envelope must be F1:F2 in Hz with F1 < F2");
        e.spectrum.averages = 0; // the whole record
        opt.envelope = e;
    }
    if (p.isSet(QStringLiteral("bearing")) && !p.isSet(QStringLiteral("rpm")))
        return QStringLiteral("--bearing and --rpm go together (--rpm alone lists the shaft harmonics)");
    if (p.isSet(QStringLiteral("rpm"))) {
        const double rpm = p.value(QStringLiteral("rpm")).toDouble(&ok);
        if (!ok || !(rpm > 0) || !std::isfinite(rpm))
            return QStringLiteral("--rpm must be a shaft speed > 0 in r/min");
        opt.shaftHz = rpm / 60.0;
    }
    if (p.isSet(QStringLiteral("bearing"))) {
        if (!opt.envelope)
            return QStringLiteral("--bearing needs --envelope F1:F2 (defects show in the envelope)");
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
        if (!okAll)
            return QStringLiteral(
                "--bearing must be Z,d,D,ANGLE with Z > 0, 0 < d < D (mm), 0 <= ANGLE < 90");
        opt.bearing = g;
    }
    out->severity = p.value(QStringLiteral("severity"));
    if (out->severity != QLatin1String("none")) {
        if (!table.find(out->severity.toStdString())) {
            QStringList ids;
            for (const auto& pr : table.presets())
                ids << QString::fromStdString(pr.id);
            return QStringLiteral("unknown --severity '%1' (known: %2, none)")
                .arg(out->severity, ids.join(QStringLiteral(", ")));
        }
        opt.severityPreset = out->severity.toStdString();
    }
    out->peakCount = p.value(QStringLiteral("peaks")).toInt(&ok);
    if (!ok || out->peakCount < 0 || out->peakCount > 100)
        return QStringLiteral("--peaks must be 0..100");
    opt.peakCount = static_cast<std::size_t>(out->peakCount);
    return {};
}

/// Fits the velocity band to the sample rate: the default band's upper edge is clamped to 0.45 x rate (with
/// a note); a band the user gave must lie below Nyquist. Returns an error message (empty when fine).
QString fitBand(Parsed* ps, double rate, QStringList* notes) {
    auto& o = ps->opt;
    if (!ps->bandGiven && o.velocityHighHz > kMaxBandFraction * rate) {
        const double hi = kMaxBandFraction * rate;
        if (!(hi > o.velocityLowHz))
            return QStringLiteral("sample rate %1 Hz is too low for a velocity band from %2 Hz: give --band")
                .arg(rate)
                .arg(o.velocityLowHz);
        notes->append(
            QStringLiteral("velocity band %1-%2 Hz clamped to %1-%3 Hz (0.45 x the %4 Hz sample rate); "
                           "severity zones assume the full band")
                .arg(o.velocityLowHz)
                .arg(o.velocityHighHz)
                .arg(hi)
                .arg(rate));
        o.velocityHighHz = hi;
    }
    if (o.velocityHighHz > rate / 2)
        return QStringLiteral("--band upper edge %1 Hz is above the Nyquist frequency %2 Hz")
            .arg(o.velocityHighHz)
            .arg(rate / 2);
    return {};
}

void addOptions(QCommandLineParser& p) {
    p.setApplicationDescription(QStringLiteral(
        "Analyze a whole finite source offline (read unpaced): per axis DC, RMS, peak, crest factor, "
        "kurtosis,\n"
        "velocity RMS with its ISO zone, the top spectral peaks (interpolated frequency and amplitude);\n"
        "with --rpm the shaft harmonics 1x-3x; with --envelope the envelope-spectrum peaks and, with\n"
        "--bearing and --rpm, a verdict per bearing defect line (detected only above the noise floor and\n"
        "confirmed by harmonics, and for BPFI by shaft sidebands). Rules and JSON fields: docs/dsp.md.\n"
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
    p.addOption({QStringLiteral("band"),
                 QStringLiteral("Velocity band in Hz (default 10:1000; the upper edge is clamped to 0.45 x "
                                "the sample rate when the default does not fit)."),
                 QStringLiteral("F1:F2"), QStringLiteral("10:1000")});
    p.addOption({QStringLiteral("envelope"),
                 QStringLiteral("Envelope analysis band-pass in Hz, e.g. 2000:5000 (around the resonance the "
                                "impacts excite)."),
                 QStringLiteral("F1:F2")});
    p.addOption({QStringLiteral("bearing"),
                 QStringLiteral(
                     "Bearing geometry: rolling elements, ball and pitch diameter (mm), contact angle (deg); "
                     "needs --envelope and --rpm."),
                 QStringLiteral("Z,d,D,ANGLE")});
    p.addOption({QStringLiteral("rpm"),
                 QStringLiteral("Shaft speed in r/min: lists the shaft harmonics; needed by --bearing."),
                 QStringLiteral("R")});
    p.addOption({QStringLiteral("severity"),
                 QStringLiteral("Severity preset (default iso10816-3/group2/rigid; 'none' for no zone)."),
                 QStringLiteral("PRESET"), QStringLiteral("iso10816-3/group2/rigid")});
    p.addOption({QStringLiteral("peaks"),
                 QStringLiteral("How many spectral (and envelope) peaks to list (default 5)."),
                 QStringLiteral("N"), QStringLiteral("5")});
    p.addOption({QStringLiteral("json"),
                 QStringLiteral("Print JSON (schema vibrascope.analyze/2, fields in docs/dsp.md).")});
}

} // namespace

int runAnalyze(const CommandContext& ctx) {
    QCommandLineParser p;
    addOptions(p);
    if (!p.parse(ctx.arguments))
        return usageError(ctx, kCmd, p.errorText());
    if (p.isSet(QStringLiteral("help"))) {
        *ctx.out << helpText(p, QStringLiteral("analyze"));
        return kExitOk;
    }
    if (!p.positionalArguments().isEmpty())
        return usageError(ctx, kCmd,
                          QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first()));
    if (p.values(QStringLiteral("source")).size() != 1)
        return usageError(ctx, kCmd, QStringLiteral("give exactly one --source URI"));

    const auto table = dsp::SeverityTable::defaults();
    Parsed ps;
    if (const QString e = parseOptions(p, table, &ps); !e.isEmpty())
        return usageError(ctx, kCmd, e);
    dsp::AnalysisOptions& opt = ps.opt;

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
    QStringList notes;
    if (const QString e = fitBand(&ps, rate, &notes); !e.isEmpty())
        return usageError(ctx, kCmd, e);

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
      << QString::fromUtf8(dsp::windowTypeName(opt.spectrum.window).data()) << ", " << ps.overlapPct
      << " % overlap, linear average; velocity band " << opt.velocityLowHz << "-" << opt.velocityHighHz
      << " Hz\n";
    for (const auto& n : notes)
        t << "note: " << n << "\n";
    for (int a = 0; a < rec.device->axisCount(); ++a) {
        dsp::AxisAnalysis r;
        try {
            r = dsp::analyzeAxis(rec.axes[a], rate, opt, table);
        } catch (const std::invalid_argument& e) {
            *ctx.err << "vibrascope analyze: " << e.what() << "\n";
            return kExitFailure;
        }
        const QString name = QString::fromStdString(rec.device->axisNames[a]);
        const QString zone = QString::fromUtf8(dsp::severityZoneName(r.zone).data());
        const double c = opt.toMetersPerSecond2;
        QJsonObject o{{QStringLiteral("axis"), name},
                      {QStringLiteral("dc"), num(r.moments.mean)},
                      {QStringLiteral("rms"), num(r.moments.rms)},
                      {QStringLiteral("peak"), num(r.moments.peak)},
                      {QStringLiteral("peak_to_peak"), num(r.moments.peakToPeak)},
                      {QStringLiteral("crest_factor"), num(r.moments.crestFactor)},
                      {QStringLiteral("kurtosis"), num(r.moments.kurtosis)},
                      {QStringLiteral("velocity_rms_mm_s"), num(r.velocityRmsMmS)},
                      {QStringLiteral("zone"), opt.severityPreset.empty() ? QJsonValue() : QJsonValue(zone)},
                      {QStringLiteral("spectral_peaks"), spectralPeaksJson(r.spectrum, r.peaks, c)}};
        t << "\naxis " << name << ": DC " << QString::number(r.moments.mean, 'g', 6) << " " << unit
          << ", RMS " << QString::number(r.moments.rms, 'g', 6) << " " << unit << ", peak "
          << QString::number(r.moments.peak, 'g', 6) << ", crest " << fmt(r.moments.crestFactor, 3)
          << ", kurtosis " << fmt(r.moments.kurtosis, 3) << "\n  velocity RMS " << fmt(r.velocityRmsMmS, 3)
          << " mm/s"
          << (opt.severityPreset.empty() ? QString()
                                         : QStringLiteral(", zone ") + zone + " (" + ps.severity + ")")
          << "\n  spectral peaks (Hz: RMS " << unit << ", interpolated):";
        for (const auto& pk : r.peaks)
            t << "  " << fmt(pk.frequencyHz, 2) << ": " << QString::number(pk.rms, 'g', 4);
        t << "\n";
        if (!r.shaftHarmonics.empty()) {
            o[QStringLiteral("shaft_harmonics")] = shaftJson(r.shaftHarmonics, c);
            t << "  shaft harmonics (order: Hz, RMS " << unit << ", mm/s):";
            for (std::size_t i = 0; i < r.shaftHarmonics.size(); ++i) {
                const auto& h = r.shaftHarmonics[i];
                t << "  " << i + 1 << "x: ";
                if (h.found)
                    t << fmt(h.foundHz, 2) << " Hz, " << QString::number(h.level, 'g', 4) << ", "
                      << fmt(velocityMmS(h.level, h.foundHz, c), 3);
                else
                    t << "no peak";
            }
            t << "\n";
        }
        if (r.envelope) {
            o[QStringLiteral("envelope_spectrum")] =
                QJsonObject{{QStringLiteral("fft"), static_cast<double>(r.envelope->fftSize)},
                            {QStringLiteral("line_hz"), r.envelope->binHz},
                            {QStringLiteral("frames"), static_cast<double>(r.envelope->frames)}};
            o[QStringLiteral("envelope_peaks")] = envelopePeaksJson(*r.envelope, r.envelopePeaks);
            t << "  envelope peaks (Hz):";
            for (const auto& pk : r.envelopePeaks)
                t << "  " << fmt(pk.frequencyHz, 2);
            t << "\n";
        }
        if (r.bearingFrequencies) {
            QJsonArray defects;
            for (const auto& d : r.bearingPeaks)
                defects.append(defectJson(d));
            o[QStringLiteral("bearing_defects")] = defects;
            printDefects(t, r.bearingPeaks, *r.envelope);
        }
        axesJson.append(o);
    }
    if (p.isSet(QStringLiteral("json"))) {
        QJsonObject root{
            {QStringLiteral("schema"), kSchema},
            {QStringLiteral("source"), uri},
            {QStringLiteral("device"), QString::fromStdString(rec.device->id)},
            {QStringLiteral("sample_rate_hz"), rate},
            {QStringLiteral("samples"), static_cast<double>(count)},
            {QStringLiteral("unit"), unit},
            {QStringLiteral("fft"), static_cast<double>(opt.spectrum.fftSize)},
            {QStringLiteral("window"), QString::fromUtf8(dsp::windowTypeName(opt.spectrum.window).data())},
            {QStringLiteral("overlap_pct"), ps.overlapPct},
            {QStringLiteral("velocity_band_hz"), QJsonArray{opt.velocityLowHz, opt.velocityHighHz}},
            {QStringLiteral("severity_preset"),
             opt.severityPreset.empty() ? QJsonValue() : QJsonValue(ps.severity)},
            {QStringLiteral("shaft_hz"), opt.shaftHz > 0 ? QJsonValue(opt.shaftHz) : QJsonValue()},
            {QStringLiteral("notes"), QJsonArray::fromStringList(notes)},
            {QStringLiteral("axes"), axesJson}};
        *ctx.out << QJsonDocument(root).toJson(QJsonDocument::Indented);
    } else {
        *ctx.out << text;
    }
    return kExitOk;
}

} // namespace vibra::cli
