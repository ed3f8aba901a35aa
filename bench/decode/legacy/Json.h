#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vibra::legacy {

/// Bounds applied while parsing (stack depth and memory).
struct JsonLimits {
    std::size_t maxDepth = 16;
    std::size_t maxValues = 1u << 20; ///< total values in the document
    std::size_t maxStringBytes = 1u << 24;
};

/// A small strict JSON (RFC 8259) value, enough for device messages. Qt-free so the parsers can be fuzzed
/// without Qt. Integers that fit in int64 keep their exact value (nanosecond timestamps exceed 2^53).
class Json {
public:
    enum class Type { Null, Bool, Number, String, Array, Object };

    Type type() const { return m_type; }
    bool isNull() const { return m_type == Type::Null; }
    bool isNumber() const { return m_type == Type::Number; }
    bool isString() const { return m_type == Type::String; }
    bool isArray() const { return m_type == Type::Array; }
    bool isObject() const { return m_type == Type::Object; }
    bool isBool() const { return m_type == Type::Bool; }

    bool boolean() const { return m_bool; }
    double number() const { return m_number; }
    /// True when the number was written as an integer that fits in int64.
    bool isInteger() const { return m_isInt; }
    std::int64_t integer() const { return m_int; }
    const std::string& string() const { return m_string; }
    const std::vector<Json>& array() const { return m_array; }
    const std::vector<std::pair<std::string, Json>>& object() const { return m_object; }
    /// Member lookup (first match); nullptr when absent or not an object.
    const Json* find(std::string_view key) const;

    using Limits = JsonLimits;

    /// Parses a whole document (surrounding whitespace allowed). Returns false and sets *error (with the
    /// byte offset) on invalid JSON, invalid UTF-8, trailing bytes or exceeded limits.
    static bool parse(std::string_view text, Json& out, std::string* error = nullptr,
                      const JsonLimits& limits = JsonLimits());

private:
    friend class JsonParser;
    Type m_type = Type::Null;
    bool m_bool = false;
    bool m_isInt = false;
    double m_number = 0.0;
    std::int64_t m_int = 0;
    std::string m_string;
    std::vector<Json> m_array;
    std::vector<std::pair<std::string, Json>> m_object;
};

} // namespace vibra::legacy
