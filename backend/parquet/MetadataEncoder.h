#pragma once

#include "parquet/ParquetSchema.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vibra::parquet {

/// Parquet `Encoding` values we use.
enum class Encoding : std::int32_t { Plain = 0, Rle = 3, ByteStreamSplit = 9 };

/// What the footer records about one column chunk (one column within one row group).
struct ColumnChunkInfo {
    std::int64_t numValues = 0;
    std::int64_t totalUncompressedSize = 0; // page headers included
    std::int64_t totalCompressedSize = 0;   // page headers included
    std::int64_t dataPageOffset = 0;        // file offset of the first PageHeader
    bool hasMinMax = false;                 // false when a float/double chunk holds a NaN
    std::vector<std::uint8_t> minValue;     // PLAIN-encoded
    std::vector<std::uint8_t> maxValue;
};

struct RowGroupInfo {
    std::int64_t numRows = 0;
    std::int64_t fileOffset = 0;
    std::vector<ColumnChunkInfo> columns;
};

/// Serialises Parquet footer structures (FileMetaData, PageHeader) with the Thrift compact protocol.
/// Stateless; callable from any thread.
class MetadataEncoder {
public:
    static std::vector<std::uint8_t> fileMetaData(
        const std::vector<Column>& schema, Compression codec, const std::vector<RowGroupInfo>& rowGroups,
        const std::vector<std::pair<std::string, std::string>>& keyValues, const std::string& createdBy);

    /// PageHeader of a V1 DATA_PAGE of a REQUIRED column (no levels; level encodings declared RLE), with the
    /// optional CRC-32 of the page bytes.
    static std::vector<std::uint8_t> dataPageHeader(std::int32_t uncompressedSize,
                                                    std::int32_t compressedSize, std::int32_t numValues,
                                                    Encoding encoding,
                                                    std::optional<std::uint32_t> crc = std::nullopt);
};

} // namespace vibra::parquet
