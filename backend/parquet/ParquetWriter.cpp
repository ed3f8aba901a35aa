#include "parquet/ParquetWriter.h"
#include "parquet/Crc32.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <set>

namespace vibra::parquet {

static_assert(std::endian::native == std::endian::little,
              "PLAIN encoding is little-endian; port the buffer copy");

namespace {

constexpr std::uint8_t kMagic[4] = {'P', 'A', 'R', '1'};
constexpr std::size_t kMaxRowGroupRows = std::size_t{1} << 30;
constexpr std::size_t kMaxPageBytes = std::size_t{1} << 30; // page sizes are i32 in the PageHeader

template <typename T> std::vector<std::uint8_t> plainBytes(T v) {
    std::vector<std::uint8_t> out(sizeof(T));
    std::memcpy(out.data(), &v, sizeof(T));
    return out;
}

/// min/max of PLAIN-encoded values. Floating point: no min/max if any NaN (spec), a zero min is written as
/// -0.0 and a zero max as +0.0 (parquet.thrift ColumnOrder rules).
template <typename T> void computeStats(const std::uint8_t* data, std::size_t n, ColumnChunkInfo* info) {
    info->hasMinMax = false;
    if (n == 0)
        return;
    T lo, hi;
    std::memcpy(&lo, data, sizeof(T));
    hi = lo;
    for (std::size_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, data + i * sizeof(T), sizeof(T));
        if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(v))
                return;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if constexpr (std::is_floating_point_v<T>) {
        if (lo == T(0))
            lo = -T(0);
        if (hi == T(0))
            hi = T(0);
    }
    info->hasMinMax = true;
    info->minValue = plainBytes(lo);
    info->maxValue = plainBytes(hi);
}

/// BYTE_STREAM_SPLIT: byte k of value i goes to out[k * n + i].
void byteStreamSplit(const std::uint8_t* in, std::size_t n, std::size_t width, std::uint8_t* out) {
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < width; ++k)
            out[k * n + i] = in[i * width + k];
}

bool matches(const ColumnValues& v, PhysicalType t) {
    switch (t) {
    case PhysicalType::Int32:
        return std::holds_alternative<std::span<const std::int32_t>>(v);
    case PhysicalType::Int64:
        return std::holds_alternative<std::span<const std::int64_t>>(v);
    case PhysicalType::Float:
        return std::holds_alternative<std::span<const float>>(v);
    case PhysicalType::Double:
        return std::holds_alternative<std::span<const double>>(v);
    case PhysicalType::ByteArray:
        return std::holds_alternative<std::span<const std::string_view>>(v);
    }
    return false;
}

std::size_t lengthOf(const ColumnValues& v) {
    return std::visit([](const auto& s) { return s.size(); }, v);
}

/// Appends PLAIN values [from, from + n) of one column to a row-group buffer.
void appendPlain(const ColumnValues& v, std::size_t from, std::size_t n, std::vector<std::uint8_t>* out) {
    std::visit(
        [&](const auto& s) {
            using T = typename std::decay_t<decltype(s)>::value_type;
            if constexpr (std::is_same_v<std::remove_cv_t<T>, std::string_view>) {
                for (std::size_t i = from; i < from + n; ++i) {
                    const std::string_view text = s[i];
                    const auto len = static_cast<std::uint32_t>(text.size());
                    const std::uint8_t lenBytes[4] = {
                        static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
                        static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 24)};
                    out->insert(out->end(), lenBytes, lenBytes + 4);
                    out->insert(out->end(), text.begin(), text.end());
                }
            } else {
                const auto* src = reinterpret_cast<const std::uint8_t*>(s.data() + from);
                out->insert(out->end(), src, src + n * sizeof(T));
            }
        },
        v);
}

std::string_view stringAt(const std::uint8_t* p) {
    std::uint32_t len;
    std::memcpy(&len, p, 4);
    return {reinterpret_cast<const char*>(p + 4), len};
}

/// min/max of PLAIN BYTE_ARRAY values, compared as unsigned bytes (char_traits<char> compares like memcmp).
/// Omitted when either is longer than kMaxStringStatBytes.
void computeStringStats(const std::uint8_t* data, std::size_t n, ColumnChunkInfo* info) {
    info->hasMinMax = false;
    if (n == 0)
        return;
    std::string_view lo = stringAt(data), hi = lo;
    const std::uint8_t* p = data;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string_view v = stringAt(p);
        p += 4 + v.size();
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (lo.size() > kMaxStringStatBytes || hi.size() > kMaxStringStatBytes)
        return;
    info->hasMinMax = true;
    info->minValue.assign(lo.begin(), lo.end());
    info->maxValue.assign(hi.begin(), hi.end());
}

bool setError(std::string* error, std::string message) {
    if (error)
        *error = std::move(message);
    return false;
}

} // namespace

ParquetWriter::~ParquetWriter() {
    abort();
}

bool ParquetWriter::open(const std::string& path, std::vector<Column> schema, WriterOptions options,
                         std::string* error) {
    abort();
    m_failure.clear();
    if (schema.empty())
        return setError(error, "parquet schema has no columns");
    std::set<std::string> names;
    for (const Column& c : schema) {
        if (c.name.empty())
            return setError(error, "parquet column name is empty");
        if (!names.insert(c.name).second)
            return setError(error, "duplicate parquet column name '" + c.name + "'");
        if (c.timestampUnit && c.type != PhysicalType::Int64)
            return setError(error,
                            "column '" + c.name + "': a TIMESTAMP logical type needs physical type INT64");
        if (c.byteStreamSplit && c.type != PhysicalType::Float && c.type != PhysicalType::Double)
            return setError(error,
                            "column '" + c.name + "': BYTE_STREAM_SPLIT is only offered for FLOAT/DOUBLE");
    }
    if (options.rowGroupRows == 0 || options.rowGroupRows > kMaxRowGroupRows)
        return setError(error, "rowGroupRows must be in [1, " + std::to_string(kMaxRowGroupRows) + "], got " +
                                   std::to_string(options.rowGroupRows));
    if (options.maxPageBytes < 8 || options.maxPageBytes > kMaxPageBytes)
        return setError(error, "maxPageBytes must be in [8, " + std::to_string(kMaxPageBytes) + "], got " +
                                   std::to_string(options.maxPageBytes));
    if (options.maxRowGroupBytes == 0)
        return setError(error, "maxRowGroupBytes must be positive");
    if (options.compression != Compression::None && options.compression != Compression::Snappy &&
        options.compression != Compression::Zstd)
        return setError(error,
                        "unknown compression codec " + std::to_string(static_cast<int>(options.compression)));
    if (!m_compressor.init(options.compression, options.zstdLevel, error))
        return false;

    m_schema = std::move(schema);
    m_options = std::move(options);
    try { // the whole row group is reserved up front: memory stays constant while writing
        m_buffers.assign(m_schema.size(), {});
        for (std::size_t c = 0; c < m_schema.size(); ++c)
            m_buffers[c].reserve(m_options.rowGroupRows * (m_schema[c].type == PhysicalType::ByteArray
                                                               ? 8
                                                               : physicalWidth(m_schema[c].type)));
    } catch (const std::bad_alloc&) {
        m_buffers.clear();
        return setError(error, "cannot allocate row-group buffers for " +
                                   std::to_string(m_options.rowGroupRows) + " rows x " +
                                   std::to_string(m_schema.size()) + " columns");
    }
    m_buffered = 0;
    m_rowGroups.clear();
    m_keyValues.clear();
    m_rowsAccepted = 0;

    if (!m_file.open(path, error))
        return false;
    m_state = State::Open;
    std::string err;
    if (!m_file.write(kMagic, &err))
        return fail(err, error);
    return true;
}

bool ParquetWriter::checkUsable(std::string* error) const {
    if (m_state == State::Failed)
        return setError(error, "parquet writer failed earlier: " + m_failure);
    if (m_state != State::Open)
        return setError(error, "parquet writer is not open");
    return true;
}

bool ParquetWriter::fail(const std::string& message, std::string* error) {
    m_failure = message;
    m_state = State::Failed;
    m_file.discard();
    m_buffers.clear();
    m_buffered = 0;
    return setError(error, message);
}

bool ParquetWriter::appendRows(std::span<const ColumnValues> columns, std::string* error) {
    if (!checkUsable(error))
        return false;
    if (columns.size() != m_schema.size())
        return setError(error, "appendRows got " + std::to_string(columns.size()) + " columns, schema has " +
                                   std::to_string(m_schema.size()));
    const std::size_t n = columns.empty() ? 0 : lengthOf(columns[0]);
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (!matches(columns[c], m_schema[c].type))
            return setError(error, "appendRows: column '" + m_schema[c].name + "' expects " +
                                       physicalTypeName(m_schema[c].type) + " values");
        if (lengthOf(columns[c]) != n)
            return setError(error, "appendRows: column '" + m_schema[c].name + "' has " +
                                       std::to_string(lengthOf(columns[c])) + " values, column '" +
                                       m_schema[0].name + "' has " + std::to_string(n));
        if (const auto* s = std::get_if<std::span<const std::string_view>>(&columns[c])) {
            for (std::size_t i = 0; i < s->size(); ++i)
                if ((*s)[i].size() > kMaxStringBytes)
                    return setError(error,
                                    "appendRows: column '" + m_schema[c].name + "' row " + std::to_string(i) +
                                        ": a string of " + std::to_string((*s)[i].size()) +
                                        " bytes exceeds the limit of " + std::to_string(kMaxStringBytes));
        }
    }
    std::size_t done = 0;
    while (done < n) {
        const std::size_t take = std::min(n - done, m_options.rowGroupRows - m_buffered);
        m_bufferedBytes = 0;
        try { // only strings can grow a buffer past its reservation
            for (std::size_t c = 0; c < columns.size(); ++c) {
                appendPlain(columns[c], done, take, &m_buffers[c]);
                m_bufferedBytes += m_buffers[c].size();
            }
        } catch (const std::bad_alloc&) {
            return fail("out of memory while buffering a row group (" + std::to_string(m_buffered) + " rows)",
                        error);
        }
        m_buffered += take;
        done += take;
        m_rowsAccepted += take;
        if ((m_buffered == m_options.rowGroupRows || m_bufferedBytes >= m_options.maxRowGroupBytes) &&
            !flushRowGroup(error))
            return false;
    }
    return true;
}

void ParquetWriter::setMetadata(std::string key, std::string value) {
    for (auto& kv : m_keyValues) {
        if (kv.first == key) {
            kv.second = std::move(value);
            return;
        }
    }
    m_keyValues.emplace_back(std::move(key), std::move(value));
}

bool ParquetWriter::writeColumnChunk(std::size_t column, ColumnChunkInfo* info, std::string* error) {
    const Column& col = m_schema[column];
    const std::size_t width = physicalWidth(col.type);
    const std::vector<std::uint8_t>& buffer = m_buffers[column];
    const std::uint8_t* data = buffer.data();
    info->numValues = static_cast<std::int64_t>(m_buffered);
    info->dataPageOffset = static_cast<std::int64_t>(m_file.offset());
    switch (col.type) {
    case PhysicalType::Int32:
        computeStats<std::int32_t>(data, m_buffered, info);
        break;
    case PhysicalType::Int64:
        computeStats<std::int64_t>(data, m_buffered, info);
        break;
    case PhysicalType::Float:
        computeStats<float>(data, m_buffered, info);
        break;
    case PhysicalType::Double:
        computeStats<double>(data, m_buffered, info);
        break;
    case PhysicalType::ByteArray:
        computeStringStats(data, m_buffered, info);
        break;
    }
    const Encoding encoding = col.byteStreamSplit ? Encoding::ByteStreamSplit : Encoding::Plain;
    const std::size_t rowsPerPage = width ? std::max<std::size_t>(1, m_options.maxPageBytes / width) : 0;
    std::size_t offset = 0; // byte offset of the next page's first value in the buffer
    for (std::size_t row = 0; row < m_buffered;) {
        std::size_t rows = 0, bytes = 0;
        if (width) {
            rows = std::min(rowsPerPage, m_buffered - row);
            bytes = rows * width;
        } else { // strings: as many whole values as fit, at least one
            while (row + rows < m_buffered) {
                const std::size_t next = 4 + stringAt(data + offset + bytes).size();
                if (rows > 0 && bytes + next > m_options.maxPageBytes)
                    break;
                bytes += next;
                ++rows;
            }
        }
        std::span<const std::uint8_t> body(data + offset, bytes);
        if (col.byteStreamSplit) {
            m_encoded.resize(body.size());
            byteStreamSplit(body.data(), rows, width, m_encoded.data());
            body = m_encoded;
        }
        std::span<const std::uint8_t> compressed;
        if (!m_compressor.compress(body, &compressed, error))
            return false;
        if (compressed.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
            return setError(error, "compressed page larger than 2 GiB");
        const auto header = MetadataEncoder::dataPageHeader(
            static_cast<std::int32_t>(body.size()), static_cast<std::int32_t>(compressed.size()),
            static_cast<std::int32_t>(rows), encoding,
            m_options.pageChecksums ? std::optional(Crc32::compute(compressed)) : std::nullopt);
        if (!m_file.write(header, error) || !m_file.write(compressed, error))
            return false;
        info->totalUncompressedSize += static_cast<std::int64_t>(header.size() + body.size());
        info->totalCompressedSize += static_cast<std::int64_t>(header.size() + compressed.size());
        row += rows;
        offset += bytes;
    }
    return true;
}

bool ParquetWriter::flushRowGroup(std::string* error) {
    if (m_buffered == 0)
        return true;
    RowGroupInfo rg;
    rg.numRows = static_cast<std::int64_t>(m_buffered);
    rg.fileOffset = static_cast<std::int64_t>(m_file.offset());
    rg.columns.resize(m_schema.size());
    std::string err;
    for (std::size_t c = 0; c < m_schema.size(); ++c) {
        if (!writeColumnChunk(c, &rg.columns[c], &err))
            return fail(err, error);
    }
    m_rowGroups.push_back(std::move(rg));
    for (auto& b : m_buffers)
        b.clear(); // keeps capacity: no allocation for the next row group
    m_buffered = 0;
    m_bufferedBytes = 0;
    return true;
}

bool ParquetWriter::close(std::string* error) {
    if (!checkUsable(error))
        return false;
    if (!flushRowGroup(error))
        return false;
    const std::vector<std::uint8_t> footer = MetadataEncoder::fileMetaData(
        m_schema, m_options.compression, m_rowGroups, m_keyValues, m_options.createdBy);
    const auto len = static_cast<std::uint32_t>(footer.size());
    const std::uint8_t lenBytes[4] = {static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
                                      static_cast<std::uint8_t>(len >> 16),
                                      static_cast<std::uint8_t>(len >> 24)};
    std::string err;
    if (!m_file.write(footer, &err) || !m_file.write(lenBytes, &err) || !m_file.write(kMagic, &err))
        return fail(err, error);
    if (!m_file.commit(m_options.sync, &err)) {
        m_failure = err;
        m_state = State::Failed;
        return setError(error, err);
    }
    m_state = State::Closed;
    return true;
}

void ParquetWriter::abort() {
    m_file.discard();
    m_buffers.clear();
    m_buffered = 0;
    m_rowGroups.clear();
    m_keyValues.clear();
    m_state = State::Closed;
}

} // namespace vibra::parquet
