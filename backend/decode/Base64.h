#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::decode {

/// Standard base64 (RFC 4648 section 4, with '=' padding). Pure functions, any thread.
class Base64 {
public:
    static std::string encode(std::span<const std::uint8_t> data);
    /// Strict decode: length a multiple of 4, correct padding, no whitespace. Returns false on bad input;
    /// never writes more than maxBytes (returns false instead).
    static bool decode(std::string_view text, std::vector<std::uint8_t>& out, std::size_t maxBytes);
};

} // namespace vibra::decode
