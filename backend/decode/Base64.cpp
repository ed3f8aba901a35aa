#include "decode/Base64.h"

#include <array>

namespace vibra::decode {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> makeReverse() {
    std::array<std::int8_t, 256> r{};
    for (auto& v : r)
        v = -1;
    for (int i = 0; i < 64; ++i)
        r[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    return r;
}
constexpr auto kReverse = makeReverse();
} // namespace

std::string Base64::encode(std::span<const std::uint8_t> d) {
    std::string s;
    s.reserve((d.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= d.size(); i += 3) {
        const std::uint32_t v = std::uint32_t{d[i]} << 16 | std::uint32_t{d[i + 1]} << 8 | d[i + 2];
        s.push_back(kAlphabet[v >> 18]);
        s.push_back(kAlphabet[(v >> 12) & 63]);
        s.push_back(kAlphabet[(v >> 6) & 63]);
        s.push_back(kAlphabet[v & 63]);
    }
    if (d.size() - i == 1) {
        const std::uint32_t v = std::uint32_t{d[i]} << 16;
        s.push_back(kAlphabet[v >> 18]);
        s.push_back(kAlphabet[(v >> 12) & 63]);
        s += "==";
    } else if (d.size() - i == 2) {
        const std::uint32_t v = std::uint32_t{d[i]} << 16 | std::uint32_t{d[i + 1]} << 8;
        s.push_back(kAlphabet[v >> 18]);
        s.push_back(kAlphabet[(v >> 12) & 63]);
        s.push_back(kAlphabet[(v >> 6) & 63]);
        s.push_back('=');
    }
    return s;
}

bool Base64::decode(std::string_view t, std::vector<std::uint8_t>& out, std::size_t maxBytes) {
    out.clear();
    if (t.size() % 4 != 0 || t.size() / 4 * 3 > maxBytes + 2)
        return false;
    out.reserve(t.size() / 4 * 3);
    for (std::size_t i = 0; i < t.size(); i += 4) {
        const bool last = i + 4 == t.size();
        int pad = 0;
        if (last && t[i + 3] == '=') {
            pad = (t[i + 2] == '=') ? 2 : 1;
        }
        std::uint32_t v = 0;
        for (int k = 0; k < 4; ++k) {
            const auto c = static_cast<unsigned char>(t[i + static_cast<std::size_t>(k)]);
            std::int8_t d;
            if (k >= 4 - pad) {
                if (c != '=')
                    return false;
                d = 0;
            } else {
                d = kReverse[c];
                if (d < 0)
                    return false;
            }
            v = v << 6 | static_cast<std::uint32_t>(d);
        }
        out.push_back(static_cast<std::uint8_t>(v >> 16));
        if (pad < 2)
            out.push_back(static_cast<std::uint8_t>(v >> 8));
        if (pad < 1)
            out.push_back(static_cast<std::uint8_t>(v));
    }
    return out.size() <= maxBytes;
}

} // namespace vibra::decode
