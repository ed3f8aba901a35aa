#pragma once

#include <cstdint>
#include <span>

namespace vibra::parquet {

/// CRC-32 as used by gzip/zlib and the Parquet page checksum (reflected polynomial 0xEDB88320, init and final
/// xor 0xFFFFFFFF; check value crc32("123456789") = 0xCBF43926), computed by the system zlib (crc32_z).
/// Stateless and thread-safe.
class Crc32 {
public:
    /// CRC of `bytes`, continuing from `crc` (pass the previous result to checksum data in pieces).
    static std::uint32_t compute(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);
};

} // namespace vibra::parquet
