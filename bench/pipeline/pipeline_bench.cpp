// Pipeline benchmark: N unpaced simulated 16 kHz tri-axial devices through source -> SPSC ring -> DSP worker
// (spectrum, per-second Welch velocity, moments, rollups) -> store ring, measured by CPU time. The same run
// measures the floor (a bare loop that only copies the same samples block by block) and the simulator alone,
// so the DSP/pipeline share can be separated from signal generation.
//
// Usage: pipeline_bench [--seconds S] [--devices 1,4,16,64]
#include "dsp/FftPlan.h"
#include "io/SimSignalGenerator.h"
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>

#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <vector>

using namespace vibra;

namespace {
constexpr double kRate = 16000.0;
constexpr int kAxes = 3;
constexpr std::uint32_t kBlock = 256;

double cpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

long maxRssKb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

struct Result {
    double cpu = 0, wall = 0;
    std::uint64_t samples = 0; ///< samples per axis, all devices
};

Result floorCopy(int devices, double seconds) {
    // The same number of blocks of 256 x 3 floats, copied from one buffer into a fresh block each time.
    std::vector<float> src(kBlock * kAxes, 1.0f);
    const auto blocks = static_cast<std::uint64_t>(devices * seconds * kRate / kBlock);
    std::vector<float> dst(kBlock * kAxes);
    volatile float sink = 0;
    const double c0 = cpuSeconds();
    QElapsedTimer t;
    t.start();
    for (std::uint64_t b = 0; b < blocks; ++b) {
        src[b % src.size()] = static_cast<float>(b);
        std::memcpy(dst.data(), src.data(), dst.size() * sizeof(float));
        sink = sink + dst[b % dst.size()];
    }
    return {cpuSeconds() - c0, t.nsecsElapsed() * 1e-9, blocks * kBlock};
}

Result generatorOnly(int devices, double seconds) {
    io::SimSignalGenerator::Config c; // machine profile, as the sim://dN sources below
    c.noiseRms = 0.02;
    std::vector<float> buf(kBlock * kAxes);
    const auto blocks = static_cast<std::uint64_t>(seconds * kRate / kBlock);
    const double c0 = cpuSeconds();
    QElapsedTimer t;
    t.start();
    for (int d = 0; d < devices; ++d) {
        io::SimSignalGenerator g(c);
        for (std::uint64_t b = 0; b < blocks; ++b)
            g.generate(b * kBlock, kBlock, buf);
    }
    return {cpuSeconds() - c0, t.nsecsElapsed() * 1e-9,
            static_cast<std::uint64_t>(devices) * blocks * kBlock};
}

Result pipelineRun(int devices, double seconds, std::uint64_t* dropped, int workers = 0) {
    io::SourceFactory f;
    pipeline::Pipeline pipe(f, pipeline::DspSettings{}, pipeline::Pipeline::Options{workers, 0, 100000, 100});
    std::vector<pipeline::StoreFeedPtr> feeds;
    for (int d = 0; d < devices; ++d) {
        QString err;
        auto* ch = pipe.add(
            QStringLiteral("sim://d%1?paced=0&duration=%2&seed=%3").arg(d).arg(seconds).arg(d + 1), &err);
        if (!ch)
            qFatal("%s", qPrintable(err));
        feeds.push_back(std::make_shared<pipeline::StoreFeed>(ch->core()->deviceId(), ch->core()->uri(),
                                                              ch->core()->counters()));
        ch->core()->setStore(feeds.back(), {false, true});
    }
    const double c0 = cpuSeconds();
    QElapsedTimer t;
    t.start();
    pipe.startAll();
    std::uint64_t rollups = 0;
    auto drainStore = [&] {
        pipeline::StoreItemPtr item;
        for (auto& feed : feeds)
            while (feed->ring.tryPop(item))
                ++rollups;
    };
    for (;;) {
        drainStore();
        if (pipe.allFinished())
            break;
        QTest::qWait(5);
    }
    pipe.stopAll();
    drainStore();
    Result r{cpuSeconds() - c0, t.nsecsElapsed() * 1e-9, 0};
    *dropped = 0;
    for (auto& c : pipe.channels()) {
        const auto s = c->counters().snapshot();
        r.samples += s.samplesProcessed;
        *dropped += s.droppedTotal();
    }
    return r;
}
} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    vibra::dsp::FftPlan::setFftwPlanning(vibra::dsp::FftwPlanning::Estimate); // as the application does
    double seconds = 20;
    std::vector<int> counts{1, 4, 16, 64};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--seconds") == 0)
            seconds = std::atof(argv[i + 1]);
        else if (std::strcmp(argv[i], "--devices") == 0) {
            counts.clear();
            for (const auto& p : QString::fromLatin1(argv[i + 1]).split(QLatin1Char(',')))
                counts.push_back(p.toInt());
        }
    }
    std::printf("pipeline_bench: %g s of signal per device, 16 kHz x 3 axes, blocks of %u, machine profile\n",
                seconds, kBlock);
    {
        // Warm-up: FFTW plans are made once per size per process (~0.2 s each with FFTW_MEASURE); keep that
        // one-time cost out of the measured runs.
        std::uint64_t ignored = 0;
        pipelineRun(1, 1.0, &ignored);
    }
    std::printf("%8s %12s %12s %12s %12s %12s %14s %14s %10s\n", "devices", "floor ns/S", "sim ns/S",
                "pipe ns/S", "pipe-sim", "ratio", "dev/core(all)", "dev/core(dsp)", "dropped");
    for (int n : counts) {
        const Result fl = floorCopy(n, seconds);
        const Result gen = generatorOnly(n, seconds);
        std::uint64_t dropped = 0;
        const Result pipe = pipelineRun(n, seconds, &dropped);
        // ns of CPU per sample per axis (one "sample" = one instant of all three axes)
        const double flNs = fl.cpu * 1e9 / static_cast<double>(fl.samples);
        const double genNs = gen.cpu * 1e9 / static_cast<double>(gen.samples);
        const double pipeNs = pipe.cpu * 1e9 / static_cast<double>(pipe.samples);
        const double dspNs = std::max(1e-9, pipeNs - genNs);
        // A real-time device needs kRate samples per second: devices per core = 1 s / (kRate * cost).
        std::printf("%8d %12.3f %12.1f %12.1f %12.1f %12.0f %14.0f %14.0f %10llu\n", n, flNs, genNs, pipeNs,
                    dspNs, dspNs / flNs, 1e9 / (kRate * pipeNs), 1e9 / (kRate * dspNs),
                    static_cast<unsigned long long>(dropped));
        std::fflush(stdout);
    }
    std::printf("peak RSS: %.1f MB\n", static_cast<double>(maxRssKb()) / 1024.0);
    std::printf(
        "columns: ns of CPU per sample instant (3 axes); floor = bare block copy; sim = signal generator "
        "alone;\n"
        "pipe = simulator + ring + DSP worker + rollups; pipe-sim = the pipeline's own cost; ratio = "
        "(pipe-sim)/floor;\n"
        "dev/core = 16 kHz tri-axial devices one core sustains in real time (all = incl. simulation).\n");
    return 0;
}
