// Writes a set of Parquet files with vibra::parquet::ParquetWriter plus expected.json, the exact values and
// layout each file must have. check_parquet.mjs then reads every file with DuckDB and hyparquet (independent
// readers) and compares. Usage: parquet_oracle_gen OUTDIR
#include "parquet/ParquetWriter.h"

#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using namespace vibra::parquet;

namespace {

struct Data { // one file's columns; only the vector matching each column's type is used
    std::vector<std::vector<std::int32_t>> i32;
    std::vector<std::vector<std::int64_t>> i64;
    std::vector<std::vector<float>> f32;
    std::vector<std::vector<double>> f64;
};

struct Case {
    std::string file;
    std::vector<Column> schema;
    WriterOptions options;
    std::vector<std::pair<std::string, std::string>> kv;
    std::size_t rows = 0;
    std::size_t batch = 1000; // appendRows batch size
    // column c, row r -> value; stored per type
    std::vector<std::vector<std::uint64_t>> bits;  // raw bits (int64 for ints, float/double bits)
    std::vector<std::vector<std::string>> strings; // values of ByteArray columns (same index as bits)
};

std::uint64_t g_state = 0x9E3779B97F4A7C15ull;
std::uint64_t next() { // splitmix64
    std::uint64_t z = (g_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

const char* unitName(TimeUnit u) {
    return u == TimeUnit::Millis ? "MILLIS" : u == TimeUnit::Micros ? "MICROS" : "NANOS";
}

std::string jsonEscape(const std::string& s) {
    std::string o;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            o += '\\';
            o += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += ch;
        }
    }
    return o;
}

std::string valueString(PhysicalType t, std::uint64_t b) {
    char buf[32];
    switch (t) {
    case PhysicalType::Int32:
        std::snprintf(buf, sizeof buf, "%" PRId32, static_cast<std::int32_t>(static_cast<std::uint32_t>(b)));
        break;
    case PhysicalType::Int64:
        std::snprintf(buf, sizeof buf, "%" PRId64, static_cast<std::int64_t>(b));
        break;
    case PhysicalType::Float:
        std::snprintf(buf, sizeof buf, "%08" PRIx32, static_cast<std::uint32_t>(b));
        break;
    case PhysicalType::Double:
        std::snprintf(buf, sizeof buf, "%016" PRIx64, b);
        break;
    case PhysicalType::ByteArray:
        break;
    }
    return buf;
}

bool writeCase(const std::string& dir, const Case& c, std::string* error) {
    ParquetWriter w;
    if (!w.open(dir + "/" + c.file, c.schema, c.options, error))
        return false;
    std::vector<std::vector<std::int32_t>> i32(c.schema.size());
    std::vector<std::vector<std::int64_t>> i64(c.schema.size());
    std::vector<std::vector<float>> f32(c.schema.size());
    std::vector<std::vector<double>> f64(c.schema.size());
    std::vector<std::vector<std::string_view>> str(c.schema.size());
    for (std::size_t start = 0; start < c.rows; start += c.batch) {
        const std::size_t n = std::min(c.batch, c.rows - start);
        std::vector<ColumnValues> cols;
        for (std::size_t k = 0; k < c.schema.size(); ++k) {
            const auto& src = c.bits[k];
            switch (c.schema[k].type) {
            case PhysicalType::Int32:
                i32[k].clear();
                for (std::size_t r = 0; r < n; ++r)
                    i32[k].push_back(static_cast<std::int32_t>(static_cast<std::uint32_t>(src[start + r])));
                cols.emplace_back(std::span<const std::int32_t>(i32[k]));
                break;
            case PhysicalType::Int64:
                i64[k].clear();
                for (std::size_t r = 0; r < n; ++r)
                    i64[k].push_back(static_cast<std::int64_t>(src[start + r]));
                cols.emplace_back(std::span<const std::int64_t>(i64[k]));
                break;
            case PhysicalType::Float:
                f32[k].clear();
                for (std::size_t r = 0; r < n; ++r)
                    f32[k].push_back(std::bit_cast<float>(static_cast<std::uint32_t>(src[start + r])));
                cols.emplace_back(std::span<const float>(f32[k]));
                break;
            case PhysicalType::Double:
                f64[k].clear();
                for (std::size_t r = 0; r < n; ++r)
                    f64[k].push_back(std::bit_cast<double>(src[start + r]));
                cols.emplace_back(std::span<const double>(f64[k]));
                break;
            case PhysicalType::ByteArray:
                str[k].clear();
                for (std::size_t r = 0; r < n; ++r)
                    str[k].push_back(c.strings[k][start + r]);
                cols.emplace_back(std::span<const std::string_view>(str[k]));
                break;
            }
        }
        if (!w.appendRows(cols, error))
            return false;
        if (start == 0)
            for (const auto& [k, v] : c.kv) // metadata may be set at any point before close
                w.setMetadata(k, v);
    }
    if (c.rows == 0)
        for (const auto& [k, v] : c.kv)
            w.setMetadata(k, v);
    if (w.rowsWritten() != c.rows) {
        *error =
            c.file + ": rowsWritten() " + std::to_string(w.rowsWritten()) + " != " + std::to_string(c.rows);
        return false;
    }
    if (!w.close(error))
        return false;
    if (std::filesystem::exists(dir + "/" + c.file + ".partial")) {
        *error = c.file + ": partial file left behind after close()";
        return false;
    }
    if (std::filesystem::file_size(dir + "/" + c.file) != w.bytesWritten()) {
        *error = c.file + ": bytesWritten() does not match the file size";
        return false;
    }
    return true;
}

std::string caseJson(const Case& c) {
    std::string j = "{\"file\":\"" + c.file + "\",\"codec\":\"" + compressionName(c.options.compression) +
                    "\",\"createdBy\":\"" + jsonEscape(c.options.createdBy) +
                    "\",\"rows\":" + std::to_string(c.rows) +
                    ",\"rowGroupRows\":" + std::to_string(c.options.rowGroupRows) +
                    ",\"maxPageBytes\":" + std::to_string(c.options.maxPageBytes) + ",\"kv\":[";
    for (std::size_t i = 0; i < c.kv.size(); ++i)
        j += std::string(i ? "," : "") + "[\"" + jsonEscape(c.kv[i].first) + "\",\"" +
             jsonEscape(c.kv[i].second) + "\"]";
    j += "],\"columns\":[";
    for (std::size_t k = 0; k < c.schema.size(); ++k) {
        const Column& col = c.schema[k];
        j += std::string(k ? "," : "") + "{\"name\":\"" + jsonEscape(col.name) + "\",\"type\":\"" +
             physicalTypeName(col.type) + "\",\"timestamp\":" +
             (col.timestampUnit ? "\"" + std::string(unitName(*col.timestampUnit)) + "\"" : "null") +
             ",\"encoding\":\"" + (col.byteStreamSplit ? "BYTE_STREAM_SPLIT" : "PLAIN") + "\",\"values\":[";
        for (std::size_t r = 0; r < c.rows; ++r)
            j += std::string(r ? "," : "") + "\"" +
                 (col.type == PhysicalType::ByteArray ? jsonEscape(c.strings[k][r])
                                                      : valueString(col.type, c.bits[k][r])) +
                 "\"";
        j += "]}";
    }
    return j + "]}";
}

std::uint64_t fbits(float f) {
    return std::bit_cast<std::uint32_t>(f);
}
std::uint64_t dbits(double d) {
    return std::bit_cast<std::uint64_t>(d);
}

// A realistic accelerometer-like record: time stamps at rate hz from t0, three float axes.
Case recording(std::string file, std::size_t rows, TimeUnit unit, double rateHz, Compression comp) {
    Case c;
    c.file = std::move(file);
    c.rows = rows;
    c.options.compression = comp;
    c.schema = {{"t", PhysicalType::Int64, unit, false},
                {"x", PhysicalType::Float, std::nullopt, false},
                {"y", PhysicalType::Float, std::nullopt, false},
                {"z", PhysicalType::Float, std::nullopt, false}};
    const std::int64_t t0ns = 1795000000123456789; // 2026-11-18, UTC
    const double perUnit = unit == TimeUnit::Nanos ? 1e9 : unit == TimeUnit::Micros ? 1e6 : 1e3;
    const std::int64_t t0 = unit == TimeUnit::Nanos    ? t0ns
                            : unit == TimeUnit::Micros ? t0ns / 1000
                                                       : t0ns / 1000000;
    c.bits.assign(4, {});
    for (std::size_t r = 0; r < rows; ++r) {
        c.bits[0].push_back(
            static_cast<std::uint64_t>(t0 + static_cast<std::int64_t>(std::llround(r * perUnit / rateHz))));
        const double ph = 2.0 * M_PI * 50.0 * static_cast<double>(r) / rateHz;
        const double noise = static_cast<double>(next() >> 11) * 0x1p-53 - 0.5;
        c.bits[1].push_back(fbits(static_cast<float>(0.8 * std::sin(ph) + 0.01 * noise)));
        c.bits[2].push_back(fbits(static_cast<float>(0.3 * std::cos(ph) - 0.02 * noise)));
        c.bits[3].push_back(fbits(static_cast<float>(9.80665 + 0.05 * noise)));
    }
    c.kv = {{"vibrascope.device", "sim://a"},
            {"vibrascope.rate_hz", std::to_string(rateHz)},
            {"vibrascope.units", "{\"x\":\"m/s^2\",\"y\":\"m/s^2\",\"z\":\"m/s^2\"}"},
            {"vibrascope.sequence_range", "17-4711"},
            {"vibrascope.gaps", "[[100,3],[900,12]]"}};
    return c;
}

// Every physical type with arbitrary bit patterns (floats: random bits, NaNs replaced unless allowNaN).
Case allTypes(std::string file, std::size_t rows, Compression comp, bool allowNaN) {
    Case c;
    c.file = std::move(file);
    c.rows = rows;
    c.options.compression = comp;
    c.schema = {{"i32", PhysicalType::Int32, std::nullopt, false},
                {"i64", PhysicalType::Int64, std::nullopt, false},
                {"f32", PhysicalType::Float, std::nullopt, false},
                {"f64", PhysicalType::Double, std::nullopt, false},
                {"ts_us", PhysicalType::Int64, TimeUnit::Micros, false},
                {"device", PhysicalType::ByteArray, std::nullopt, false}};
    c.bits.assign(6, {});
    c.strings.assign(6, {});
    const char* const names[] = {"sim://a",
                                 "serial:///dev/ttyACM0?baud=921600",
                                 "",
                                 "Ger\xc3\xa4t \xe2\x84\x96 7",
                                 "quote\" back\\slash \t tab",
                                 "\xf0\x9f\x93\x88 chart"};
    for (std::size_t r = 0; r < rows; ++r) {
        c.bits[0].push_back(static_cast<std::uint32_t>(next()));
        c.bits[1].push_back(next());
        std::uint32_t f = static_cast<std::uint32_t>(next());
        if (!allowNaN && std::isnan(std::bit_cast<float>(f)))
            f = 0x3f800000;
        c.bits[2].push_back(f);
        std::uint64_t d = next();
        if (!allowNaN && std::isnan(std::bit_cast<double>(d)))
            d = dbits(-2.5);
        c.bits[3].push_back(d);
        // Microseconds within years 1900..2200 (DuckDB timestamps are bounded).
        c.bits[4].push_back(static_cast<std::uint64_t>(
            -2208988800000000LL + static_cast<std::int64_t>(next() % 9467280000000000ULL)));
        c.bits[5].push_back(0);
        c.strings[5].push_back(names[next() % 6]);
    }
    return c;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    std::filesystem::create_directories(dir);
    std::vector<Case> cases;

    // ZSTD, NANOS, several row groups (1000 rows each + a short last one), batches that straddle row groups.
    cases.push_back(
        recording("zstd_nanos_rowgroups.parquet", 3500, TimeUnit::Nanos, 16000.0, Compression::Zstd));
    cases.back().options.rowGroupRows = 1000;
    cases.back().batch = 333;
    // SNAPPY, MICROS, small pages (many pages per column chunk).
    cases.push_back(
        recording("snappy_micros_pages.parquet", 5000, TimeUnit::Micros, 3200.0, Compression::Snappy));
    cases.back().options.rowGroupRows = 2048;
    cases.back().options.maxPageBytes = 1000;
    // NONE, MILLIS, one big batch over 3 row groups.
    cases.push_back(recording("none_millis.parquet", 2500, TimeUnit::Millis, 100.0, Compression::None));
    cases.back().options.rowGroupRows = 1000;
    cases.back().batch = 2500;
    // Default options (65536-row groups, ZSTD level 3): two row groups.
    cases.push_back(recording("default_options.parquet", 70000, TimeUnit::Nanos, 16000.0, Compression::Zstd));
    cases.back().batch = 4096;
    cases.back().options.createdBy = "vibrascope 0.1.0 (oracle test)";

    // Every type, arbitrary bit patterns, for each codec.
    cases.push_back(allTypes("types_zstd.parquet", 3000, Compression::Zstd, false));
    cases.back().options.rowGroupRows = 1024;
    cases.push_back(allTypes("types_snappy.parquet", 3000, Compression::Snappy, false));
    cases.back().options.rowGroupRows = 1024;
    cases.push_back(allTypes("types_none.parquet", 3000, Compression::None, false));
    cases.back().options.rowGroupRows = 1024;

    // Empty file: schema only, zero rows, zero row groups, metadata still present.
    cases.push_back(allTypes("empty.parquet", 0, Compression::Zstd, false));
    cases.back().kv = {{"vibrascope.note", "no rows"}};
    // A single row.
    cases.push_back(allTypes("single_row.parquet", 1, Compression::Snappy, false));

    // Special values: row group 0 holds NaNs (no float min/max), row group 1 none (min/max incl. +-inf, +-0).
    {
        Case c = allTypes("special_values.parquet", 0, Compression::Zstd, false);
        const float fn = std::numeric_limits<float>::quiet_NaN();
        const double dn = std::numeric_limits<double>::quiet_NaN();
        const std::vector<float> f = {
            1.5f, fn, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), -0.0f,
            0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
            // row group 1: no NaN
            0.0f, -0.0f, std::numeric_limits<float>::lowest(), std::numeric_limits<float>::infinity(), 1e-40f,
            -1e-45f, 3.25f, 0.0f};
        const std::vector<double> d = {
            dn, 2.0, std::numeric_limits<double>::infinity(), -0.0, 0.0,
            std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
            std::numeric_limits<double>::lowest(),
            // row group 1: no NaN; all zeros except one -inf
            0.0, -0.0, 0.0, -std::numeric_limits<double>::infinity(), -0.0, 0.0, 0.0, -0.0};
        c.rows = f.size();
        c.options.rowGroupRows = 8;
        c.batch = 5;
        for (std::size_t r = 0; r < c.rows; ++r) {
            c.bits[0].push_back(static_cast<std::uint32_t>(r % 2 ? std::numeric_limits<std::int32_t>::min()
                                                                 : std::numeric_limits<std::int32_t>::max()));
            c.bits[1].push_back(
                static_cast<std::uint64_t>(r % 3 == 0   ? std::numeric_limits<std::int64_t>::min()
                                           : r % 3 == 1 ? std::numeric_limits<std::int64_t>::max()
                                                        : -1));
            c.bits[2].push_back(fbits(f[r]));
            c.bits[3].push_back(dbits(d[r]));
            c.bits[4].push_back(
                static_cast<std::uint64_t>(r == 0 ? -2208988800000000LL : 7258118400000000LL - 1));
            // Strings: row group 0 holds one longer than the 64-byte statistics limit (no min/max), row group
            // 1 bytes >= 0x80 that sort after ASCII only when compared unsigned.
            c.bits[5].push_back(0);
            c.strings[5].push_back(r == 3  ? std::string(65, 'z') + "!"
                                   : r < 8 ? "s" + std::to_string(r)
                                   : r % 2 ? "\xc3\xa9t\xc3\xa9"
                                           : "Zeta" + std::to_string(r));
        }
        c.kv = {{"empty value", ""},
                {"unicode", "Beschleunigung m/s\xc2\xb2 \xe2\x80\x94 \xe6\x8c\xaf\xe5\x8a\xa8"}};
        cases.push_back(std::move(c));
    }
    // BYTE_STREAM_SPLIT floats and doubles, ZSTD, pages of 4 KiB.
    {
        Case c = recording("bss_zstd.parquet", 6000, TimeUnit::Nanos, 16000.0, Compression::Zstd);
        c.schema[1].byteStreamSplit = true;
        c.schema[2].byteStreamSplit = true;
        c.schema.push_back({"d", PhysicalType::Double, std::nullopt, true});
        c.bits.emplace_back();
        for (std::size_t r = 0; r < c.rows; ++r)
            c.bits[4].push_back(dbits(std::sin(0.001 * static_cast<double>(r)) * 1e3));
        c.options.rowGroupRows = 2500;
        c.options.maxPageBytes = 4096;
        cases.push_back(std::move(c));
    }
    {
        Case c = allTypes("bss_snappy_nan.parquet", 700, Compression::Snappy, true);
        c.schema[2].byteStreamSplit = true;
        c.schema[3].byteStreamSplit = true;
        c.options.rowGroupRows = 300;
        cases.push_back(std::move(c));
    }
    // Randomised layouts (fixed seed): 1-6 columns of random types/units/encodings, any codec, row groups
    // from 1 row, pages down to 8 bytes (one or two values), random batch sizes.
    for (int k = 0; k < 8; ++k) {
        Case c;
        c.file = "random_" + std::to_string(k) + ".parquet";
        const Compression codecs[] = {Compression::None, Compression::Snappy, Compression::Zstd};
        c.options.compression = codecs[next() % 3];
        c.options.zstdLevel = static_cast<int>(next() % 9) - 2; // negative (fast) levels too
        c.options.rowGroupRows = k == 0 ? 1 : 1 + next() % 3000;
        c.options.maxPageBytes = k == 1 ? 8 : k == 2 ? 200 : 8 + next() % 20000;
        c.rows = k == 0 ? 300 : next() % 12000;
        c.batch = 1 + next() % 2500;
        const std::size_t ncols = 1 + next() % 6;
        c.bits.assign(ncols, {});
        for (std::size_t j = 0; j < ncols; ++j) {
            Column col;
            col.name = "c" + std::to_string(j);
            const PhysicalType types[] = {PhysicalType::Int32, PhysicalType::Int64, PhysicalType::Float,
                                          PhysicalType::Double, PhysicalType::ByteArray};
            col.type = k == 2 && j == 0 ? PhysicalType::ByteArray : types[next() % 5];
            if (col.type == PhysicalType::Int64 && next() % 2)
                col.timestampUnit = static_cast<TimeUnit>(next() % 3);
            if ((col.type == PhysicalType::Float || col.type == PhysicalType::Double) && next() % 2)
                col.byteStreamSplit = true;
            for (std::size_t r = 0; r < c.rows; ++r) {
                std::uint64_t v = next();
                if (col.timestampUnit) // keep within DuckDB's timestamp range (years 1970..2262 for any unit)
                    v = v % 9000000000000000000ull /
                        (*col.timestampUnit == TimeUnit::Nanos    ? 1
                         : *col.timestampUnit == TimeUnit::Micros ? 1000
                                                                  : 1000000);
                if (col.type == PhysicalType::Float && next() % 4 == 0)
                    v = fbits(static_cast<float>(r) * 0.25f); // runs of compressible values
                c.bits[j].push_back(v);
            }
            c.strings.emplace_back();
            if (col.type == PhysicalType::ByteArray) {
                // Random UTF-8 (1-4 byte sequences); in layout 2 up to 300 bytes against pages of <= 200
                // bytes.
                const char* const pieces[] = {
                    "a",    "Z", "0", " ", "\"", "\\", "\n", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8e\xb5",
                    "\x7f", "~"};
                const std::size_t maxLen = k == 2 ? 100 : 12;
                for (std::size_t r = 0; r < c.rows; ++r) {
                    std::string text;
                    const std::size_t len = next() % (maxLen + 1);
                    for (std::size_t i = 0; i < len; ++i)
                        text += pieces[next() % 12];
                    c.strings[j].push_back(std::move(text));
                }
            }
            c.schema.push_back(col);
        }
        if (k % 2)
            c.kv = {{"random", std::to_string(k)}};
        cases.push_back(std::move(c));
    }

    std::string json = "{\"files\":[";
    for (std::size_t i = 0; i < cases.size(); ++i) {
        std::string error;
        if (!writeCase(dir, cases[i], &error)) {
            std::fprintf(stderr, "FAIL writing %s: %s\n", cases[i].file.c_str(), error.c_str());
            return 1;
        }
        json += (i ? "," : "") + caseJson(cases[i]) + "\n";
        std::printf("wrote %s (%zu rows)\n", cases[i].file.c_str(), cases[i].rows);
    }
    json += "]}\n";
    std::ofstream(dir + "/expected.json") << json;
    return 0;
}
