// dsp_bench: cost of the per-axis DSP chain in ns per input sample, against a floor measured in the same run.
//
//   floor  = bare FFTW r2c (4096, MEASURE, in cache) per hop + bare FIR /4 loop (same taps, omp simd
//   reduction) chain  = Decimator /4 + SpectrumAnalyzer (4096 Hann, 50 %, exponential 8, peak hold) +
//   MomentAccumulator
// Prints each stage, the chain/floor ratio (goal <= 2) and the number of 16 kHz tri-axial devices one core
// can process; peak readings (one interpolation, a top-10 list) per call, against one bare FFT frame. Usage:
// dsp_bench [--quick]   (median of 7 trials; pin with `taskset -c 1` for stable figures)
#include "dsp/Decimator.h"
#include "dsp/EnvelopeAnalyzer.h"
#include "dsp/MomentAccumulator.h"
#include "dsp/PeakFinder.h"
#include "dsp/PeakInterpolator.h"
#include "dsp/SpectrumAnalyzer.h"

#include <fftw3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace vibra::dsp;

namespace {

constexpr double kFs = 16000.0;
constexpr std::size_t kPacket = 256; // samples per push, like a network packet per axis

volatile float g_sink = 0;

// Median over trials of ns per sample for `fn(samples)` run until at least minNs elapsed.
double measure(const std::function<void()>& fn, std::size_t samplesPerCall, int trials, double minNs) {
    std::vector<double> r;
    fn(); // warm-up
    for (int t = 0; t < trials; ++t) {
        std::size_t calls = 0;
        const auto start = std::chrono::steady_clock::now();
        double ns = 0;
        do {
            fn();
            ++calls;
            ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
        } while (ns < minNs);
        r.push_back(ns / double(calls * samplesPerCall));
    }
    std::sort(r.begin(), r.end());
    return r[r.size() / 2];
}

std::vector<float> noise(std::size_t n) {
    std::mt19937 rng(1);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> x(n);
    for (auto& v : x)
        v = d(rng) + 1.0f;
    return x;
}

// Bare FIR decimating loop: the reference kernel (dsp.md section 11), same taps as our stage.
std::size_t bareFir(const float* x, std::size_t n, const float* h, std::size_t taps, std::size_t q,
                    float* out) {
    std::size_t j = 0;
    for (std::size_t i = 0; i + taps <= n; i += q) {
        float acc = 0;
#pragma omp simd reduction(+ : acc)
        for (std::size_t k = 0; k < taps; ++k)
            acc += h[k] * x[i + k];
        out[j++] = acc;
    }
    return j;
}

} // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int trials = quick ? 3 : 7;
    const double minNs = quick ? 5e6 : 3e7;
    const std::size_t block = 16384; // one call = 16384 samples (~1 s at 16 kHz)
    const auto x = noise(block + 4096);

    std::printf("dsp_bench: ns per input sample (median of %d), fs = %.0f Hz, packets of %zu samples\n",
                trials, kFs, kPacket);

    // --- floor: bare FFTW r2c
    // -------------------------------------------------------------------------------
    const int n = 4096;
    float* in = fftwf_alloc_real(n);
    fftwf_complex* out = fftwf_alloc_complex(n / 2 + 1);
    fftwf_plan plan = fftwf_plan_dft_r2c_1d(n, in, out, FFTW_MEASURE);
    std::copy_n(x.data(), n, in);
    const double fftNsPerFrame = measure(
        [&] {
            for (int r = 0; r < 8; ++r)
                fftwf_execute_dft_r2c(plan, in, out);
            g_sink = out[5][0];
        },
        8, trials, minNs);
    const double fftFloor = fftNsPerFrame / 2048.0; // one frame per hop of 2048 samples
    std::printf("  floor  bare FFTW r2c 4096 ............ %8.1f ns/frame = %6.3f ns/sample (hop 2048)\n",
                fftNsPerFrame, fftFloor);

    // --- floor: bare FIR loops with our taps
    // ------------------------------------------------------------------
    auto stageFloor = [&](const Decimator& d) {
        double total = 0;
        double rate = 1;
        std::vector<float> o(block);
        for (const auto& s : d.stages()) {
            std::vector<float> h(s.taps().begin(), s.taps().end());
            const std::size_t len = block;
            const double ns = measure(
                [&] {
                    bareFir(x.data(), len, h.data(), h.size(), s.factor(), o.data());
                    g_sink = o[3];
                },
                len, trials, minNs);
            total += ns * rate;
            rate /= double(s.factor());
        }
        return total;
    };
    Decimator d4(std::size_t{4});
    Decimator d16(std::size_t{16});
    const double fir4Floor = stageFloor(d4);
    const double fir16Floor = stageFloor(d16);
    std::printf("  floor  bare FIR /4  (%zu taps) ........ %6.3f ns/sample\n", d4.stages()[0].length(),
                fir4Floor);
    std::printf("  floor  bare FIR /16 (%zu+%zu taps) ..... %6.3f ns/sample\n", d16.stages()[0].length(),
                d16.stages()[1].length(), fir16Floor);

    // --- stages
    // ------------------------------------------------------------------------------------------------
    auto packets = [&](const std::function<void(std::span<const float>)>& f) {
        for (std::size_t p = 0; p + kPacket <= block; p += kPacket)
            f(std::span<const float>(x.data() + p, kPacket));
    };
    std::vector<float> dout;
    dout.reserve(block);
    const double dec4 = measure(
        [&] {
            dout.clear();
            packets([&](std::span<const float> s) { d4.process(s, dout); });
            g_sink = dout.back();
        },
        block, trials, minNs);
    const double dec16 = measure(
        [&] {
            dout.clear();
            packets([&](std::span<const float> s) { d16.process(s, dout); });
            g_sink = dout.back();
        },
        block, trials, minNs);
    std::printf(
        "  decimate /4 ......................... %6.3f ns/sample  (%.2f x bare FIR, %.1f MAC/sample)\n", dec4,
        dec4 / fir4Floor, d4.macsPerInputSample());
    std::printf(
        "  decimate /16 ........................ %6.3f ns/sample  (%.2f x bare FIR, %.1f MAC/sample)\n",
        dec16, dec16 / fir16Floor, d16.macsPerInputSample());

    auto spectrumCost = [&](FftBackend b) {
        SpectrumConfig c; // 4096 Hann 50 % exponential 8
        c.backend = b;
        SpectrumAnalyzer a(c, kFs);
        return measure(
            [&] {
                packets([&](std::span<const float> s) { a.push(s); });
                g_sink = a.spectrum().psd[10];
            },
            block, trials, minNs);
    };
    const double specFftw = spectrumCost(FftBackend::Fftw);
    const double specKiss = spectrumCost(FftBackend::Kiss);
    std::printf(
        "  spectrum 4096 Hann 50%% exp8 (FFTW) .. %6.3f ns/sample  (%.2f x bare FFT; %.0f ns/frame)\n",
        specFftw, specFftw / fftFloor, specFftw * 2048);
    std::printf("  spectrum 4096 Hann 50%% exp8 (Kiss) .. %6.3f ns/sample  (%.2f x bare FFTW)\n", specKiss,
                specKiss / fftFloor);

    MomentAccumulator m;
    const double metrics = measure(
        [&] {
            packets([&](std::span<const float> s) { m.add(s); });
            g_sink = float(m.result().rms);
        },
        block, trials, minNs);
    std::printf("  metrics (moments, per block) ........ %6.3f ns/sample\n", metrics);

    EnvelopeConfig ec;
    ec.bandLowHz = 2000;
    ec.bandHighHz = 5000;
    EnvelopeAnalyzer env(ec, kFs);
    const double envelope = measure(
        [&] {
            packets([&](std::span<const float> s) { env.push(s); });
            g_sink = env.spectrum().psd[3];
        },
        block, trials, minNs);
    std::printf("  envelope 2-5 kHz (optional) ......... %6.3f ns/sample\n", envelope);

    // --- peak readings: per spectrum update, not per sample (ratio to one bare FFT frame)
    // -----------------------------------------------------------------
    auto peakCosts = [&](WindowType w) {
        SpectrumConfig c;
        c.window = w;
        SpectrumAnalyzer a(c, kFs);
        std::vector<float> t(x.begin(), x.end());
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] += float(std::sin(2 * 3.141592653589793 * 1234.5 * double(i) / kFs));
        a.push(t);
        const Spectrum& s = a.spectrum();
        std::size_t k = 300;
        for (std::size_t i = 300; i < 330; ++i)
            if (s.psd[i] > s.psd[k])
                k = i;
        const PeakInterpolator interp(w, c.fftSize);
        const double one = measure(
            [&] {
                const auto p = interp(s, k);
                g_sink = float(p.frequencyHz);
            },
            1, trials, minNs / 10);
        const double list = measure(
            [&] {
                const auto p = findPeaks(s, PeakListOptions{.maxPeaks = 10});
                g_sink = float(p.front().rms);
            },
            1, trials, minNs / 10);
        std::printf("  peak %-14s one interpolation %6.0f ns (%.3f x bare FFT frame); top-10 list %7.0f ns "
                    "(%.2f x)\n",
                    windowTypeName(w).data(), one, one / fftNsPerFrame, list, list / fftNsPerFrame);
    };
    peakCosts(WindowType::Hann);
    peakCosts(WindowType::FlatTop);

    // --- whole chain
    // -----------------------------------------------------------------------------------------
    Decimator cd(std::size_t{4});
    SpectrumAnalyzer cs(SpectrumConfig{}, kFs);
    MomentAccumulator cm;
    const double chain = measure(
        [&] {
            dout.clear();
            packets([&](std::span<const float> s) {
                cd.process(s, dout);
                cs.push(s);
                cm.add(s);
            });
            g_sink = dout.back() + cs.spectrum().psd[1];
        },
        block, trials, minNs);
    const double floor = fir4Floor + fftFloor;
    std::printf("  CHAIN /4 + spectrum + metrics ....... %6.3f ns/sample\n", chain);
    std::printf("  FLOOR bare FIR /4 + bare FFT ........ %6.3f ns/sample\n", floor);

    // Ratio measured trial by trial (floor and chain back to back), so load from other processes hits both.
    std::vector<double> ratios;
    std::vector<float> h4(d4.stages()[0].taps().begin(), d4.stages()[0].taps().end());
    std::vector<float> firOut(block);
    for (int t = 0; t < trials * 3; ++t) {
        const double f = measure(
            [&] {
                bareFir(x.data(), block, h4.data(), h4.size(), 4, firOut.data());
                for (std::size_t r = 0; r < block / 2048; ++r)
                    fftwf_execute_dft_r2c(plan, in, out);
                g_sink = firOut[1] + out[3][0];
            },
            block, 1, minNs);
        const double c = measure(
            [&] {
                dout.clear();
                packets([&](std::span<const float> s) {
                    cd.process(s, dout);
                    cs.push(s);
                    cm.add(s);
                });
                g_sink = dout.back() + cs.spectrum().psd[1];
            },
            block, 1, minNs);
        ratios.push_back(c / f);
    }
    std::sort(ratios.begin(), ratios.end());
    const double ratio = ratios[ratios.size() / 2];
    const double devices = 1e9 / (chain * kFs * 3);
    std::printf("  RATIO chain / floor ................. %6.2f   (median of %zu paired trials; range "
                "%.2f..%.2f; goal <= 2)\n",
                ratio, ratios.size(), ratios.front(), ratios.back());
    std::printf("  CAPACITY: %.0f tri-axial 16 kHz devices per core (DSP only, state in cache)\n", devices);

    fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(out);
    return 0;
}
