#include "parquet/MetadataEncoder.h"
#include "parquet/ThriftCompactWriter.h"

namespace vibra::parquet {

namespace {

// parquet.thrift constants
constexpr std::int32_t kRepetitionRequired = 0;
constexpr std::int32_t kConvertedUtf8 = 0;
constexpr std::int32_t kConvertedTimestampMillis = 9;
constexpr std::int32_t kConvertedTimestampMicros = 10;
constexpr std::int32_t kPageTypeDataPage = 0;
constexpr std::int32_t kFormatVersion = 1;

void writeSchemaElement(ThriftCompactWriter& w, const Column& c) {
    w.beginStruct();
    w.fieldI32(1, static_cast<std::int32_t>(c.type));
    w.fieldI32(3, kRepetitionRequired);
    w.fieldString(4, c.name);
    if (c.type == PhysicalType::ByteArray) {
        w.fieldI32(6, kConvertedUtf8);
        w.fieldStructBegin(10); // logicalType: LogicalType union
        w.fieldStructBegin(1);  // STRING: StringType (empty)
        w.endStruct();
        w.endStruct();
    } else if (c.timestampUnit) {
        if (*c.timestampUnit == TimeUnit::Millis)
            w.fieldI32(6, kConvertedTimestampMillis);
        else if (*c.timestampUnit == TimeUnit::Micros)
            w.fieldI32(6, kConvertedTimestampMicros);
        w.fieldStructBegin(10); // logicalType: LogicalType union
        w.fieldStructBegin(8);  // TIMESTAMP: TimestampType
        w.fieldBool(1, true);   // isAdjustedToUTC
        w.fieldStructBegin(2);  // unit: TimeUnit union
        const auto unitId = static_cast<std::int16_t>(*c.timestampUnit == TimeUnit::Millis   ? 1
                                                      : *c.timestampUnit == TimeUnit::Micros ? 2
                                                                                             : 3);
        w.fieldStructBegin(unitId); // MilliSeconds / MicroSeconds / NanoSeconds: empty struct
        w.endStruct();
        w.endStruct(); // TimeUnit
        w.endStruct(); // TimestampType
        w.endStruct(); // LogicalType
    }
    w.endStruct();
}

void writeColumnChunk(ThriftCompactWriter& w, const Column& c, Compression codec, const ColumnChunkInfo& cc) {
    w.beginStruct();
    w.fieldI64(2, cc.dataPageOffset); // file_offset (legacy): start of the chunk
    w.fieldStructBegin(3);            // meta_data: ColumnMetaData
    w.fieldI32(1, static_cast<std::int32_t>(c.type));
    w.fieldListBegin(2, ThriftCompactWriter::kI32, 1);
    w.listI32(static_cast<std::int32_t>(c.byteStreamSplit ? Encoding::ByteStreamSplit : Encoding::Plain));
    w.fieldListBegin(3, ThriftCompactWriter::kBinary, 1);
    w.listString(c.name);
    w.fieldI32(4, static_cast<std::int32_t>(codec));
    w.fieldI64(5, cc.numValues);
    w.fieldI64(6, cc.totalUncompressedSize);
    w.fieldI64(7, cc.totalCompressedSize);
    w.fieldI64(9, cc.dataPageOffset);
    w.fieldStructBegin(12); // statistics
    w.fieldI64(3, 0);       // null_count
    if (cc.hasMinMax) {
        w.fieldBinary(5, cc.maxValue);
        w.fieldBinary(6, cc.minValue);
    }
    w.endStruct(); // Statistics
    w.endStruct(); // ColumnMetaData
    w.endStruct(); // ColumnChunk
}

} // namespace

std::vector<std::uint8_t> MetadataEncoder::fileMetaData(
    const std::vector<Column>& schema, Compression codec, const std::vector<RowGroupInfo>& rowGroups,
    const std::vector<std::pair<std::string, std::string>>& keyValues, const std::string& createdBy) {
    ThriftCompactWriter w;
    w.beginStruct();
    w.fieldI32(1, kFormatVersion);

    w.fieldListBegin(2, ThriftCompactWriter::kStruct, schema.size() + 1);
    w.beginStruct(); // root: name + num_children only
    w.fieldString(4, "schema");
    w.fieldI32(5, static_cast<std::int32_t>(schema.size()));
    w.endStruct();
    for (const Column& c : schema)
        writeSchemaElement(w, c);

    std::int64_t numRows = 0;
    for (const RowGroupInfo& rg : rowGroups)
        numRows += rg.numRows;
    w.fieldI64(3, numRows);

    w.fieldListBegin(4, ThriftCompactWriter::kStruct, rowGroups.size());
    for (std::size_t i = 0; i < rowGroups.size(); ++i) {
        const RowGroupInfo& rg = rowGroups[i];
        std::int64_t uncompressed = 0, compressed = 0;
        w.beginStruct();
        w.fieldListBegin(1, ThriftCompactWriter::kStruct, rg.columns.size());
        for (std::size_t c = 0; c < rg.columns.size(); ++c) {
            writeColumnChunk(w, schema[c], codec, rg.columns[c]);
            uncompressed += rg.columns[c].totalUncompressedSize;
            compressed += rg.columns[c].totalCompressedSize;
        }
        w.fieldI64(2, uncompressed); // total_byte_size
        w.fieldI64(3, rg.numRows);
        w.fieldI64(5, rg.fileOffset);
        w.fieldI64(6, compressed);
        w.fieldI16(7, static_cast<std::int16_t>(i)); // ordinal
        w.endStruct();
    }

    if (!keyValues.empty()) {
        w.fieldListBegin(5, ThriftCompactWriter::kStruct, keyValues.size());
        for (const auto& [k, v] : keyValues) {
            w.beginStruct();
            w.fieldString(1, k);
            w.fieldString(2, v);
            w.endStruct();
        }
    }
    w.fieldString(6, createdBy);

    // column_orders: TypeDefinedOrder for every leaf, so readers trust min_value/max_value.
    w.fieldListBegin(7, ThriftCompactWriter::kStruct, schema.size());
    for (std::size_t i = 0; i < schema.size(); ++i) {
        w.beginStruct();
        w.fieldStructBegin(1); // TYPE_ORDER: TypeDefinedOrder (empty)
        w.endStruct();
        w.endStruct();
    }
    w.endStruct();
    return w.take();
}

std::vector<std::uint8_t> MetadataEncoder::dataPageHeader(std::int32_t uncompressedSize,
                                                          std::int32_t compressedSize, std::int32_t numValues,
                                                          Encoding encoding,
                                                          std::optional<std::uint32_t> crc) {
    ThriftCompactWriter w;
    w.beginStruct();
    w.fieldI32(1, kPageTypeDataPage);
    w.fieldI32(2, uncompressedSize);
    w.fieldI32(3, compressedSize);
    if (crc)
        w.fieldI32(4, static_cast<std::int32_t>(*crc)); // i32 on the wire: the CRC's bits
    w.fieldStructBegin(5);                              // data_page_header
    w.fieldI32(1, numValues);
    w.fieldI32(2, static_cast<std::int32_t>(encoding));
    w.fieldI32(3, static_cast<std::int32_t>(Encoding::Rle)); // definition_level_encoding
    w.fieldI32(4, static_cast<std::int32_t>(Encoding::Rle)); // repetition_level_encoding
    w.endStruct();
    w.endStruct();
    return w.take();
}

} // namespace vibra::parquet
