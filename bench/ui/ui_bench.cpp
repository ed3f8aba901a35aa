// Dashboard drawing benchmark (offscreen; never part of ctest).
//
// Part 1: time per redraw (ms) of the time view and the spectrum view for 1 and 4 devices (16 kHz, 3 axes)
//         and time windows of 1, 10 and 60 s, from snapshots shaped exactly like the DSP worker's
//         (2048 min/max pairs per axis, 4096-point spectra). Floor: replot of the same plots with no data.
// Part 2: the real thing: N simulated 16 kHz tri-axial devices through the pipeline into the MainWindow
//         (1280x820) for a few seconds; redraws per second and CPU share of the GUI thread
//         (getrusage RUSAGE_THREAD) and of the whole process (all threads: sources, DSP, GUI).
//
// Usage: ui_bench [seconds-per-live-run (default 8)]
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/MainWindow.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <random>
#include <vector>

using namespace vibra;

namespace {

double cpuSeconds(int who) {
    rusage u{};
    getrusage(who, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

std::shared_ptr<core::DeviceInfo> device(int i) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = "dev" + std::to_string(i);
    d->sampleRate = 16000;
    d->axisNames = {"x", "y", "z"};
    d->unit = core::Unit::G;
    return d;
}

// A snapshot like the worker publishes for `seconds` of a noisy machine signal.
pipeline::DeviceSnapshotPtr snapshot(const std::shared_ptr<core::DeviceInfo>& dev, double seconds,
                                     std::mt19937& rng) {
    auto s = std::make_shared<pipeline::DeviceSnapshot>();
    s->device = dev;
    s->displaySeconds = seconds;
    const int points = 2048;
    s->envelopeBucketSamples = static_cast<std::uint32_t>(std::max(1.0, std::ceil(seconds * 16000 / points)));
    const auto n = static_cast<std::size_t>(std::ceil(seconds * 16000 / s->envelopeBucketSamples));
    std::normal_distribution<float> noise(0.0f, 0.05f);
    s->envelopeMin.resize(3);
    s->envelopeMax.resize(3);
    for (int a = 0; a < 3; ++a) {
        s->envelopeMin[a].resize(std::min<std::size_t>(n, points));
        s->envelopeMax[a].resize(std::min<std::size_t>(n, points));
        for (std::size_t i = 0; i < s->envelopeMin[a].size(); ++i) {
            const float v = 0.3f * std::sin(0.05f * static_cast<float>(i) * (a + 1)) + noise(rng);
            s->envelopeMin[a][i] = v - 0.1f;
            s->envelopeMax[a][i] = v + 0.1f;
        }
        auto sp = std::make_shared<dsp::Spectrum>();
        sp->sampleRate = 16000;
        sp->fftSize = 4096;
        sp->binHz = 16000.0 / 4096;
        sp->enbwHz = 1.5 * sp->binHz;
        sp->psd.resize(2049);
        sp->peakHold.resize(2049);
        for (std::size_t k = 0; k < sp->psd.size(); ++k) {
            sp->psd[k] = 1e-7f * (1.0f + std::abs(noise(rng)) * 10) + (k % 128 == 8 ? 1e-3f : 0.0f);
            sp->peakHold[k] = sp->psd[k] * 2;
        }
        s->spectra.push_back(std::move(sp));
    }
    return s;
}

void drawBench() {
    std::printf("Part 1: time per redraw (ms), offscreen, plots sized as in a 1280x820 window\n");
    std::printf("%-8s %-8s %12s %12s %12s %12s\n", "devices", "window", "time view", "spectrum",
                "empty floor", "total/floor");
    std::mt19937 rng(1);
    for (int devices : {1, 4}) {
        for (double seconds : {1.0, 10.0, 60.0}) {
            QWidget host;
            host.resize(900, 560);
            auto* layout = new QVBoxLayout(&host);
            std::vector<ui::TimePlotView*> tv;
            std::vector<ui::SpectrumView*> sv;
            std::vector<QCustomPlot*> empty;
            for (int d = 0; d < devices; ++d) {
                tv.push_back(new ui::TimePlotView);
                sv.push_back(new ui::SpectrumView);
                layout->addWidget(tv.back());
                layout->addWidget(sv.back());
            }
            host.show();
            QCoreApplication::processEvents();
            std::vector<std::shared_ptr<core::DeviceInfo>> devs;
            for (int d = 0; d < devices; ++d)
                devs.push_back(device(d));
            const int rounds = 40;
            // Fresh snapshots per round (new pointers), as the worker publishes.
            std::vector<std::vector<pipeline::DeviceSnapshotPtr>> snaps(rounds);
            for (auto& r : snaps)
                for (int d = 0; d < devices; ++d)
                    r.push_back(snapshot(devs[d], seconds, rng));
            double timeMs = 0, specMs = 0, floorMs = 0;
            QElapsedTimer t;
            for (int r = 0; r < rounds; ++r) {
                t.start();
                for (int d = 0; d < devices; ++d) {
                    tv[d]->draw(snaps[r][d]);
                    tv[d]->plot()->replot(QCustomPlot::rpImmediateRefresh);
                }
                timeMs += static_cast<double>(t.nsecsElapsed()) * 1e-6;
                t.start();
                for (int d = 0; d < devices; ++d) {
                    sv[d]->draw(*snaps[r][d]);
                    sv[d]->plot()->replot(QCustomPlot::rpImmediateRefresh);
                }
                specMs += static_cast<double>(t.nsecsElapsed()) * 1e-6;
                QCoreApplication::processEvents();
            }
            // Floor: the same plots replotted with their data cleared.
            for (int d = 0; d < devices; ++d) {
                tv[d]->clear();
                sv[d]->clear();
            }
            for (int r = 0; r < rounds; ++r) {
                t.start();
                for (int d = 0; d < devices; ++d) {
                    tv[d]->plot()->replot(QCustomPlot::rpImmediateRefresh);
                    sv[d]->plot()->replot(QCustomPlot::rpImmediateRefresh);
                }
                floorMs += static_cast<double>(t.nsecsElapsed()) * 1e-6;
            }
            std::printf("%-8d %-8.0f %12.2f %12.2f %12.2f %12.2f\n", devices, seconds, timeMs / rounds,
                        specMs / rounds, floorMs / rounds, (timeMs + specMs) / std::max(1e-9, floorMs));
        }
    }
}

void liveBench(int seconds) {
    std::printf("\nPart 2: live dashboard, N x sim 16 kHz x 3 axes, 1 s time window, 30 Hz UI timer, %d s\n",
                seconds);
    std::printf("%-8s %-8s %14s %16s %16s %14s\n", "devices", "cursors", "redraws/s", "GUI thread CPU",
                "process CPU", "dropped");
    for (const auto& [devices, cursors] : {std::pair{1, false}, {4, false}, {1, true}, {4, true}}) {
        io::SourceFactory factory;
        pipeline::DspSettings defaults;
        defaults.displaySeconds = 1.0;
        pipeline::Pipeline pipeline(factory, defaults);
        for (int d = 0; d < devices; ++d) {
            QString error;
            pipeline.add(QStringLiteral("sim://d%1").arg(d), &error);
        }
        ui::MainWindow w(pipeline);
        w.resize(1280, 820);
        w.show();
        // Cursors on: the workers also publish a raw window of the 1 s time window (16001 samples x 3).
        w.timeView().setCursorsEnabled(cursors);
        pipeline.startAll();
        // Warm up (FFT plans, first snapshots), then measure.
        const auto runFor = [](int ms) {
            QEventLoop loop;
            QTimer::singleShot(ms, &loop, &QEventLoop::quit);
            loop.exec();
        };
        runFor(1500);
        const quint64 f0 = w.dashboard().frames();
        const double g0 = cpuSeconds(RUSAGE_THREAD), p0 = cpuSeconds(RUSAGE_SELF);
        QElapsedTimer wall;
        wall.start();
        runFor(seconds * 1000);
        const double s = static_cast<double>(wall.nsecsElapsed()) * 1e-9;
        const double g = cpuSeconds(RUSAGE_THREAD) - g0, p = cpuSeconds(RUSAGE_SELF) - p0;
        const double fps = static_cast<double>(w.dashboard().frames() - f0) / s;
        quint64 dropped = 0;
        for (const auto& ch : pipeline.channels())
            dropped += ch->counters().snapshot().droppedTotal();
        std::printf("%-8d %-8s %14.1f %15.1f%% %15.1f%% %14llu\n", devices, cursors ? "on" : "off", fps,
                    100 * g / s, 100 * p / s, static_cast<unsigned long long>(dropped));
        pipeline.stopAll();
    }
}

} // namespace

int main(int argc, char** argv) {
    if (!std::getenv("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 8;
    drawBench();
    liveBench(seconds);
    return 0;
}
