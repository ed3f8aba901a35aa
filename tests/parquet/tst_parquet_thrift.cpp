// Thrift compact protocol encoder and the Parquet footer/page-header encodings, asserted byte for byte
// against values derived by hand from apache/thrift doc/specs/thrift-compact-protocol.md and parquet.thrift
// (the worked bytes of shared/reference/storage.md). The oracle test (DuckDB, hyparquet) decodes whole
// footers independently.
#include "TestCheck.h"
#include "parquet/Crc32.h"
#include "parquet/MetadataEncoder.h"
#include "parquet/ThriftCompactWriter.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace vibra::parquet;
using Bytes = std::vector<std::uint8_t>;

namespace {

std::string hex(const Bytes& b) {
    std::string s;
    char buf[4];
    for (auto v : b) {
        std::snprintf(buf, sizeof buf, "%02X ", v);
        s += buf;
    }
    return s;
}

Bytes str(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

bool contains(const Bytes& hay, const Bytes& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

#define CHECK_BYTES(actual, expected)                                                                        \
    CHECK_MSG((actual) == (expected), "got " + hex(actual) + " want " + hex(expected))

void primitives() {
    CHECK(ThriftCompactWriter::zigzag32(0) == 0);
    CHECK(ThriftCompactWriter::zigzag32(-1) == 1);
    CHECK(ThriftCompactWriter::zigzag32(1) == 2);
    CHECK(ThriftCompactWriter::zigzag32(-2) == 3);
    CHECK(ThriftCompactWriter::zigzag32(std::numeric_limits<std::int32_t>::max()) == 0xFFFFFFFEu);
    CHECK(ThriftCompactWriter::zigzag32(std::numeric_limits<std::int32_t>::min()) == 0xFFFFFFFFu);
    CHECK(ThriftCompactWriter::zigzag64(std::numeric_limits<std::int64_t>::min()) == ~std::uint64_t{0});

    ThriftCompactWriter w;
    w.writeVarint(300);
    CHECK_BYTES(w.bytes(), (Bytes{0xAC, 0x02}));
    w.clear();
    w.writeVarint(~std::uint64_t{0}); // 64 bits -> 10 bytes
    CHECK_BYTES(w.bytes(), (Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

void fields() {
    ThriftCompactWriter w;
    w.beginStruct();
    w.fieldI32(1, -3);            // 15 05
    w.fieldI64(2, 1234567890123); // 26 + zigzag varint
    w.fieldBool(3, true);         // 11
    w.fieldBool(4, false);        // 12
    w.fieldDouble(5, 1.0);        // 17 00 00 00 00 00 00 F0 3F
    w.fieldString(20, "ab");      // delta 15 -> F8 02 61 62
    w.fieldI16(40, 7);            // delta 20 > 15: long form 04 50 0E
    w.fieldI32(2, 1);             // id goes down: long form 05 04 02
    w.fieldStructBegin(3);        // delta 1 -> 1C
    w.fieldI32(1, 0);             // nested struct counts from 0 again: 15 00
    w.endStruct();                // 00
    w.fieldI32(4, 0);             // back in the outer struct, last id 3: 15 00
    w.endStruct();                // 00
    CHECK(w.depth() == 0);
    ThriftCompactWriter v;
    v.writeVarint(ThriftCompactWriter::zigzag64(1234567890123));
    const Bytes expected = cat({{0x15, 0x05, 0x16},
                                v.bytes(),
                                {0x11, 0x12, 0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F},
                                {0xF8, 0x02, 'a', 'b'},
                                {0x04, 0x50, 0x0E},
                                {0x05, 0x04, 0x02},
                                {0x1C, 0x15, 0x00, 0x00},
                                {0x15, 0x00},
                                {0x00}});
    CHECK_BYTES(w.bytes(), expected);
}

void lists() {
    ThriftCompactWriter w;
    w.beginStruct();
    w.fieldListBegin(1, ThriftCompactWriter::kI32, 3); // 19 35
    w.listI32(0);
    w.listI32(-1);
    w.listI32(64);                                         // 00 01 80 01
    w.fieldListBegin(2, ThriftCompactWriter::kStruct, 15); // 19 FC 0F
    for (int i = 0; i < 15; ++i) {
        w.beginStruct();
        w.endStruct();
    }
    w.fieldListBegin(3, ThriftCompactWriter::kBinary, 14); // 19 E8
    for (int i = 0; i < 14; ++i)
        w.listString("");
    w.fieldListBegin(4, ThriftCompactWriter::kStruct, 0); // 19 0C
    w.endStruct();
    const Bytes expected = cat({{0x19, 0x35, 0x00, 0x01, 0x80, 0x01},
                                {0x19, 0xFC, 0x0F},
                                Bytes(15, 0x00),
                                {0x19, 0xE8},
                                Bytes(14, 0x00),
                                {0x19, 0x0C},
                                {0x00}});
    CHECK_BYTES(w.bytes(), expected);
}

// The worked example of storage.md section 2.
void workedFooterBytes() {
    const std::vector<Column> schema = {{"t", PhysicalType::Int64, TimeUnit::Micros, false},
                                        {"x", PhysicalType::Float, std::nullopt, false},
                                        {"y", PhysicalType::Float, std::nullopt, false},
                                        {"z", PhysicalType::Float, std::nullopt, false}};
    const Bytes fmd = MetadataEncoder::fileMetaData(schema, Compression::Zstd, {}, {}, "vibrascope");
    const Bytes root = cat({{0x48, 0x06}, str("schema"), {0x15, 0x08, 0x00}}); // name, num_children 4, stop
    const Bytes leafT = {0x15, 0x04, 0x25, 0x00, 0x18, 0x01, 't', // type INT64, REQUIRED, name "t"
                         0x25, 0x14,                              // converted_type TIMESTAMP_MICROS
                         0x4C, 0x8C, 0x11, 0x1C, 0x2C, 0x00, 0x00, 0x00, 0x00, // TIMESTAMP(UTC, MICROS)
                         0x00};                                                // end of SchemaElement
    const Bytes leafX = {0x15, 0x08, 0x25, 0x00, 0x18, 0x01, 'x', 0x00};       // FLOAT, REQUIRED, "x"
    const Bytes prefix = cat({{0x15, 0x02}, {0x19, 0x5C}, root, leafT, leafX});
    CHECK_MSG(fmd.size() > prefix.size() && Bytes(fmd.begin(), fmd.begin() + prefix.size()) == prefix,
              "footer starts " + hex(Bytes(fmd.begin(), fmd.begin() + std::min(fmd.size(), prefix.size()))) +
                  " want " + hex(prefix));
    // then num_rows 0 (16 00), an empty row_groups list (19 0C), created_by (28 0A ...), column_orders (19 4C
    // ...)
    const Bytes tail = cat({{0x16, 0x00, 0x19, 0x0C, 0x28, 0x0A}, str("vibrascope"), {0x19, 0x4C}});
    CHECK_MSG(contains(fmd, tail), hex(fmd));
    CHECK(fmd.back() == 0x00);

    // NANOS: no converted type, so the logicalType header is a delta of 6 from field 4 (6C); its body matches
    // the reference's "8C 11 1C 3C 00 00 00 00".
    const std::vector<Column> ns = {{"t", PhysicalType::Int64, TimeUnit::Nanos, false}};
    const Bytes fmdNs = MetadataEncoder::fileMetaData(ns, Compression::Zstd, {}, {}, "v");
    const Bytes leafNs = {0x15, 0x04, 0x25, 0x00, 0x18, 0x01, 't',  0x6C, 0x8C,
                          0x11, 0x1C, 0x3C, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_MSG(contains(fmdNs, leafNs), hex(fmdNs));
    // MILLIS: converted_type TIMESTAMP_MILLIS (9 -> zigzag 0x12), unit id 1.
    const std::vector<Column> ms = {{"t", PhysicalType::Int64, TimeUnit::Millis, false}};
    const Bytes fmdMs = MetadataEncoder::fileMetaData(ms, Compression::Zstd, {}, {}, "v");
    const Bytes leafMs = {0x15, 0x04, 0x25, 0x00, 0x18, 0x01, 't',  0x25, 0x12, 0x4C,
                          0x8C, 0x11, 0x1C, 0x1C, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_MSG(contains(fmdMs, leafMs), hex(fmdMs));
    // String: BYTE_ARRAY (6 -> 0C), converted_type UTF8 (25 00), logicalType (4C) STRING (1C) {} 00 00, stop.
    const std::vector<Column> st = {{"d", PhysicalType::ByteArray, std::nullopt, false}};
    const Bytes fmdSt = MetadataEncoder::fileMetaData(st, Compression::Zstd, {}, {}, "v");
    const Bytes leafSt = {0x15, 0x0C, 0x25, 0x00, 0x18, 0x01, 'd', 0x25, 0x00, 0x4C, 0x1C, 0x00, 0x00, 0x00};
    CHECK_MSG(contains(fmdSt, leafSt), hex(fmdSt));
}

void keyValueAndRowGroup() {
    const std::vector<Column> schema = {{"v", PhysicalType::Double, std::nullopt, true}};
    RowGroupInfo rg;
    rg.numRows = 3;
    rg.fileOffset = 4;
    ColumnChunkInfo cc;
    cc.numValues = 3;
    cc.totalUncompressedSize = 40;
    cc.totalCompressedSize = 30;
    cc.dataPageOffset = 4;
    cc.hasMinMax = true;
    cc.minValue = Bytes(8, 0x11);
    cc.maxValue = Bytes(8, 0x22);
    rg.columns.push_back(cc);
    const Bytes fmd = MetadataEncoder::fileMetaData(schema, Compression::Snappy, {rg},
                                                    {{"device", "sim://a"}}, "vibrascope");
    // ColumnChunk: file_offset 4 (26 08), meta_data (1C): type DOUBLE (15 0A), encodings [BYTE_STREAM_SPLIT]
    // (19 15 12), path ["v"] (19 18 01 76), codec SNAPPY (15 02), num_values 3 (16 06), sizes 40/30 (16 50 16
    // 3C), data_page_offset 4 (26 08), statistics (3C): null_count 0 (36 00), max (28 08 ..), min (18 08 ..),
    // stops.
    const Bytes chunk =
        cat({{0x26, 0x08, 0x1C, 0x15, 0x0A, 0x19, 0x15, 0x12, 0x19, 0x18, 0x01, 'v',  0x15, 0x02,
              0x16, 0x06, 0x16, 0x50, 0x16, 0x3C, 0x26, 0x08, 0x3C, 0x36, 0x00, 0x28, 0x08},
             Bytes(8, 0x22),
             {0x18, 0x08},
             Bytes(8, 0x11),
             {0x00, 0x00, 0x00}});
    CHECK_MSG(contains(fmd, chunk), hex(fmd));
    // RowGroup rest: total_byte_size 40 (16 50), num_rows 3 (16 06), file_offset 4 (26 08),
    // total_compressed_size 30 (16 3C), ordinal 0 as i16 (14 00), stop.
    CHECK_MSG(contains(fmd, {0x16, 0x50, 0x16, 0x06, 0x26, 0x08, 0x16, 0x3C, 0x14, 0x00, 0x00}), hex(fmd));
    // num_rows 3 and key_value_metadata [{device, sim://a}]: 16 06 19 1C | 19 1C 18 06 device 18 07 sim://a
    // 00
    CHECK_MSG(
        contains(fmd, cat({{0x19, 0x1C, 0x18, 0x06}, str("device"), {0x18, 0x07}, str("sim://a"), {0x00}})),
        hex(fmd));
}

void pageHeader() {
    const Bytes h = MetadataEncoder::dataPageHeader(100, 50, 25, Encoding::Plain);
    const Bytes expected = {0x15, 0x00, 0x15, 0xC8, 0x01, 0x15, 0x64, 0x2C, 0x15,
                            0x32, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00};
    CHECK_BYTES(h, expected);
    // With a CRC (field 4, i32 bits): 0xCBF43926 as int32 = -873187034 -> zigzag 1746374067 -> B3 9B DE C0 06
    const Bytes hc = MetadataEncoder::dataPageHeader(100, 50, 25, Encoding::ByteStreamSplit, 0xCBF43926u);
    const Bytes expectedCrc = {0x15, 0x00, 0x15, 0xC8, 0x01, 0x15, 0x64, 0x15, 0xB3, 0x9B, 0xDE, 0xC0,
                               0x06, 0x1C, 0x15, 0x32, 0x15, 0x12, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00};
    CHECK_BYTES(hc, expectedCrc);
}

void crc32() {
    const Bytes check = str("123456789");
    CHECK(Crc32::compute(check) == 0xCBF43926u); // the standard check value
    CHECK(Crc32::compute({}) == 0);
    // In pieces (and across the 8-byte fast path) == in one go; one flipped bit changes it.
    Bytes big(1000);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::uint8_t>(i * 7 + 3);
    const std::uint32_t whole = Crc32::compute(big);
    const std::uint32_t parts =
        Crc32::compute(std::span(big).subspan(13), Crc32::compute(std::span(big).first(13)));
    CHECK(whole == parts);
    big[500] ^= 0x10;
    CHECK(Crc32::compute(big) != whole);
}

} // namespace

int main() {
    primitives();
    fields();
    lists();
    workedFooterBytes();
    keyValueAndRowGroup();
    pageHeader();
    crc32();
    return vibra::parquet::test::finish("tst_parquet_thrift");
}
