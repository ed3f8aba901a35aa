#pragma once

#include <charconv>
#include <cstdio>
#include <string>

namespace vibra::exporting {

/// A JSON string literal (quotes, backslashes and control characters escaped), for file metadata.
inline std::string jsonString(const std::string& s) {
    std::string o = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            o += '\\';
            o += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            o += buf;
        } else {
            o += ch;
        }
    }
    return o + "\"";
}

/// Shortest text that reads back to exactly v; "null" for NaN and infinities (not representable in JSON).
inline std::string jsonNumber(double v) {
    if (!(v == v) || v - v != 0)
        return "null";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : "null";
}

} // namespace vibra::exporting
