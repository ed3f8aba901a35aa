// storage_bench: throughput of the history writer and readers, each against a floor measured in the same run.
//   raw write      SqliteWriter --raw path (zstd byte planes, 1024-sample 3-axis blocks) vs a bare prepared
//                  INSERT loop of the same uncompressed bytes as BLOBs, same pragmas, same batch size
//   rollup write   SqliteWriter 1 s rollups (+ 1 min/1 h folding + latest) vs a bare INSERT loop of the same
//                  rows into a table shaped like rollup_1s
//   range query    HistoryQuery::range over 24 h and 30 days of 1 s rollups (auto level for 1000 points, and
//   the
//                  full 1 s level)
//   CSV export     CsvExporter (1 s level, 24 h) vs fwrite of the same number of bytes
// Usage: storage_bench [--quick] [--dir DIR]   (DIR default: a fresh directory under /tmp)
#include "exporting/CsvExporter.h"
#include "storage/HistoryQuery.h"
#include "storage/SqliteWriter.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

using namespace vibra;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kT0 = 1'763'856'000LL * kS; // 2025-11-23T00:00:00Z

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

void exec(sqlite3* db, const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        std::fprintf(stderr, "sqlite: %s (%s)\n", msg ? msg : "?", sql);
        std::exit(1);
    }
}

std::shared_ptr<const core::DeviceInfo> device(const std::string& name) {
    auto d = std::make_shared<core::DeviceInfo>();
    d->id = name;
    d->sampleRate = 16000;
    d->axisNames = {"x", "y", "z"};
    d->unit = core::Unit::G;
    return d;
}

/// Machine-like signal: a few tones plus noise, like the simulator (the mantissas are noise).
std::vector<float> signal(std::uint64_t first, std::uint32_t n, std::mt19937& rng) {
    std::normal_distribution<float> noise(0.f, 0.05f);
    std::vector<float> v(static_cast<std::size_t>(n) * 3);
    for (int a = 0; a < 3; ++a)
        for (std::uint32_t i = 0; i < n; ++i) {
            const double t = static_cast<double>(first + i) / 16000.0;
            v[static_cast<std::size_t>(a) * n + i] =
                static_cast<float>((a == 2 ? 1.0 : 0.0) + 0.3 * std::sin(2 * M_PI * 29.5 * t) +
                                   0.1 * std::sin(2 * M_PI * 147.5 * t + a)) +
                noise(rng);
        }
    return v;
}

struct Rate {
    double seconds;
    double items;
};

Rate benchRawWriter(const std::string& path, const std::vector<std::vector<float>>& blocks, std::uint32_t n) {
    storage::SqliteWriter::Options o;
    o.path = path;
    o.storeRaw = true;
    o.commitIntervalMs = 500;
    storage::SqliteWriter w(o);
    std::string err;
    if (!w.start(&err)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        std::exit(1);
    }
    auto feed =
        std::make_shared<pipeline::StoreFeed>("bench", "", std::make_shared<core::DeviceCounters>(), 4096);
    auto& ring = feed->ring;
    auto& counters = *feed->counters;
    w.attach(feed);
    auto dev = device("bench");
    const auto t = Clock::now();
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        auto b = std::make_shared<core::SampleBlock>();
        b->device = dev;
        b->sequence = i;
        b->firstSample = i * n;
        b->count = n;
        b->startTimeNs = kT0 + static_cast<std::int64_t>(i) * n * 62'500;
        b->data = blocks[i];
        auto item = std::make_shared<pipeline::StoreItem>();
        item->raw = std::move(b);
        while (!ring.tryPush(item))
            std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    feed->close();
    w.requestCommit(); // the last transaction now, not at the end of the commit interval
    while (counters.samplesStored.load() < static_cast<std::uint64_t>(blocks.size()) * n && !w.failed())
        std::this_thread::sleep_for(std::chrono::milliseconds(1)); // everything committed
    const double s = secondsSince(t);
    w.stop();
    return {s, static_cast<double>(counters.samplesStored.load())};
}

/// The floor: the same bytes (uncompressed) as BLOBs through a bare prepared INSERT, same batching.
Rate benchRawFloor(const std::string& path, const std::vector<std::vector<float>>& blocks,
                   std::size_t perTxn) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
             "CREATE TABLE b(id INTEGER PRIMARY KEY, dev INT, seq INT, t INT, n INT, data BLOB)");
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO b(dev, seq, t, n, data) VALUES(1,?,?,?,?)", -1, &st, nullptr);
    const auto t = Clock::now();
    exec(db, "BEGIN");
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (i && i % perTxn == 0) {
            exec(db, "COMMIT");
            exec(db, "BEGIN");
        }
        sqlite3_bind_int64(st, 1, static_cast<std::int64_t>(i));
        sqlite3_bind_int64(st, 2, static_cast<std::int64_t>(i));
        sqlite3_bind_int64(st, 3, 1024);
        sqlite3_bind_blob(st, 4, blocks[i].data(), static_cast<int>(blocks[i].size() * 4), SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    exec(db, "COMMIT");
    const double s = secondsSince(t);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return {s, static_cast<double>(blocks.size() * blocks[0].size() / 3)};
}

pipeline::StoreItemPtr rollup(const std::shared_ptr<const core::DeviceInfo>& dev, std::int64_t t,
                              std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0.1, 1.0);
    auto r = std::make_shared<pipeline::RollupRecord>();
    r->device = dev;
    r->bucketStartNs = t;
    r->samples = 16000;
    for (int a = 0; a < 3; ++a) {
        dsp::Moments m;
        m.count = 16000;
        m.rms = u(rng);
        m.mean = u(rng) - 0.5;
        m.min = m.mean - 3 * m.rms;
        m.max = m.mean + 3 * m.rms;
        m.peak = 3 * m.rms;
        m.kurtosis = 3;
        r->axes.push_back(m);
        r->velocityRmsMmS.push_back(u(rng) * 5);
    }
    auto item = std::make_shared<pipeline::StoreItem>();
    item->rollup = std::move(r);
    return item;
}

Rate benchRollupWriter(const std::string& path, int devices, int seconds) {
    storage::SqliteWriter::Options o;
    o.path = path;
    storage::SqliteWriter w(o);
    std::string err;
    if (!w.start(&err))
        std::exit(1);
    std::vector<pipeline::StoreFeedPtr> feeds;
    std::vector<std::shared_ptr<const core::DeviceInfo>> devs;
    for (int d = 0; d < devices; ++d) {
        feeds.push_back(std::make_shared<pipeline::StoreFeed>(
            "d" + std::to_string(d), "", std::make_shared<core::DeviceCounters>(), 8192));
        devs.push_back(device("d" + std::to_string(d)));
        w.attach(feeds.back());
    }
    std::mt19937 rng(1);
    std::vector<pipeline::StoreItemPtr> items;
    const auto t = Clock::now();
    for (int s = 0; s < seconds; ++s)
        for (int d = 0; d < devices; ++d) {
            auto item = rollup(devs[d], kT0 + s * kS, rng);
            while (!feeds[d]->ring.tryPush(item))
                std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    for (auto& f : feeds)
        f->close();
    w.requestCommit();
    for (auto& f : feeds) {
        while (f->counters->samplesStored.load() < static_cast<std::uint64_t>(seconds) * 16000 && !w.failed())
            std::this_thread::sleep_for(std::chrono::milliseconds(1)); // everything committed
    }
    const double sec = secondsSince(t);
    w.stop();
    return {sec, static_cast<double>(devices) * seconds * 3};
}

Rate benchRollupFloor(const std::string& path, int devices, int seconds) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    exec(db,
         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
         "CREATE TABLE r(device_id INT, axis INT, t_ns INT, n INT, min REAL, max REAL, mean REAL, rms REAL, "
         "peak REAL, kurtosis REAL, gaps INT, crest REAL, velocity_rms REAL, zone INT, "
         "PRIMARY KEY(device_id, axis, t_ns)) WITHOUT ROWID");
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO r VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, nullptr);
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> u(0.1, 1.0);
    const auto t = Clock::now();
    exec(db, "BEGIN");
    for (int s = 0; s < seconds; ++s) {
        if (s && s % 1000 == 0) {
            exec(db, "COMMIT");
            exec(db, "BEGIN");
        }
        for (int d = 0; d < devices; ++d)
            for (int a = 0; a < 3; ++a) {
                sqlite3_bind_int64(st, 1, d);
                sqlite3_bind_int64(st, 2, a);
                sqlite3_bind_int64(st, 3, kT0 + s * kS);
                sqlite3_bind_int64(st, 4, 16000);
                for (int c = 5; c <= 13; ++c)
                    sqlite3_bind_double(st, c, u(rng));
                sqlite3_bind_int64(st, 11, 0);
                sqlite3_bind_null(st, 14);
                sqlite3_step(st);
                sqlite3_reset(st);
            }
    }
    exec(db, "COMMIT");
    const double sec = secondsSince(t);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return {sec, static_cast<double>(devices) * seconds * 3};
}

/// A history of `seconds` of 1 s rollups (3 axes, one device) with its 1 min / 1 h levels, built in bulk.
void buildHistory(const std::string& path, int seconds) {
    storage::Database db;
    std::string err;
    if (!db.open(path, storage::Database::Mode::Create, &err)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        std::exit(1);
    }
    exec(db.handle(),
         "INSERT INTO device(id, name, rate_hz, axes, axis_names, unit) VALUES(1,'a',16000,3,'x,y,z','g')");
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        db.handle(),
        "INSERT INTO rollup_1s(device_id, axis, t_ns, n, min, max, mean, rms, peak, kurtosis, gaps, "
        "crest) VALUES(1,?,?,16000,?,?,?,?,?,3,0,?)",
        -1, &st, nullptr);
    std::mt19937 rng(2);
    std::uniform_real_distribution<double> u(0.1, 1.0);
    exec(db.handle(), "BEGIN");
    for (int s = 0; s < seconds; ++s)
        for (int a = 0; a < 3; ++a) {
            const double rms = u(rng), mean = u(rng) - 0.5;
            sqlite3_bind_int64(st, 1, a);
            sqlite3_bind_int64(st, 2, kT0 + s * kS);
            sqlite3_bind_double(st, 3, mean - 3 * rms);
            sqlite3_bind_double(st, 4, mean + 3 * rms);
            sqlite3_bind_double(st, 5, mean);
            sqlite3_bind_double(st, 6, rms);
            sqlite3_bind_double(st, 7, 3 * rms);
            sqlite3_bind_double(st, 8, 3.0);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
    sqlite3_finalize(st);
    for (const char* level : {"rollup_1m", "rollup_1h"}) {
        const std::int64_t len = std::strcmp(level, "rollup_1m") == 0 ? 60 * kS : 3600 * kS;
        const std::string sql =
            std::string("INSERT INTO ") + level +
            "(device_id, axis, t_ns, n, min, max, mean, rms, peak, crest, kurtosis, gaps) "
            "SELECT device_id, axis, t_ns / " +
            std::to_string(len) + " * " + std::to_string(len) +
            ", sum(n), min(min), max(max), avg(mean), sqrt(avg(rms*rms)), max(peak), 3, 3, 0 "
            "FROM rollup_1s GROUP BY device_id, axis, t_ns / " +
            std::to_string(len);
        exec(db.handle(), sql.c_str());
    }
    exec(db.handle(), "COMMIT");
}

double rangeMs(const std::string& path, std::int64_t span, std::optional<storage::RollupLevel> level,
               int reps, std::size_t* points, storage::RollupLevel* chosen) {
    storage::Database db;
    std::string err;
    db.open(path, storage::Database::Mode::ReadOnly, &err);
    storage::HistoryQuery q(db);
    storage::HistoryQuery::Range r;
    const auto t = Clock::now();
    for (int i = 0; i < reps; ++i)
        q.range("a", kT0, kT0 + span, 1000, level, &r, &err);
    *points = r.points.size();
    *chosen = r.level;
    return secondsSince(t) * 1000.0 / reps;
}
} // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0)
            quick = true;
        else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
    }
    if (dir.empty())
        dir = (std::filesystem::temp_directory_path() / ("storage_bench_" + std::to_string(::getpid())))
                  .string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::printf("storage_bench (sqlite %s, dir %s)%s\n", sqlite3_libversion(), dir.c_str(),
                quick ? " --quick" : "");

    // raw
    const int blocksN = quick ? 1000 : 4000;
    std::mt19937 rng(42);
    std::vector<std::vector<float>> blocks;
    for (int i = 0; i < blocksN; ++i)
        blocks.push_back(signal(static_cast<std::uint64_t>(i) * 1024, 1024, rng));
    const Rate raw = benchRawWriter(dir + "/raw.db", blocks, 1024);
    const Rate rawFloor = benchRawFloor(dir + "/raw_floor.db", blocks, 8); // ~0.5 s of 16 kHz per transaction
    const double mb = blocksN * 1024.0 * 3 * 4 / 1e6;
    const double dbMb = static_cast<double>(std::filesystem::file_size(dir + "/raw.db")) / 1e6;
    std::printf("raw write:    %.2f M samples/s/axis (%.1f MB/s of float32, %.1f x realtime at 16 kHz x 3), "
                "database %.1f MB for %.1f MB of samples (%.2f)\n",
                raw.items / raw.seconds / 1e6, mb / raw.seconds, raw.items / raw.seconds / 16000, dbMb, mb,
                dbMb / mb);
    std::printf(
        "  floor bare INSERT of the same uncompressed bytes: %.2f M samples/s/axis (%.1f MB/s); ratio %.2f\n",
        rawFloor.items / rawFloor.seconds / 1e6, mb / rawFloor.seconds,
        (raw.items / raw.seconds) / (rawFloor.items / rawFloor.seconds));

    // rollups
    const int devs = 10, secs = quick ? 2000 : 6000;
    const Rate roll = benchRollupWriter(dir + "/roll.db", devs, secs);
    const Rate rollFloor = benchRollupFloor(dir + "/roll_floor.db", devs, secs);
    std::printf(
        "rollup write: %.0f k axis-rows/s (= %.0f device-seconds/s; each also folds 1 min, 1 h, latest)\n",
        roll.items / roll.seconds / 1e3, roll.items / 3 / roll.seconds);
    std::printf("  floor bare INSERT of the same rows: %.0f k rows/s; ratio %.2f\n",
                rollFloor.items / rollFloor.seconds / 1e3,
                (roll.items / roll.seconds) / (rollFloor.items / rollFloor.seconds));

    // range queries
    const int day = 86400, month = (quick ? 7 : 30) * day;
    auto t = Clock::now();
    buildHistory(dir + "/day.db", day);
    buildHistory(dir + "/month.db", month);
    std::printf("(built 24 h and %d days of 1 s rollups in %.1f s)\n", month / day, secondsSince(t));
    for (auto [name, path, span] :
         {std::tuple{"24 h", dir + "/day.db", std::int64_t{day} * kS},
          std::tuple{quick ? "7 days" : "30 days", dir + "/month.db", std::int64_t{month} * kS}}) {
        std::size_t pts = 0;
        storage::RollupLevel lvl{};
        const double autoMs = rangeMs(path, span, std::nullopt, 20, &pts, &lvl);
        std::printf("range %-7s auto (>= 1000 points): %.2f ms, level %s, %zu points\n", name, autoMs,
                    std::string(storage::levelName(lvl)).c_str(), pts);
        const double fullMs = rangeMs(path, span, storage::RollupLevel::Second, 1, &pts, &lvl);
        std::printf("range %-7s 1 s level:             %.0f ms, %zu points\n", name, fullMs, pts);
    }

    // CSV export vs fwrite of the same bytes
    exporting::ExportRequest req;
    req.dbPath = dir + "/day.db";
    req.outPath = dir + "/day.csv";
    exporting::ExportStats stats;
    std::string err;
    t = Clock::now();
    if (!exporting::CsvExporter().run(req, &err, &stats)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
    }
    const double exportS = secondsSince(t);
    std::vector<char> bytes(stats.bytes, 'x');
    t = Clock::now();
    std::FILE* f = std::fopen((dir + "/floor.csv").c_str(), "wb");
    for (std::size_t off = 0; off < bytes.size(); off += 1 << 16)
        std::fwrite(bytes.data() + off, 1, std::min<std::size_t>(1 << 16, bytes.size() - off), f);
    std::fclose(f);
    const double floorS = secondsSince(t);
    std::printf(
        "CSV export 24 h 1 s: %.1f MB/s (%llu rows, %.1f MB in %.2f s); floor fwrite %.0f MB/s; ratio %.3f\n",
        static_cast<double>(stats.bytes) / 1e6 / exportS, static_cast<unsigned long long>(stats.rows),
        static_cast<double>(stats.bytes) / 1e6, exportS, static_cast<double>(stats.bytes) / 1e6 / floorS,
        floorS / exportS);
    std::filesystem::remove_all(dir);
    return 0;
}
