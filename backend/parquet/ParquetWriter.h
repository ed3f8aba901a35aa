#pragma once

#include "parquet/AtomicFile.h"
#include "parquet/MetadataEncoder.h"
#include "parquet/PageCompressor.h"
#include "parquet/ParquetSchema.h"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vibra::parquet {

/// One column's values for ParquetWriter::appendRows; the alternative must match the column's PhysicalType
/// (Int32 -> int32_t, Int64 -> int64_t, Float -> float, Double -> double, ByteArray -> string_view of UTF-8).
using ColumnValues =
    std::variant<std::span<const std::int32_t>, std::span<const std::int64_t>, std::span<const float>,
                 std::span<const double>, std::span<const std::string_view>>;

/// Streaming writer of a flat Parquet file: REQUIRED INT32/INT64/FLOAT/DOUBLE/string columns, optional
/// TIMESTAMP(UTC) logical type on INT64, V1 data pages encoded PLAIN (or BYTE_STREAM_SPLIT for floats),
/// compressed with ZSTD, SNAPPY or nothing, min/max/null_count statistics and key/value metadata in the
/// footer.
///
/// Memory is bounded by one row group: rows are buffered per column until WriterOptions::rowGroupRows (or,
/// soft, maxRowGroupBytes), then the row group is written as pages of at most maxPageBytes (a single longer
/// string gets a page of its own) and the buffers are reused. Only the footer's
/// per-row-group bookkeeping (~100 bytes per column per row group) grows with the file.
///
/// Durability: data goes to PATH.partial; close() writes the footer, fsyncs, renames to PATH and fsyncs the
/// directory. On any I/O error (ENOSPC, EFBIG, EIO, ...) the call returns false with a message, the partial
/// is removed and the writer is failed (every later call returns false) until the next open(). abort() and
/// the destructor of an unclosed writer remove the partial. Nothing ever appears under PATH unless close()
/// succeeded.
///
/// Threading: not thread-safe; the single thread that calls open() owns the writer until close()/abort().
class ParquetWriter {
public:
    ParquetWriter() = default;
    ~ParquetWriter();
    ParquetWriter(const ParquetWriter&) = delete;
    ParquetWriter& operator=(const ParquetWriter&) = delete;

    bool open(const std::string& path, std::vector<Column> schema, WriterOptions options, std::string* error);

    /// Appends one batch, column-wise: one entry per schema column, in schema order, all of equal length.
    /// A batch may span several row groups. Type or length mismatches are rejected without touching the file.
    bool appendRows(std::span<const ColumnValues> columns, std::string* error);
    bool appendRows(std::initializer_list<ColumnValues> columns, std::string* error) {
        return appendRows(std::span<const ColumnValues>(columns.begin(), columns.size()), error);
    }

    /// Sets (or replaces) one footer key/value pair; allowed any time between open() and close().
    void setMetadata(std::string key, std::string value);

    /// Flushes the last row group, writes the footer and publishes the file under its final name.
    bool close(std::string* error);
    /// Drops everything written so far and removes the partial file.
    void abort();

    bool isOpen() const { return m_state == State::Open; }
    /// Rows accepted by appendRows() since open() (buffered or on disk).
    std::uint64_t rowsWritten() const { return m_rowsAccepted; }
    /// Bytes written to the file so far (the buffered row group is not counted until it is flushed).
    std::uint64_t bytesWritten() const { return m_file.offset(); }
    std::size_t rowGroupsWritten() const { return m_rowGroups.size(); }
    const std::vector<Column>& schema() const { return m_schema; }

private:
    enum class State { Closed, Open, Failed };

    bool flushRowGroup(std::string* error);
    bool writeColumnChunk(std::size_t column, ColumnChunkInfo* info, std::string* error);
    bool fail(const std::string& message, std::string* error);
    bool checkUsable(std::string* error) const;

    State m_state = State::Closed;
    std::string m_failure;
    std::vector<Column> m_schema;
    WriterOptions m_options;
    AtomicFile m_file;
    PageCompressor m_compressor;
    std::vector<std::vector<std::uint8_t>> m_buffers; // PLAIN bytes of the open row group, one per column
    std::size_t m_buffered = 0;                       // rows in m_buffers
    std::size_t m_bufferedBytes = 0;                  // bytes in m_buffers
    std::vector<std::uint8_t> m_encoded;              // BYTE_STREAM_SPLIT scratch, one page
    std::vector<RowGroupInfo> m_rowGroups;
    std::vector<std::pair<std::string, std::string>> m_keyValues;
    std::uint64_t m_rowsAccepted = 0;
};

} // namespace vibra::parquet
