#include "parquet/Crc32.h"

#include <zlib.h>

namespace vibra::parquet {

std::uint32_t Crc32::compute(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
    if (bytes.empty())
        return crc; // zlib returns the initial value for a null buffer; keep `crc` for an empty piece too
    return static_cast<std::uint32_t>(crc32_z(crc, bytes.data(), bytes.size()));
}

} // namespace vibra::parquet
