#include "parquet/ParquetSchema.h"

namespace vibra::parquet {

const char* physicalTypeName(PhysicalType t) {
    switch (t) {
    case PhysicalType::Int32:
        return "INT32";
    case PhysicalType::Int64:
        return "INT64";
    case PhysicalType::Float:
        return "FLOAT";
    case PhysicalType::Double:
        return "DOUBLE";
    case PhysicalType::ByteArray:
        return "BYTE_ARRAY";
    }
    return "?";
}

const char* compressionName(Compression c) {
    switch (c) {
    case Compression::None:
        return "UNCOMPRESSED";
    case Compression::Snappy:
        return "SNAPPY";
    case Compression::Zstd:
        return "ZSTD";
    }
    return "?";
}

} // namespace vibra::parquet
