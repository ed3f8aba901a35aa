#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::redis {

/// One RESP2 reply, owned and copied out of hiredis (so it outlives the connection and can be built by tests
/// and fuzzers without a server). Strings are binary-safe.
struct Value {
    enum class Type { Nil, String, Status, Error, Integer, Array };
    Type type = Type::Nil;
    std::string str;             ///< String, Status and Error
    long long integer = 0;       ///< Integer
    std::vector<Value> elements; ///< Array

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    bool isArray() const { return type == Type::Array; }
    bool isString() const { return type == Type::String || type == Type::Status; }
    std::size_t size() const { return elements.size(); }
    const Value& operator[](std::size_t i) const { return elements[i]; }
    /// String or status reply text equal to s.
    bool is(std::string_view s) const { return isString() && str == s; }

    static Value string(std::string s) {
        Value v;
        v.type = Type::String;
        v.str = std::move(s);
        return v;
    }
    static Value array(std::vector<Value> e) {
        Value v;
        v.type = Type::Array;
        v.elements = std::move(e);
        return v;
    }
};

} // namespace vibra::redis
