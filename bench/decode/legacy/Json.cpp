#include "legacy/Json.h"

#include <charconv>

namespace vibra::legacy {

const Json* Json::find(std::string_view key) const {
    if (m_type != Type::Object)
        return nullptr;
    for (const auto& [k, v] : m_object)
        if (k == key)
            return &v;
    return nullptr;
}

/// Recursive-descent parser with depth and size limits. Stack use is bounded by Limits::maxDepth.
class JsonParser {
public:
    JsonParser(std::string_view s, const Json::Limits& limits)
        : m_s(s)
        , m_limits(limits) {}

    bool run(Json& out, std::string* error) {
        skipWs();
        const bool ok = value(out, 0);
        if (ok) {
            skipWs();
            if (m_pos != m_s.size())
                fail("trailing characters after the JSON value");
        }
        if (!m_error.empty()) {
            if (error)
                *error = m_error + " at byte " + std::to_string(m_pos);
            return false;
        }
        return true;
    }

private:
    bool fail(const char* msg) {
        if (m_error.empty())
            m_error = msg;
        return false;
    }
    void skipWs() {
        while (m_pos < m_s.size() &&
               (m_s[m_pos] == ' ' || m_s[m_pos] == '\t' || m_s[m_pos] == '\n' || m_s[m_pos] == '\r'))
            ++m_pos;
    }
    bool literal(std::string_view word) {
        if (m_s.substr(m_pos, word.size()) != word)
            return fail("invalid literal");
        m_pos += word.size();
        return true;
    }

    bool value(Json& out, std::size_t depth) {
        if (depth > m_limits.maxDepth)
            return fail("nesting too deep");
        if (++m_values > m_limits.maxValues)
            return fail("too many values");
        if (m_pos >= m_s.size())
            return fail("unexpected end of input");
        const char c = m_s[m_pos];
        switch (c) {
        case '{':
            return object(out, depth);
        case '[':
            return array(out, depth);
        case '"':
            out.m_type = Json::Type::String;
            return string(out.m_string);
        case 't':
            out.m_type = Json::Type::Bool;
            out.m_bool = true;
            return literal("true");
        case 'f':
            out.m_type = Json::Type::Bool;
            out.m_bool = false;
            return literal("false");
        case 'n':
            out.m_type = Json::Type::Null;
            return literal("null");
        default:
            return number(out);
        }
    }

    bool object(Json& out, std::size_t depth) {
        out.m_type = Json::Type::Object;
        ++m_pos; // {
        skipWs();
        if (m_pos < m_s.size() && m_s[m_pos] == '}') {
            ++m_pos;
            return true;
        }
        for (;;) {
            skipWs();
            if (m_pos >= m_s.size() || m_s[m_pos] != '"')
                return fail("expected a member name");
            std::string key;
            if (!string(key))
                return false;
            skipWs();
            if (m_pos >= m_s.size() || m_s[m_pos] != ':')
                return fail("expected ':'");
            ++m_pos;
            skipWs();
            out.m_object.emplace_back(std::move(key), Json{});
            if (!value(out.m_object.back().second, depth + 1))
                return false;
            skipWs();
            if (m_pos >= m_s.size())
                return fail("unterminated object");
            if (m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_s[m_pos] == '}') {
                ++m_pos;
                return true;
            }
            return fail("expected ',' or '}'");
        }
    }

    bool array(Json& out, std::size_t depth) {
        out.m_type = Json::Type::Array;
        ++m_pos; // [
        skipWs();
        if (m_pos < m_s.size() && m_s[m_pos] == ']') {
            ++m_pos;
            return true;
        }
        for (;;) {
            skipWs();
            out.m_array.emplace_back();
            if (!value(out.m_array.back(), depth + 1))
                return false;
            skipWs();
            if (m_pos >= m_s.size())
                return fail("unterminated array");
            if (m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_s[m_pos] == ']') {
                ++m_pos;
                return true;
            }
            return fail("expected ',' or ']'");
        }
    }

    static void appendUtf8(std::string& s, std::uint32_t cp) {
        if (cp < 0x80) {
            s.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    bool hex4(std::uint32_t& v) {
        if (m_s.size() - m_pos < 4)
            return fail("truncated \\u escape");
        v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_s[m_pos++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                return fail("bad \\u escape");
        }
        return true;
    }

    // Validates one UTF-8 sequence starting at m_pos (first byte >= 0x80) and copies it.
    bool utf8(std::string& out) {
        const auto b0 = static_cast<unsigned char>(m_s[m_pos]);
        std::size_t len;
        std::uint32_t cp;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            len = 2;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            len = 3;
            cp = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            len = 4;
            cp = b0 & 0x07;
        } else {
            return fail("invalid UTF-8");
        }
        if (m_s.size() - m_pos < len)
            return fail("truncated UTF-8");
        for (std::size_t i = 1; i < len; ++i) {
            const auto b = static_cast<unsigned char>(m_s[m_pos + i]);
            if ((b & 0xC0) != 0x80)
                return fail("invalid UTF-8");
            cp = (cp << 6) | (b & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return fail("invalid UTF-8");
        out.append(m_s.substr(m_pos, len));
        m_pos += len;
        return true;
    }

    bool string(std::string& out) {
        ++m_pos; // opening quote
        for (;;) {
            if (m_pos >= m_s.size())
                return fail("unterminated string");
            if (out.size() > m_limits.maxStringBytes)
                return fail("string too long");
            const char c = m_s[m_pos];
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20)
                return fail("control character in string");
            if (static_cast<unsigned char>(c) >= 0x80) {
                if (!utf8(out))
                    return false;
                continue;
            }
            if (c != '\\') {
                out.push_back(c);
                ++m_pos;
                continue;
            }
            if (++m_pos >= m_s.size())
                return fail("unterminated escape");
            const char e = m_s[m_pos++];
            switch (e) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '/':
                out.push_back('/');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                std::uint32_t cp;
                if (!hex4(cp))
                    return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t lo;
                    if (m_s.size() - m_pos < 6 || m_s[m_pos] != '\\' || m_s[m_pos + 1] != 'u')
                        return fail("unpaired surrogate");
                    m_pos += 2;
                    if (!hex4(lo))
                        return false;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail("unpaired surrogate");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail("unpaired surrogate");
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                return fail("bad escape");
            }
        }
    }

    bool number(Json& out) {
        // Validate the RFC 8259 grammar first; from_chars is more permissive (e.g. leading zeros).
        const std::size_t start = m_pos;
        std::size_t p = m_pos;
        const auto digit = [&](std::size_t i) { return i < m_s.size() && m_s[i] >= '0' && m_s[i] <= '9'; };
        if (p < m_s.size() && m_s[p] == '-')
            ++p;
        if (!digit(p))
            return fail("invalid value");
        if (m_s[p] == '0')
            ++p;
        else
            while (digit(p))
                ++p;
        bool integral = true;
        if (p < m_s.size() && m_s[p] == '.') {
            integral = false;
            ++p;
            if (!digit(p))
                return fail("invalid number");
            while (digit(p))
                ++p;
        }
        if (p < m_s.size() && (m_s[p] == 'e' || m_s[p] == 'E')) {
            integral = false;
            ++p;
            if (p < m_s.size() && (m_s[p] == '+' || m_s[p] == '-'))
                ++p;
            if (!digit(p))
                return fail("invalid number");
            while (digit(p))
                ++p;
        }
        out.m_type = Json::Type::Number;
        const char* b = m_s.data() + start;
        const char* e = m_s.data() + p;
        if (integral) {
            std::int64_t iv = 0;
            const auto r = std::from_chars(b, e, iv);
            if (r.ec == std::errc() && r.ptr == e) {
                out.m_isInt = true;
                out.m_int = iv;
            }
        }
        double dv = 0.0;
        const auto r = std::from_chars(b, e, dv);
        if (r.ec == std::errc::result_out_of_range)
            return fail("number out of range");
        if (r.ec != std::errc() || r.ptr != e)
            return fail("invalid number");
        out.m_number = dv;
        m_pos = p;
        return true;
    }

    std::string_view m_s;
    const Json::Limits& m_limits;
    std::size_t m_pos = 0;
    std::size_t m_values = 0;
    std::string m_error;
};

bool Json::parse(std::string_view text, Json& out, std::string* error, const Limits& limits) {
    out = Json{};
    JsonParser p(text, limits);
    return p.run(out, error);
}

} // namespace vibra::legacy
