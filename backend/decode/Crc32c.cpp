#include "decode/Crc32c.h"

#include <array>

namespace vibra::decode {

namespace {

// Slicing-by-4 tables, built at compile time.
constexpr std::array<std::array<std::uint32_t, 256>, 4> makeTables() {
    std::array<std::array<std::uint32_t, 256>, 4> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i)
        for (std::size_t s = 1; s < 4; ++s)
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
    return t;
}

constexpr auto kTables = makeTables();

} // namespace

std::uint32_t crc32cUpdate(std::uint32_t state, std::span<const std::uint8_t> data) {
    std::uint32_t c = state;
    const std::uint8_t* p = data.data();
    std::size_t n = data.size();
    while (n >= 4) {
        c ^= static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
             static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
        c = kTables[3][c & 0xFFu] ^ kTables[2][(c >> 8) & 0xFFu] ^ kTables[1][(c >> 16) & 0xFFu] ^
            kTables[0][c >> 24];
        p += 4;
        n -= 4;
    }
    while (n--)
        c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFFu];
    return c;
}

std::uint32_t crc32c(std::span<const std::uint8_t> data) {
    return crc32cUpdate(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;
}

} // namespace vibra::decode
