// ParquetExporter end to end: builds history databases with the real schema (storage::Database), fills
// rollup_1s with known values, exports them, and writes expected.json (computed here from the inserted
// values) for check_parquet.mjs, which reads the files with DuckDB and hyparquet. Failure cases (unknown
// device, missing output directory, cancel, missing database) are checked here: error message, no output, no
// partial. Usage: tst_parquet_exporter OUTDIR   (run through run_oracle.sh)
#include "TestCheck.h"
#include "cli/ExitCode.h"
#include "cli/ExportCommand.h"
#include "core/Unit.h"
#include "exporting/ParquetExporter.h"
#include "storage/Database.h"

#include <QString>
#include <QTextStream>
#include <algorithm>
#include <atomic>
#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <string>
#include <vector>

using namespace vibra;
namespace fs = std::filesystem;

namespace {

struct Dev {
    std::string name;
    double rate;
    std::vector<std::string> axes;
    std::string unit;
    std::int64_t id = 0;
};

struct Rollup {
    std::int64_t devId, tNs, n, gaps;
    std::vector<std::array<double, 8>> axes; // min max mean rms peak kurtosis crest velocity (NaN = NULL)
    int zone = -1;                           // -1 = NULL
};

std::uint64_t g_state = 12345;
double rnd() { // uniform [-1, 1)
    g_state = g_state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(g_state >> 11) * 0x1p-52 - 1.0;
}

bool exec(sqlite3* db, const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        std::fprintf(stderr, "sql failed: %s: %s\n", sql.c_str(), msg ? msg : "?");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

/// Creates a history database with `devs` and `seconds` 1-second rollups per device (device k starts k*7 s
/// later); returns the inserted rows.
std::vector<Rollup> makeDb(const std::string& path, std::vector<Dev>& devs, int seconds) {
    std::vector<Rollup> out;
    fs::remove(path);
    storage::Database db;
    std::string err;
    if (!db.open(path, storage::Database::Mode::Create, &err)) {
        std::fprintf(stderr, "cannot create %s: %s\n", path.c_str(), err.c_str());
        std::exit(1);
    }
    sqlite3* h = db.handle();
    exec(h, "BEGIN");
    for (auto& d : devs) {
        std::string names;
        for (const auto& a : d.axes)
            names += (names.empty() ? "" : ",") + a;
        exec(h, "INSERT INTO device(name, rate_hz, axes, axis_names, unit) VALUES('" + d.name + "', " +
                    std::to_string(d.rate) + ", " + std::to_string(d.axes.size()) + ", '" + names + "', '" +
                    d.unit + "')");
        d.id = sqlite3_last_insert_rowid(h);
    }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        h,
        "INSERT INTO rollup_1s(device_id, axis, t_ns, n, min, max, mean, rms, peak, kurtosis, gaps, crest, "
        "velocity_rms, zone) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        -1, &st, nullptr);
    const std::int64_t t0 = 1795000000LL * 1000000000LL;
    for (std::size_t k = 0; k < devs.size(); ++k) {
        for (int s = 0; s < seconds; ++s) {
            Rollup r{devs[k].id,
                     t0 + (static_cast<std::int64_t>(k) * 7 + s) * 1000000000LL,
                     static_cast<std::int64_t>(devs[k].rate) - (s % 97 == 0 ? 100 : 0),
                     s % 211 == 0 ? 2 : 0,
                     {},
                     s % 5 == 0 ? -1 : s % 4}; // some seconds without a zone
            for (std::size_t a = 0; a < devs[k].axes.size(); ++a) {
                const double mean = 0.01 * rnd(), rms = 0.5 + 0.1 * rnd();
                // velocity: NULL in some seconds and, for the last axis, always (as when the DSP had none)
                const double velocity = s % 7 == 0 || a + 1 == devs[k].axes.size() ? NAN : 2 + rnd();
                r.axes.push_back({mean - 2 * rms, mean + 2 * rms + 0.001 * rnd(), mean, rms, 2.5 * rms,
                                  3 + rnd(), 2.5 + 0.01 * rnd(), velocity});
                sqlite3_bind_int64(st, 1, r.devId);
                sqlite3_bind_int64(st, 2, static_cast<std::int64_t>(a));
                sqlite3_bind_int64(st, 3, r.tNs);
                sqlite3_bind_int64(st, 4, r.n);
                for (int i = 0; i < 6; ++i)
                    sqlite3_bind_double(st, 5 + i, r.axes.back()[static_cast<std::size_t>(i)]);
                sqlite3_bind_int64(st, 11, r.gaps);
                sqlite3_bind_double(st, 12, r.axes.back()[6]);
                if (std::isnan(r.axes.back()[7]))
                    sqlite3_bind_null(st, 13);
                else
                    sqlite3_bind_double(st, 13, r.axes.back()[7]);
                if (r.zone < 0)
                    sqlite3_bind_null(st, 14);
                else
                    sqlite3_bind_int64(st, 14, r.zone);
                if (sqlite3_step(st) != SQLITE_DONE)
                    std::fprintf(stderr, "insert failed: %s\n", sqlite3_errmsg(h));
                sqlite3_reset(st);
            }
            out.push_back(std::move(r));
        }
    }
    sqlite3_finalize(st);
    exec(h, "COMMIT");
    return out;
}

std::string jsonString(const std::string& s) {
    std::string o = "\"";
    for (const char ch : s) {
        if (ch == '"' || ch == '\\')
            o += '\\';
        o += ch;
    }
    return o + "\"";
}

std::string hexDouble(double v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016" PRIx64, std::bit_cast<std::uint64_t>(v));
    return buf;
}

struct ExpectedColumn {
    std::string name, type, timestamp;
    std::vector<std::string> values;
};

/// Expected file content, derived from the inserted rows and the documented column contract.
std::string expectFile(const std::string& file, const exporting::ExportRequest& req,
                       const std::vector<Dev>& devs, std::vector<Rollup> rows,
                       const parquet::WriterOptions& opt) {
    std::vector<const Dev*> sel;
    for (const auto& d : devs)
        if (req.devices.empty() || std::count(req.devices.begin(), req.devices.end(), d.name))
            sel.push_back(&d);
    std::sort(sel.begin(), sel.end(), [](const Dev* a, const Dev* b) { return a->name < b->name; });
    std::erase_if(rows, [&](const Rollup& r) {
        return std::none_of(sel.begin(), sel.end(), [&](const Dev* d) { return d->id == r.devId; }) ||
               (req.fromNs && r.tNs < *req.fromNs) || (req.toNs && r.tNs >= *req.toNs);
    });
    std::stable_sort(rows.begin(), rows.end(), [](const Rollup& a, const Rollup& b) {
        return std::tie(a.tNs, a.devId) < std::tie(b.tNs, b.devId);
    });
    std::size_t axes = 1;
    bool sameNames = true, sameUnit = true;
    for (const Dev* d : sel) {
        axes = std::max(axes, d->axes.size());
        sameNames = sameNames && d->axes == sel.front()->axes;
        sameUnit = sameUnit && d->unit == sel.front()->unit;
    }
    const std::string unit = sel.empty() ? "g" : sameUnit ? sel.front()->unit : "m/s2";
    const std::string u = unit == "g" ? "g" : "mps2";
    std::vector<std::string> names;
    for (std::size_t a = 0; a < axes; ++a)
        names.push_back(sameNames && !sel.empty() && a < sel.front()->axes.size() ? sel.front()->axes[a]
                                                                                  : "a" + std::to_string(a));
    std::vector<ExpectedColumn> cols;
    cols.push_back({req.epochNs ? "time_ns" : "time_utc", "INT64", req.epochNs ? "" : "MICROS", {}});
    cols.push_back({"device", "BYTE_ARRAY", "", {}});
    cols.push_back({"samples", "INT64", "", {}});
    const char* stats[] = {"min", "max", "mean", "rms", "peak"};
    for (const auto& n : names)
        for (const char* s : stats)
            cols.push_back({n + "_" + s + "_" + u, "DOUBLE", "", {}});
    for (const auto& n : names)
        cols.push_back({n + "_kurtosis", "DOUBLE", "", {}});
    cols.push_back({"gaps", "INT64", "", {}});
    for (const auto& n : names)
        cols.push_back({n + "_crest", "DOUBLE", "", {}});
    for (const auto& n : names)
        cols.push_back({n + "_velocity_rms_mm_s", "DOUBLE", "", {}});
    cols.push_back({"zone", "BYTE_ARRAY", "", {}});
    for (const Rollup& r : rows) {
        const Dev* d = *std::find_if(sel.begin(), sel.end(), [&](const Dev* x) { return x->id == r.devId; });
        const double scale = d->unit == unit ? 1.0 : core::kStandardGravity;
        std::size_t c = 0;
        cols[c++].values.push_back(std::to_string(req.epochNs ? r.tNs : r.tNs / 1000));
        cols[c++].values.push_back(d->name);
        cols[c++].values.push_back(std::to_string(r.n));
        for (std::size_t a = 0; a < axes; ++a)
            for (std::size_t s = 0; s < 5; ++s)
                cols[c++].values.push_back(hexDouble(a < r.axes.size() ? r.axes[a][s] * scale : NAN));
        for (std::size_t a = 0; a < axes; ++a)
            cols[c++].values.push_back(hexDouble(a < r.axes.size() ? r.axes[a][5] : NAN));
        cols[c++].values.push_back(std::to_string(r.gaps));
        for (std::size_t k : {6, 7}) // crest, velocity: no unit, not converted
            for (std::size_t a = 0; a < axes; ++a)
                cols[c++].values.push_back(hexDouble(a < r.axes.size() ? r.axes[a][k] : NAN));
        cols[c++].values.push_back(r.zone < 0 ? std::string()
                                              : std::string(1, static_cast<char>('A' + r.zone)));
    }
    std::string meta = "{\"source\":" + jsonString(req.dbPath) +
                       ",\"table\":\"rollup_1s\",\"unit\":" + jsonString(unit) +
                       ",\"converted_units\":" + (sameUnit ? "false" : "true") +
                       ",\"from_ns\":" + (req.fromNs ? std::to_string(*req.fromNs) : "null") +
                       ",\"to_ns\":" + (req.toNs ? std::to_string(*req.toNs) : "null") + ",\"devices\":[";
    for (std::size_t i = 0; i < sel.size(); ++i) {
        std::string an;
        for (const auto& a : sel[i]->axes)
            an += (an.empty() ? "" : ",") + jsonString(a);
        char rate[32];
        std::snprintf(rate, sizeof rate, "%g", sel[i]->rate);
        meta += std::string(i ? "," : "") + "{\"name\":" + jsonString(sel[i]->name) + ",\"rate_hz\":" + rate +
                ",\"axes\":" + std::to_string(sel[i]->axes.size()) + ",\"axis_names\":[" + an +
                "],\"unit\":" + jsonString(sel[i]->unit) + "}";
    }
    meta += "]}";
    // The sidecar is JSON too: the metadata value is embedded as a JSON string.
    std::string metaJson = "\"";
    for (const char ch : meta) {
        if (ch == '"' || ch == '\\')
            metaJson += '\\';
        metaJson += ch;
    }
    metaJson += "\"";
    std::string j = "{\"file\":\"" + file + "\",\"codec\":\"" + parquet::compressionName(opt.compression) +
                    "\",\"createdBy\":\"" + opt.createdBy + "\",\"rows\":" + std::to_string(rows.size()) +
                    ",\"rowGroupRows\":" + std::to_string(opt.rowGroupRows) +
                    ",\"maxPageBytes\":" + std::to_string(opt.maxPageBytes) +
                    ",\"kv\":[[\"vibrascope.export\"," + metaJson + "]],\"columns\":[";
    for (std::size_t c = 0; c < cols.size(); ++c) {
        j += std::string(c ? "," : "") + "{\"name\":" + jsonString(cols[c].name) + ",\"type\":\"" +
             cols[c].type +
             "\",\"timestamp\":" + (cols[c].timestamp.empty() ? "null" : "\"" + cols[c].timestamp + "\"") +
             ",\"encoding\":\"PLAIN\",\"values\":[";
        for (std::size_t r = 0; r < cols[c].values.size(); ++r)
            j += std::string(r ? "," : "") + jsonString(cols[c].values[r]);
        j += "]}";
    }
    return j + "]}";
}

bool gone(const std::string& path) {
    return !fs::exists(path) && !fs::exists(path + ".partial");
}

/// Runs `vibrascope export ARGS...` in process; returns the exit code, stderr text in *err.
int cliExport(const QStringList& args, QString* err) {
    QString out;
    QTextStream o(&out), e(err);
    cli::CommandContext ctx;
    ctx.arguments = QStringList{QStringLiteral("vibrascope export")} + args;
    ctx.out = &o;
    ctx.err = &e;
    const int rc = cli::runExport(ctx);
    e.flush();
    return rc;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    fs::create_directories(dir);
    std::vector<std::string> expected;

    std::vector<Dev> devs = {{"dev-a", 16000, {"x", "y", "z"}, "g"}, {"dev-b", 3200, {"x", "y", "z"}, "g"}};
    const std::string db1 = dir + "/history-1.db";
    const auto rows1 = makeDb(db1, devs, 3000);
    std::vector<Dev> mixed = {{"dev-a", 16000, {"x", "y", "z"}, "g"}, {"dev-c", 1000, {"v"}, "m/s2"}};
    const std::string db2 = dir + "/history-2.db";
    const auto rows2 = makeDb(db2, mixed, 700);

    struct Run {
        std::string file;
        exporting::ExportRequest req;
        const std::vector<Dev>* devs;
        const std::vector<Rollup>* rows;
        parquet::WriterOptions opt;
    };
    std::vector<Run> runs;
    parquet::WriterOptions small;
    small.rowGroupRows = 2048;
    runs.push_back({"rollups_all.parquet", {db1, dir + "/rollups_all.parquet"}, &devs, &rows1, small});
    {
        Run r{"rollups_devb_range_epoch.parquet",
              {db1, dir + "/rollups_devb_range_epoch.parquet"},
              &devs,
              &rows1,
              {}};
        r.req.devices = {"dev-b"};
        r.req.fromNs = 1795000000LL * 1000000000LL + 100 * 1000000000LL;
        r.req.toNs = *r.req.fromNs + 500 * 1000000000LL + 1;
        r.req.epochNs = true;
        r.opt.compression = parquet::Compression::Snappy;
        runs.push_back(r);
    }
    runs.push_back({"rollups_mixed.parquet", {db2, dir + "/rollups_mixed.parquet"}, &mixed, &rows2, {}});
    {
        Run r{"rollups_empty.parquet", {db1, dir + "/rollups_empty.parquet"}, &devs, &rows1, {}};
        r.req.fromNs = 0;
        r.req.toNs = 1000;
        runs.push_back(r);
    }
    for (const auto& r : runs) {
        exporting::ParquetExporter exporter(r.opt);
        exporting::ExportStats stats;
        std::string err;
        std::uint64_t lastDone = 0, lastTotal = 0;
        const bool ok = exporter.run(r.req, &err, &stats, [&](std::uint64_t done, std::uint64_t total) {
            lastDone = done;
            lastTotal = total;
        });
        CHECK_MSG(ok, r.file + ": " + err);
        if (!ok)
            continue;
        CHECK(stats.bytes == fs::file_size(r.req.outPath));
        CHECK(lastDone == stats.rows && lastTotal == stats.rows);
        CHECK(!fs::exists(r.req.outPath + ".partial"));
        std::printf("exported %s: %" PRIu64 " rows, %" PRIu64 " bytes, unit %s%s\n", r.file.c_str(),
                    stats.rows, stats.bytes, stats.unit.c_str(), stats.convertedUnits ? " (converted)" : "");
        expected.push_back(expectFile(r.file, r.req, *r.devs, *r.rows, r.opt));
    }

    // The CLI path: vibrascope export --format parquet --compression snappy --device dev-b --epoch-ns.
    {
        const QString q = QString::fromStdString(dir);
        QString err;
        const int rc = cliExport({"--db", q + "/history-1.db", "--out", q + "/cli_devb.parquet", "--format",
                                  "parquet", "--compression", "snappy", "--device", "dev-b", "--epoch-ns"},
                                 &err);
        CHECK_MSG(rc == cli::kExitOk, err.toStdString());
        CHECK_MSG(err.contains("wrote 3000 rows"), err.toStdString());
        exporting::ExportRequest req{db1, dir + "/cli_devb.parquet"};
        req.devices = {"dev-b"};
        req.epochNs = true;
        parquet::WriterOptions opt;
        opt.compression = parquet::Compression::Snappy;
        if (rc == cli::kExitOk)
            expected.push_back(expectFile("cli_devb.parquet", req, devs, rows1, opt));
        for (const QStringList& bad :
             {QStringList{"--format", "xml"}, QStringList{"--format", "parquet", "--compression", "lz4"},
              QStringList{"--format", "csv", "--compression", "snappy"}}) {
            err.clear();
            CHECK_MSG(cliExport(QStringList{"--db", q + "/history-1.db", "--out", q + "/cli_bad.out"} + bad,
                                &err) == cli::kExitUsage,
                      bad.join(' ').toStdString());
            CHECK_MSG(err.contains("unknown --format") || err.contains("--compression"), err.toStdString());
            CHECK(gone(dir + "/cli_bad.out"));
        }
    }

    // Failures: clear message, nothing under the final name, no partial.
    {
        exporting::ParquetExporter exporter;
        std::string err;
        exporting::ExportRequest req{db1, dir + "/fail-unknown.parquet"};
        req.devices = {"dev-zz"};
        CHECK(!exporter.run(req, &err));
        CHECK_MSG(err.find("no device 'dev-zz'") != std::string::npos, err);
        CHECK(gone(req.outPath));
        req = {db1, dir + "/no-such-dir/out.parquet"};
        CHECK(!exporter.run(req, &err));
        CHECK_MSG(err.find("No such file or directory") != std::string::npos, err);
        req = {dir + "/no-such.db", dir + "/fail-nodb.parquet"};
        CHECK(!exporter.run(req, &err));
        CHECK_MSG(!err.empty(), err);
        CHECK(gone(req.outPath));
        std::atomic<bool> cancel{true};
        req = {db1, dir + "/fail-cancel.parquet"};
        CHECK(!exporter.run(req, &err, nullptr, {}, &cancel));
        CHECK_MSG(err == "export cancelled", err);
        CHECK(gone(req.outPath));
    }

    std::string json = "{\"files\":[";
    for (std::size_t i = 0; i < expected.size(); ++i)
        json += (i ? ",\n" : "") + expected[i];
    std::ofstream(dir + "/expected.json") << json << "]}\n";
    return parquet::test::finish("tst_parquet_exporter");
}
