#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace vibra::parquet {

/// Parquet physical types we write (values are the parquet.thrift `Type` enum).
/// ByteArray columns are UTF-8 strings (logical type STRING, converted type UTF8).
enum class PhysicalType : std::int32_t { Int32 = 1, Int64 = 2, Float = 4, Double = 5, ByteArray = 6 };

/// Page compression (values are the parquet.thrift `CompressionCodec` enum).
enum class Compression : std::int32_t { None = 0, Snappy = 1, Zstd = 6 };

/// Unit of a TIMESTAMP logical type (only valid on Int64 columns).
enum class TimeUnit { Millis, Micros, Nanos };

/// One REQUIRED leaf column of the flat schema.
struct Column {
    std::string name;
    PhysicalType type = PhysicalType::Double;
    /// Set => logical type TIMESTAMP(isAdjustedToUTC=true, unit); Int64 only. Millis/Micros also set the
    /// legacy ConvertedType TIMESTAMP_MILLIS/TIMESTAMP_MICROS (there is none for nanoseconds).
    std::optional<TimeUnit> timestampUnit;
    /// BYTE_STREAM_SPLIT encoding instead of PLAIN (Float/Double only; helps ZSTD on noisy floats).
    bool byteStreamSplit = false;
};

struct WriterOptions {
    Compression compression = Compression::Zstd;
    int zstdLevel = 3;
    /// Rows buffered per row group (the writer holds at most this many rows per column in memory).
    std::size_t rowGroupRows = 65536;
    /// Upper bound of one data page's uncompressed body; a row group's column chunk is cut into pages of at
    /// most this size (rounded down to whole values, at least one value).
    std::size_t maxPageBytes = 1u << 20;
    /// Soft bound of the buffered row group in bytes (matters for strings): when the buffered columns reach
    /// it after an appended chunk, the row group is written early, with fewer than rowGroupRows rows.
    std::size_t maxRowGroupBytes = std::size_t{128} << 20;
    std::string createdBy = "vibrascope";
    /// Store a CRC-32 of every page (PageHeader.crc, over the page bytes as written) so readers can detect
    /// corruption.
    bool pageChecksums = true;
    /// fsync the file before the rename and the directory after it (off only for benchmarks/tests on tmpfs).
    bool sync = true;
};

/// Bytes per value of a fixed-width type (0 for ByteArray, whose PLAIN values are a u32 length + bytes).
inline std::size_t physicalWidth(PhysicalType t) {
    return t == PhysicalType::ByteArray ? 0 : (t == PhysicalType::Int32 || t == PhysicalType::Float) ? 4 : 8;
}

/// Longest string value accepted by the writer.
constexpr std::size_t kMaxStringBytes = std::size_t{16} << 20;
/// String min/max statistics are omitted for a chunk whose min or max is longer than this.
constexpr std::size_t kMaxStringStatBytes = 64;

const char* physicalTypeName(PhysicalType t);
const char* compressionName(Compression c);

} // namespace vibra::parquet
