#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vibra::decode {

/// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF.
/// Check value: crc32c("123456789") == 0xE3069283. Pure function, any thread.
std::uint32_t crc32c(std::span<const std::uint8_t> data);

/// Incremental form: start with state = 0xFFFFFFFF, update over the pieces, final value = state ^ 0xFFFFFFFF.
/// Uses the CPU's CRC32C instruction (SSE4.2) when present, else slicing-by-4 tables.
std::uint32_t crc32cUpdate(std::uint32_t state, std::span<const std::uint8_t> data);
/// The table implementation alone (tests compare both).
std::uint32_t crc32cSoftware(std::uint32_t state, std::span<const std::uint8_t> data);

} // namespace vibra::decode
