// DeviceChannel end to end without storage: simulator (unpaced) -> ring -> DSP worker -> rollups and
// snapshots, checked against analytic values.
#include "dsp/BandMetrics.h"
#include "dsp/DefectPeakFinder.h"
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"

#include <QtTest>

#include <cmath>

using namespace vibra;

namespace {
std::vector<pipeline::RollupRecordPtr> runToEnd(const QString& uri, pipeline::DspSettings settings,
                                                pipeline::DeviceSnapshotPtr* lastSnapshot = nullptr,
                                                core::CounterSnapshot* counters = nullptr) {
    io::SourceFactory f;
    pipeline::Pipeline pipe(f, settings);
    QString error;
    auto* ch = pipe.add(uri, &error);
    if (!ch)
        qFatal("%s", qPrintable(error));
    auto feed = std::make_shared<pipeline::StoreFeed>(ch->core()->deviceId(), ch->core()->uri(),
                                                      ch->core()->counters(), 4096);
    ch->core()->setStore(feed, {false, true});
    auto watch = ch->watch(true); // display half on: envelopes and spectra in the snapshots
    ch->start();
    if (!QTest::qWaitFor([&] { return ch->isFinished(); }, 60000))
        qFatal("source did not finish");
    if (!pipe.stopAll())
        qFatal("the channel did not finish processing");
    if (!feed->closed())
        qFatal("the feed was not closed when the channel finished");
    if (lastSnapshot)
        *lastSnapshot = ch->snapshot();
    std::vector<pipeline::RollupRecordPtr> out;
    pipeline::StoreItemPtr item;
    while (feed->ring.tryPop(item))
        if (item->rollup)
            out.push_back(item->rollup);
    if (counters)
        *counters = ch->counters().snapshot();
    return out;
}
} // namespace

class TstDeviceChannel : public QObject {
    Q_OBJECT
private slots:
    void sineRollupsVelocityAndZone() {
        // 1 g 0-pk at 100 Hz on x, 0.5 g at 50 Hz on y; t0 on a whole second so every bucket is complete.
        core::CounterSnapshot c;
        pipeline::DeviceSnapshotPtr snap;
        const auto recs =
            runToEnd(QStringLiteral("sim://v?profile=sine&axes=2&freq=100,50&amp=1,0.5&paced=0&duration="
                                    "5&t0=1700000000000000000"),
                     {}, &snap, &c);
        QCOMPARE(c.samplesReceived, std::uint64_t{80000});
        QCOMPARE(c.samplesProcessed, std::uint64_t{80000});
        QCOMPARE(c.droppedTotal(), std::uint64_t{0});
        QCOMPARE(recs.size(), std::size_t{5});
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < recs.size(); ++i) {
            const auto& r = *recs[i];
            total += r.samples;
            QCOMPARE(r.bucketStartNs, 1700000000000000000LL + static_cast<std::int64_t>(i) * 1'000'000'000);
            QCOMPARE(r.samples, std::uint64_t{16000});
            QVERIFY(std::abs(r.axes[0].rms - 1.0 / std::sqrt(2.0)) < 1e-5);
            QVERIFY(std::abs(r.axes[1].rms - 0.5 / std::sqrt(2.0)) < 1e-5);
            QVERIFY(std::abs(r.axes[0].crestFactor - std::sqrt(2.0)) < 1e-3);
            // dsp.md: 1 g 0-pk at 100 Hz -> 11.036 mm/s RMS (+-0.5 %); 0.5 g at 50 Hz -> the same velocity.
            QVERIFY2(std::abs(r.velocityRmsMmS[0] - 11.036) < 0.005 * 11.036,
                     qPrintable(QString::number(r.velocityRmsMmS[0])));
            QVERIFY2(std::abs(r.velocityRmsMmS[1] - 11.036) < 0.005 * 11.036,
                     qPrintable(QString::number(r.velocityRmsMmS[1])));
            QCOMPARE(r.zone, dsp::SeverityZone::D); // group 2 rigid: C/D at 4.5 mm/s
            QCOMPARE(r.gaps, 0u);
        }
        QCOMPARE(total, c.samplesReceived);
        QVERIFY(snap);
        QCOMPARE(snap->lastSecondZone, dsp::SeverityZone::D);
        QCOMPARE(snap->severityPreset, std::string("iso10816-3/group2/rigid"));
        QVERIFY(snap->spectra[0] && snap->spectra[0]->frames > 0);
        QVERIFY(snap->envelopeSpectra.empty() || !snap->envelopeSpectra[0]); // off by default
    }

    void gentleMachineIsZoneA() {
        pipeline::DspSettings s;
        s.severityPreset = "iso10816-3/group1/rigid";
        // 0.01 g at 29.5 Hz shaft: v = 0.01*9.80665/(2 pi 29.5)/sqrt2 ~ 0.37 mm/s (+ harmonics) -> zone A
        const auto recs =
            runToEnd(QStringLiteral("sim://m?shaftamp=0.01&noise=0.001&paced=0&duration=2&t0=0"), s);
        QCOMPARE(recs.size(), std::size_t{2});
        for (const auto& r : recs) {
            QVERIFY(r->velocityRmsMmS[0] > 0.2 && r->velocityRmsMmS[0] < 1.0);
            QCOMPARE(r->zone, dsp::SeverityZone::A);
        }
    }

    void envelopeSpectrumFindsTheDefectFrequency() {
        pipeline::DspSettings s;
        dsp::EnvelopeConfig e;
        e.bandLowHz = 2000;
        e.bandHighHz = 4500;
        s.envelope = e;
        pipeline::DeviceSnapshotPtr snap;
        runToEnd(QStringLiteral("sim://b?profile=bearing&defect=87&paced=0&duration=6&t0=0"), s, &snap);
        QVERIFY(snap);
        QCOMPARE(snap->envelopeSpectra.size(), std::size_t{3});
        const auto& env = snap->envelopeSpectra[0];
        QVERIFY(env && env->frames > 0);
        // The defect line stands well above the local median of its neighbourhood (half a bin off-centre,
        // so compare heights over the median, as the bearing helper does, not the global maximum).
        const auto peak = dsp::findPeakNear(*env, 87.0);
        QVERIFY(peak.found);
        QVERIFY2(std::abs(peak.foundHz - 87.0) <= env->binHz, qPrintable(QString::number(peak.foundHz)));
        QVERIFY2(peak.ratioDb > 20.0, qPrintable(QString::number(peak.ratioDb)));
        const auto offDefect = dsp::findPeakNear(*env, 131.0); // between the first two harmonics
        QVERIFY(offDefect.ratioDb < peak.ratioDb - 15.0);
    }

    void bandZoomGivesFinerLinesAndTheRightLevel() {
        pipeline::DspSettings s;
        s.zoomFactor = 16; // 16 kHz -> 1 kHz: 4096-point lines of 0.244 Hz instead of 3.9 Hz
        pipeline::DeviceSnapshotPtr snap;
        runToEnd(QStringLiteral("sim://z?profile=sine&axes=1&freq=100&amp=1&paced=0&duration=30&t0=0"), s,
                 &snap);
        QVERIFY(snap);
        QCOMPARE(snap->zoomFactor, 16);
        QCOMPARE(snap->zoomSpectra.size(), std::size_t{1});
        const auto& z = snap->zoomSpectra[0];
        const auto& full = snap->spectra[0];
        QVERIFY(z && z->frames > 0 && full);
        QCOMPARE(z->sampleRate, 1000.0);
        QVERIFY(std::abs(z->binHz * 16 - full->binHz) < 1e-12);
        std::size_t best = 1;
        for (std::size_t k = 1; k < z->psd.size(); ++k)
            if (z->psd[k] > z->psd[best])
                best = k;
        QVERIFY2(std::abs(z->frequency(best) - 100.0) <= z->binHz,
                 qPrintable(QString::number(z->frequency(best))));
        // Band RMS around the tone: 1/sqrt2 within the decimator's pass-band ripple (<= 0.1 dB).
        const double rms = dsp::bandRms(*z, 100.0 - 5 * z->binHz, 100.0 + 5 * z->binHz);
        QVERIFY2(std::abs(rms - 1 / std::sqrt(2.0)) < 0.012 * (1 / std::sqrt(2.0)),
                 qPrintable(QString::number(rms)));
        // Nothing aliased into the zoom band: the level away from the tone is tiny.
        QVERIFY(dsp::bandRms(*z, 200.0, 400.0) < 1e-3);
    }

    void partialSecondsAtBothEnds() {
        // t0 half-way into a second: the first and last buckets are partial, nothing is lost.
        core::CounterSnapshot c;
        const auto recs =
            runToEnd(QStringLiteral("sim://p?profile=sine&rate=1000&paced=0&duration=3&t0=500000000"), {},
                     nullptr, &c);
        QCOMPARE(recs.size(), std::size_t{4});
        QCOMPARE(recs.front()->samples, std::uint64_t{500});
        QCOMPARE(recs.back()->samples, std::uint64_t{500});
        std::uint64_t total = 0;
        for (const auto& r : recs)
            total += r->samples;
        QCOMPARE(total, std::uint64_t{3000});
        QCOMPARE(c.samplesReceived, std::uint64_t{3000});
    }
};

QTEST_GUILESS_MAIN(TstDeviceChannel)
#include "tst_device_channel.moc"
