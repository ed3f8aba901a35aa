#include "service/DisplayFrame.h"

#include "dsp/PeakFinder.h"
#include "dsp/SpectrumDisplay.h"
#include "service/JsonViews.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace vibra::service {

static_assert(std::endian::native == std::endian::little, "display frames are sent as little-endian float32");

void DisplayFrame::decimateLog(const std::vector<float>& values, double binHz, std::size_t cells,
                               std::vector<float>& freqs, std::vector<float>& out) {
    const std::size_t n = values.size();
    if (n < 2 || !(binHz > 0) || cells == 0)
        return;
    if (n - 1 <= cells) { // few lines: send them all
        for (std::size_t k = 1; k < n; ++k) {
            freqs.push_back(static_cast<float>(static_cast<double>(k) * binHz));
            out.push_back(values[k]);
        }
        return;
    }
    const double span = std::log(static_cast<double>(n - 1)); // cells over log(k), k = 1 .. n-1
    std::size_t cell = SIZE_MAX;
    std::size_t best = 0;
    auto flush = [&] {
        if (cell != SIZE_MAX) {
            freqs.push_back(static_cast<float>(static_cast<double>(best) * binHz));
            out.push_back(values[best]);
        }
    };
    for (std::size_t k = 1; k < n; ++k) {
        const auto c = std::min(cells - 1, static_cast<std::size_t>(std::log(static_cast<double>(k)) / span *
                                                                    static_cast<double>(cells)));
        if (c != cell) {
            flush();
            cell = c;
            best = k;
        } else if (values[k] > values[best]) {
            best = k;
        }
    }
    flush();
}

void DisplayFrame::decimateEnvelope(const std::vector<float>& mins, const std::vector<float>& maxs,
                                    std::size_t points, std::vector<float>& outMin,
                                    std::vector<float>& outMax, std::size_t* group) {
    const std::size_t n = std::min(mins.size(), maxs.size());
    const std::size_t g = points == 0 ? 1 : std::max<std::size_t>(1, (n + points - 1) / points);
    *group = g;
    const std::size_t pairs = (n + g - 1) / g;
    outMin.assign(pairs, 0.0f);
    outMax.assign(pairs, 0.0f);
    // Group from the newest end so the last pair is a whole group; the oldest may be partial.
    for (std::size_t p = 0; p < pairs; ++p) {
        const std::size_t end = n - p * g;
        const std::size_t begin = end > g ? end - g : 0;
        float lo = mins[begin];
        float hi = maxs[begin];
        for (std::size_t i = begin + 1; i < end; ++i) {
            lo = std::min(lo, mins[i]);
            hi = std::max(hi, maxs[i]);
        }
        outMin[pairs - 1 - p] = lo;
        outMax[pairs - 1 - p] = hi;
    }
}

QByteArray DisplayFrame::encode(const pipeline::DeviceSnapshot& s, const QJsonObject& summary,
                                const Options& options) {
    if (!s.display || !s.device)
        return {};
    const auto& dev = *s.device;
    std::vector<std::vector<float>> arrays;
    QJsonArray layout;
    QJsonArray peaks;
    QJsonArray axes;
    std::size_t group = 1;
    const std::size_t axisCount = dev.axisNames.size();
    for (std::size_t a = 0; a < axisCount; ++a) {
        axes.append(QString::fromStdString(dev.axisNames[a]));
        std::vector<float> lo;
        std::vector<float> hi;
        if (a < s.envelopeMin.size() && a < s.envelopeMax.size())
            decimateEnvelope(s.envelopeMin[a], s.envelopeMax[a], options.envelopePoints, lo, hi, &group);
        std::vector<float> f;
        std::vector<float> v;
        QJsonArray axisPeaks;
        const auto* spec = a < s.spectra.size() ? s.spectra[a].get() : nullptr;
        if (spec && !spec->psd.empty()) {
            dsp::DisplayOptions o;
            o.quantity = dsp::SpectrumQuantity::AmplitudeRms;
            const std::vector<float> amp = dsp::deriveDisplay(*spec, o);
            decimateLog(amp, spec->binHz, options.spectrumPoints, f, v);
            dsp::PeakListOptions po;
            po.maxPeaks = options.peaks;
            po.minHz = spec->binHz * 2; // not the DC skirt
            for (const auto& p : dsp::findPeaks(*spec, po)) {
                QJsonObject pk;
                pk[QStringLiteral("f")] = JsonViews::number(p.frequencyHz);
                pk[QStringLiteral("rms")] = JsonViews::number(p.rms);
                axisPeaks.append(pk);
            }
        }
        peaks.append(axisPeaks);
        const auto name = QString::fromStdString(dev.axisNames[a]);
        const std::pair<const char*, std::vector<float>*> parts[] = {
            {"env_min", &lo}, {"env_max", &hi}, {"spec_f", &f}, {"spec_v", &v}};
        for (const auto& [what, vec] : parts) {
            QJsonObject l;
            l[QStringLiteral("name")] = QLatin1String(what);
            l[QStringLiteral("axis")] = static_cast<int>(a);
            l[QStringLiteral("n")] = static_cast<qint64>(vec->size());
            layout.append(l);
            arrays.push_back(std::move(*vec));
        }
    }
    const double rate = dev.sampleRate;
    const std::size_t pairs = arrays.empty() ? 0 : arrays[0].size();
    QJsonObject h;
    h[QStringLiteral("type")] = QStringLiteral("display");
    h[QStringLiteral("device")] = QString::fromStdString(dev.id);
    h[QStringLiteral("seq")] = static_cast<qint64>(s.sequence);
    h[QStringLiteral("t_ns")] = QString::number(s.latestTimeNs);
    h[QStringLiteral("rate_hz")] = rate;
    h[QStringLiteral("unit")] = dev.unit == core::Unit::G ? QStringLiteral("g") : QStringLiteral("m/s2");
    h[QStringLiteral("axes")] = axes;
    // Seconds covered by one envelope pair and by all of them.
    const double pairSeconds =
        rate > 0 ? static_cast<double>(group) * static_cast<double>(s.envelopeBucketSamples) / rate : 0.0;
    h[QStringLiteral("env_pair_seconds")] = pairSeconds;
    h[QStringLiteral("env_seconds")] = pairSeconds * static_cast<double>(pairs);
    const auto* spec0 = s.spectra.empty() ? nullptr : s.spectra[0].get();
    h[QStringLiteral("bin_hz")] = spec0 ? spec0->binHz : 0.0;
    h[QStringLiteral("fft_size")] = spec0 ? static_cast<qint64>(spec0->fftSize) : 0;
    h[QStringLiteral("peaks")] = peaks;
    h[QStringLiteral("summary")] = summary;
    h[QStringLiteral("layout")] = layout;
    QByteArray json = QJsonDocument(h).toJson(QJsonDocument::Compact);
    while (json.size() % 4 != 0)
        json.append(' ');
    std::size_t floats = 0;
    for (const auto& v : arrays)
        floats += v.size();
    QByteArray out;
    out.reserve(4 + json.size() + static_cast<qsizetype>(floats * 4));
    const auto len = static_cast<std::uint32_t>(json.size());
    const char lenBytes[4] = {static_cast<char>(len & 0xff), static_cast<char>((len >> 8) & 0xff),
                              static_cast<char>((len >> 16) & 0xff), static_cast<char>((len >> 24) & 0xff)};
    out.append(lenBytes, 4);
    out.append(json);
    for (const auto& v : arrays) // float32 little endian (the hosts we build for are little endian)
        out.append(reinterpret_cast<const char*>(v.data()), static_cast<qsizetype>(v.size() * sizeof(float)));
    return out;
}

} // namespace vibra::service
