// ParquetRecordingSink throughput against a floor measured in the same run. Data: D devices at 16 kHz x 3
// axes (noisy sine, 256-sample blocks) covering S seconds of sample time, rotated every R seconds, pushed
// into the sink's taps as fast as the sink takes them (the producer waits on a full tap, so nothing is
// dropped). Floor: the same raw column bytes (INT64 t + INT64 index + 3 FLOAT = 28 B/row) written with fwrite
// per file, one file per device per period, with fsync + rename like the sink's close. Reports samples/s
// through one sink thread, the real-time factor (device-seconds recorded per wall second), and the ratio to
// the floor. Usage: recording_sink_bench [--devices D] [--seconds S] [--rotate R] [--dir DIR]
#include "exporting/ParquetRecordingSink.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using vibra::exporting::ParquetRecordingSink;
namespace core = vibra::core;
namespace pipeline = vibra::pipeline;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kBlock = 256;
constexpr double kRate = 16000.0;
constexpr std::int64_t kT0 = 1'795'000'000'000'000'000;

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

/// One second of samples per axis, reused cyclically.
std::vector<float> makeSignal(int axis) {
    std::vector<float> v(static_cast<std::size_t>(kRate));
    std::uint64_t s = 42 + static_cast<std::uint64_t>(axis);
    for (std::size_t i = 0; i < v.size(); ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const double noise = static_cast<double>(s >> 11) * 0x1p-53 - 0.5;
        v[i] = static_cast<float>(
            0.8 * std::sin(2.0 * M_PI * 50.0 * (axis + 1) * static_cast<double>(i) / kRate) + 0.02 * noise);
    }
    return v;
}

double runSink(const std::string& dir, int devices, double secs, std::int64_t rotateNs,
               const std::vector<std::vector<float>>& signal, std::uint64_t* bytes) {
    ParquetRecordingSink::Options o;
    o.dir = dir;
    o.rotateNs = rotateNs;
    ParquetRecordingSink sink(o);
    auto info = std::make_shared<core::DeviceInfo>();
    info->sampleRate = kRate;
    info->axisNames = {"x", "y", "z"};
    std::vector<pipeline::TapFeedPtr> taps;
    for (int d = 0; d < devices; ++d) {
        taps.push_back(std::make_shared<pipeline::TapFeed>("d" + std::to_string(d), "bench://", o.tapBlocks));
        sink.addFeed(taps.back());
    }
    std::string error;
    if (!sink.start(&error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::exit(1);
    }
    const auto total = static_cast<std::uint64_t>(secs * kRate);
    const auto t0 = Clock::now();
    for (std::uint64_t first = 0, seq = 0; first < total; first += kBlock, ++seq) {
        for (int d = 0; d < devices; ++d) {
            auto b = std::make_shared<core::SampleBlock>();
            b->device = info;
            b->sequence = seq;
            b->firstSample = first;
            b->count = kBlock;
            b->startTimeNs =
                kT0 + static_cast<std::int64_t>(std::llround(static_cast<double>(first) * 1e9 / kRate));
            b->data.resize(3 * kBlock);
            const std::size_t off = first % static_cast<std::size_t>(kRate);
            for (int a = 0; a < 3; ++a)
                std::memcpy(b->data.data() + a * kBlock, signal[a].data() + off, kBlock * sizeof(float));
            taps[d]->counters.offeredSamples.fetch_add(kBlock);
            core::SampleBlockPtr p = std::move(b);
            while (!taps[d]->ring.tryPush(p))
                std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    sink.stop();
    const double dt = seconds(t0, Clock::now());
    *bytes = 0;
    for (const auto& a : sink.accounting()) {
        if (!a.balanced() || a.written != total) {
            std::fprintf(stderr, "accounting mismatch for %s\n", a.name.c_str());
            std::exit(1);
        }
        *bytes += a.bytes;
    }
    return dt;
}

double runFloor(const std::string& dir, int devices, double secs, std::int64_t rotateNs,
                const std::vector<std::vector<float>>& signal) {
    const auto total = static_cast<std::uint64_t>(secs * kRate);
    const auto perFile = static_cast<std::uint64_t>(static_cast<double>(rotateNs) * kRate / 1e9);
    std::vector<std::int64_t> t(perFile), idx(perFile);
    std::vector<float> col(perFile);
    const auto t0 = Clock::now();
    for (int d = 0; d < devices; ++d) {
        for (std::uint64_t first = 0, k = 0; first < total; first += perFile, ++k) {
            const std::uint64_t n = std::min(perFile, total - first);
            const std::string path = dir + "/floor_" + std::to_string(d) + "_" + std::to_string(k);
            FILE* f = std::fopen((path + ".partial").c_str(), "wb");
            for (std::uint64_t i = 0; i < n; ++i) {
                t[i] = kT0 + static_cast<std::int64_t>(static_cast<double>(first + i) * 1e9 / kRate);
                idx[i] = static_cast<std::int64_t>(first + i);
            }
            std::fwrite(t.data(), 8, n, f);
            std::fwrite(idx.data(), 8, n, f);
            for (int a = 0; a < 3; ++a) {
                for (std::uint64_t i = 0; i < n; ++i)
                    col[i] = signal[a][(first + i) % static_cast<std::size_t>(kRate)];
                std::fwrite(col.data(), 4, n, f);
            }
            std::fflush(f);
            ::fsync(fileno(f));
            std::fclose(f);
            std::rename((path + ".partial").c_str(), path.c_str());
        }
    }
    return seconds(t0, Clock::now());
}

} // namespace

int main(int argc, char** argv) {
    int devices = 4;
    double secs = 60.0, rotate = 10.0;
    std::string base = std::filesystem::temp_directory_path().string();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--devices")
            devices = std::atoi(argv[i + 1]);
        else if (k == "--seconds")
            secs = std::atof(argv[i + 1]);
        else if (k == "--rotate")
            rotate = std::atof(argv[i + 1]);
        else if (k == "--dir")
            base = argv[i + 1];
    }
    const std::string dir = base + "/recording_sink_bench." + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::vector<std::vector<float>> signal{makeSignal(0), makeSignal(1), makeSignal(2)};
    const auto rotateNs = static_cast<std::int64_t>(rotate * 1e9);

    const double floor =
        runFloor(dir + "/floor", (std::filesystem::create_directories(dir + "/floor"), devices), secs,
                 rotateNs, signal);
    std::uint64_t bytes = 0;
    const double sink = runSink(dir + "/sink", devices, secs, rotateNs, signal, &bytes);
    std::filesystem::remove_all(dir);

    const double samples = static_cast<double>(devices) * secs * kRate;
    const double raw = samples * 28.0;
    std::printf("recording_sink_bench: %d devices x 16 kHz x 3 axes, %.0f s of data, rotate %.0f s, dir %s\n",
                devices, secs, rotate, base.c_str());
    std::printf("  floor (fwrite raw columns + fsync + rename): %.3f s, %.1f MB/s\n", floor,
                raw / floor / 1e6);
    std::printf("  sink (ZSTD, BYTE_STREAM_SPLIT, fsync):       %.3f s, %.2f M samples/s, %.0fx real time "
                "(%.0f 16-kHz devices per sink thread), file %.1f%% of raw\n",
                sink, samples / sink / 1e6, static_cast<double>(devices) * secs / sink,
                samples / sink / kRate, 100.0 * static_cast<double>(bytes) / raw);
    std::printf("  ratio sink / floor: %.2f\n", sink / floor);
    return 0;
}
