// Parquet write throughput against a floor measured in the same run: writing the same raw column bytes with
// fwrite in row-group-sized column blocks (plus fsync, like the writer's close). Data: a 16 kHz tri-axial
// recording (INT64 ns timestamps + three noisy FLOAT axes = 20 bytes/row), written in 1024-row batches as the
// recorder would. Usage: parquet_bench [--rows N] [--reps R] [--dir DIR]
#include "parquet/ParquetWriter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

using namespace vibra::parquet;
using Clock = std::chrono::steady_clock;

namespace {

struct Data {
    std::vector<std::int64_t> t;
    std::vector<float> x, y, z;
};

Data makeData(std::size_t rows) {
    Data d;
    d.t.resize(rows);
    d.x.resize(rows);
    d.y.resize(rows);
    d.z.resize(rows);
    std::uint64_t s = 42;
    const std::int64_t t0 = 1795000000000000000;
    for (std::size_t i = 0; i < rows; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        const double noise = static_cast<double>(s >> 11) * 0x1p-53 - 0.5;
        const double ph = 2.0 * M_PI * 50.0 * static_cast<double>(i) / 16000.0;
        d.t[i] = t0 + static_cast<std::int64_t>(i) * 62500;
        d.x[i] = static_cast<float>(0.8 * std::sin(ph) + 0.02 * noise);
        d.y[i] = static_cast<float>(0.3 * std::cos(3 * ph) - 0.02 * noise);
        d.z[i] = static_cast<float>(9.80665 + 0.05 * noise);
    }
    return d;
}

constexpr std::size_t kBatch = 1024;

// The floor: the same bytes, column-major per 65536-row block like a row group, handed to fwrite in large
// blocks (glibc passes blocks larger than its buffer straight to write(): no extra copy), then fsync.
double writeFloor(const Data& d, const std::string& path) {
    constexpr std::size_t kBlock = 65536;
    const auto start = Clock::now();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
        std::perror("fopen");
        std::exit(1);
    }
    for (std::size_t i = 0; i < d.t.size(); i += kBlock) {
        const std::size_t n = std::min(kBlock, d.t.size() - i);
        std::fwrite(&d.t[i], 8, n, f);
        std::fwrite(&d.x[i], 4, n, f);
        std::fwrite(&d.y[i], 4, n, f);
        std::fwrite(&d.z[i], 4, n, f);
    }
    std::fflush(f);
    ::fsync(fileno(f));
    std::fclose(f);
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double writeParquet(const Data& d, const std::string& path, Compression c, int level, bool bss, bool crc) {
    const auto start = Clock::now();
    ParquetWriter w;
    std::string err;
    WriterOptions opt;
    opt.compression = c;
    opt.zstdLevel = level;
    opt.pageChecksums = crc;
    std::vector<Column> schema = {{"t", PhysicalType::Int64, TimeUnit::Nanos, false},
                                  {"x", PhysicalType::Float, std::nullopt, bss},
                                  {"y", PhysicalType::Float, std::nullopt, bss},
                                  {"z", PhysicalType::Float, std::nullopt, bss}};
    if (!w.open(path, schema, opt, &err)) {
        std::fprintf(stderr, "open: %s\n", err.c_str());
        std::exit(1);
    }
    for (std::size_t i = 0; i < d.t.size(); i += kBatch) {
        const std::size_t n = std::min(kBatch, d.t.size() - i);
        if (!w.appendRows({std::span<const std::int64_t>(&d.t[i], n), std::span<const float>(&d.x[i], n),
                           std::span<const float>(&d.y[i], n), std::span<const float>(&d.z[i], n)},
                          &err)) {
            std::fprintf(stderr, "append: %s\n", err.c_str());
            std::exit(1);
        }
    }
    w.setMetadata("vibrascope.device", "bench");
    if (!w.close(&err)) {
        std::fprintf(stderr, "close: %s\n", err.c_str());
        std::exit(1);
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    std::size_t rows = 4u << 20;
    int reps = 3;
    std::string dir = std::filesystem::temp_directory_path().string();
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--rows"))
            rows = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--reps"))
            reps = std::max(1, std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
    }
    const Data d = makeData(rows);
    const double rawMB = static_cast<double>(rows) * 20.0 / 1e6;
    const std::string base = dir + "/vibra-parquet-bench-" + std::to_string(getpid());

    struct Mode {
        const char* name;
        int kind; // 0 floor, 1 parquet
        Compression c;
        int level;
        bool bss;
        bool crc = true;
        double best = 1e30;
        std::uintmax_t size = 0;
    };
    std::vector<Mode> modes = {{"fwrite (floor)", 0, Compression::None, 0, false},
                               {"parquet NONE, no CRC", 1, Compression::None, 0, false, false},
                               {"parquet NONE", 1, Compression::None, 0, false},
                               {"parquet SNAPPY", 1, Compression::Snappy, 0, false},
                               {"parquet ZSTD 1", 1, Compression::Zstd, 1, false},
                               {"parquet ZSTD 3", 1, Compression::Zstd, 3, false},
                               {"parquet ZSTD 3 + BSS", 1, Compression::Zstd, 3, true}};
    for (int r = 0; r < reps; ++r) { // interleaved so drift hits every mode alike
        for (auto& m : modes) {
            const std::string path = base + (m.kind == 0 ? ".bin" : ".parquet");
            const double s =
                m.kind == 0 ? writeFloor(d, path) : writeParquet(d, path, m.c, m.level, m.bss, m.crc);
            m.best = std::min(m.best, s);
            m.size = std::filesystem::file_size(path);
            std::filesystem::remove(path);
        }
    }
    std::printf("parquet_bench: %zu rows x (INT64 + 3 FLOAT) = %.1f MB raw, best of %d, dir %s\n", rows,
                rawMB, reps, dir.c_str());
    std::printf("%-22s %9s %10s %12s %8s %14s\n", "mode", "seconds", "MB/s raw", "file bytes", "size %",
                "speed vs floor");
    const double floor = modes[0].best;
    for (const auto& m : modes)
        std::printf("%-22s %9.3f %10.1f %12ju %7.1f%% %13.2fx\n", m.name, m.best, rawMB / m.best, m.size,
                    100.0 * static_cast<double>(m.size) / (rawMB * 1e6), floor / m.best);
    std::printf("(speed vs floor = floor seconds / mode seconds; 1.00x = as fast as fwrite+fsync of the raw "
                "bytes)\n");
    std::printf("one 16 kHz tri-axial device = %.3f MB/s raw\n", 16000.0 * 20 / 1e6);
    return 0;
}
