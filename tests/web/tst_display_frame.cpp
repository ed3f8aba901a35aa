// DisplayFrame: the browser view's decimation and binary frame layout (docs/service.md, "Browser live view").
#include "service/DisplayFrame.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cstring>

using vibra::service::DisplayFrame;

class TstDisplayFrame : public QObject {
    Q_OBJECT
private slots:
    void logDecimationKeepsPeaksAtTheirLines();
    void fewLinesAreSentWhole();
    void envelopeGroupsFromTheNewestEnd();
    void frameLayoutAndPeak();
};

void TstDisplayFrame::logDecimationKeepsPeaksAtTheirLines() {
    std::vector<float> v(8193, 1e-6f);
    const std::size_t spikes[] = {3, 40, 1000, 4321, 8000};
    for (std::size_t i = 0; i < std::size(spikes); ++i)
        v[spikes[i]] = 1.0f + static_cast<float>(i);
    std::vector<float> f;
    std::vector<float> out;
    DisplayFrame::decimateLog(v, 0.5, 600, f, out);
    QVERIFY(!f.empty());
    QVERIFY(f.size() <= 600);
    QCOMPARE(f.size(), out.size());
    for (std::size_t i = 1; i < f.size(); ++i)
        QVERIFY(f[i] > f[i - 1]);
    for (std::size_t k : spikes) { // each spike is kept, at its own frequency, with its own height
        const auto it = std::find(f.begin(), f.end(), static_cast<float>(static_cast<double>(k) * 0.5));
        QVERIFY2(it != f.end(), qPrintable(QString("line %1 missing").arg(k)));
        QCOMPARE(out[static_cast<std::size_t>(it - f.begin())], v[k]);
    }
    QCOMPARE(f.front(), 0.5f); // line 1 (DC is not on a log axis)
    // The last cell spans the top 1.5 % of log(line) (600 cells over lines 1..8192): its point lies there.
    QVERIFY(f.back() <= 4096.0f && f.back() >= 4096.0f / 1.02f);
}

void TstDisplayFrame::fewLinesAreSentWhole() {
    const std::vector<float> v = {9, 1, 2, 3, 4};
    std::vector<float> f;
    std::vector<float> out;
    DisplayFrame::decimateLog(v, 2.0, 600, f, out);
    QCOMPARE(f, (std::vector<float>{2, 4, 6, 8}));
    QCOMPARE(out, (std::vector<float>{1, 2, 3, 4}));
}

void TstDisplayFrame::envelopeGroupsFromTheNewestEnd() {
    const std::size_t n = 2049;
    std::vector<float> lo(n);
    std::vector<float> hi(n);
    for (std::size_t i = 0; i < n; ++i) {
        lo[i] = static_cast<float>(i);
        hi[i] = static_cast<float>(i) + 0.5f;
    }
    std::vector<float> a;
    std::vector<float> b;
    std::size_t group = 0;
    DisplayFrame::decimateEnvelope(lo, hi, 512, a, b, &group);
    QCOMPARE(group, std::size_t{5}); // ceil(2049 / 512)
    QCOMPARE(a.size(), std::size_t{410});
    QCOMPARE(a.back(), 2044.0f); // the newest group is whole: samples 2044..2048
    QCOMPARE(b.back(), 2048.5f);
    QCOMPARE(a.front(), 0.0f); // the oldest group is partial: 0..3
    QCOMPARE(b.front(), 3.5f);
    DisplayFrame::decimateEnvelope(lo, hi, 4096, a, b, &group); // fewer pairs than asked: unchanged
    QCOMPARE(group, std::size_t{1});
    QCOMPARE(a, lo);
}

void TstDisplayFrame::frameLayoutAndPeak() {
    auto info = std::make_shared<vibra::core::DeviceInfo>();
    info->id = "dev";
    info->sampleRate = 1000;
    info->axisNames = {"x"};
    vibra::pipeline::DeviceSnapshot s;
    s.device = info;
    s.display = true;
    s.sequence = 7;
    s.latestTimeNs = 123;
    s.envelopeBucketSamples = 2;
    s.envelopeMin = {std::vector<float>(1000, -1.0f)};
    s.envelopeMax = {std::vector<float>(1000, 1.0f)};
    auto spec = std::make_shared<vibra::dsp::Spectrum>();
    spec->sampleRate = 1000;
    spec->fftSize = 1000;
    spec->binHz = 1.0;
    spec->enbwHz = 1.5; // Hann
    spec->psd.assign(501, 1e-12f);
    // A Hann-windowed tone centred on line 100: power 1 there, 1/4 on each neighbour.
    spec->psd[99] = spec->psd[101] = 0.25f;
    spec->psd[100] = 1.0f;
    s.spectra = {spec};
    DisplayFrame::Options o;
    const QByteArray bytes = DisplayFrame::encode(s, QJsonObject{{"device", "dev"}}, o);
    QVERIFY(bytes.size() > 8);
    std::uint32_t n = 0;
    std::memcpy(&n, bytes.constData(), 4);
    QCOMPARE(n % 4, 0u);
    const QJsonObject h = QJsonDocument::fromJson(bytes.mid(4, n)).object();
    QCOMPARE(h["device"].toString(), QString("dev"));
    QCOMPARE(h["seq"].toInteger(), 7);
    QCOMPARE(h["t_ns"].toString(), QString("123"));
    qint64 floats = 0;
    for (const auto& l : h["layout"].toArray())
        floats += l.toObject()["n"].toInteger();
    QCOMPARE(static_cast<qint64>(bytes.size()), 4 + n + floats * 4);
    QCOMPARE(h["layout"].toArray()[0].toObject()["n"].toInteger(), 500); // 1000 pairs -> groups of 2
    QCOMPARE(h["env_pair_seconds"].toDouble(), 2 * 2 / 1000.0);
    const QJsonObject peak = h["peaks"].toArray()[0].toArray()[0].toObject();
    QVERIFY(std::abs(peak["f"].toDouble() - 100.0) < 0.01);
    // RMS of the tone: sqrt(P * ENBW) = sqrt(1.5)
    QVERIFY(std::abs(peak["rms"].toDouble() - std::sqrt(1.5)) < 0.02 * std::sqrt(1.5));
    s.display = false;
    QVERIFY(DisplayFrame::encode(s, {}, o).isEmpty());
}

QTEST_GUILESS_MAIN(TstDisplayFrame)
#include "tst_display_frame.moc"
