#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace vibra::parquet {

/// Encoder for the Apache Thrift *compact* protocol, just what a Parquet footer and page headers need
/// (apache/thrift doc/specs/thrift-compact-protocol.md): zigzag varints, field headers with id deltas,
/// nested structs, lists, binary/string and bool fields. Writes into an in-memory byte vector.
///
/// Usage: beginStruct(); fieldI32(1, v); ...; endStruct(). A nested struct field is
/// fieldStructBegin(id) ... endStruct(); a list is fieldListBegin(id, elemType, n) followed by n list
/// elements (listI32/listBinary, or beginStruct()/endStruct() for struct elements).
///
/// Threading: a plain value object, owned by whichever thread builds the message.
class ThriftCompactWriter {
public:
    /// Compact-protocol type nibbles.
    enum Type : std::uint8_t {
        kBoolTrue = 1,
        kBoolFalse = 2,
        kByte = 3,
        kI16 = 4,
        kI32 = 5,
        kI64 = 6,
        kDouble = 7,
        kBinary = 8,
        kList = 9,
        kSet = 10,
        kMap = 11,
        kStruct = 12,
    };

    /// Starts a struct (a top-level message, a list element or, after fieldStructBegin, a nested field).
    void beginStruct();
    /// Writes the stop byte 0x00 and returns to the enclosing struct's field-id numbering.
    void endStruct();

    void fieldBool(std::int16_t id, bool value);
    void fieldI16(std::int16_t id, std::int16_t value);
    void fieldI32(std::int16_t id, std::int32_t value);
    void fieldI64(std::int16_t id, std::int64_t value);
    void fieldDouble(std::int16_t id, double value);
    void fieldBinary(std::int16_t id, std::span<const std::uint8_t> bytes);
    void fieldString(std::int16_t id, std::string_view text);
    /// Field header of a nested struct, then beginStruct(); close it with endStruct().
    void fieldStructBegin(std::int16_t id);
    /// Field header of a list plus the list header; then write exactly `size` elements of `elemType`.
    void fieldListBegin(std::int16_t id, Type elemType, std::size_t size);

    void listI32(std::int32_t value);
    void listI64(std::int64_t value);
    void listBinary(std::span<const std::uint8_t> bytes);
    void listString(std::string_view text);

    const std::vector<std::uint8_t>& bytes() const { return m_out; }
    std::vector<std::uint8_t> take() { return std::move(m_out); }
    void clear();
    /// Depth of open structs (0 when every beginStruct() has been closed).
    std::size_t depth() const { return m_lastIds.size(); }

    // Primitive encoders, public for tests.
    static std::uint32_t zigzag32(std::int32_t v) {
        return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
    }
    static std::uint64_t zigzag64(std::int64_t v) {
        return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
    }
    void writeVarint(std::uint64_t v);

private:
    void fieldHeader(std::int16_t id, std::uint8_t type);
    void listHeader(Type elemType, std::size_t size);

    std::vector<std::uint8_t> m_out;
    std::vector<std::int16_t> m_lastIds; // last field id written, one per open struct
};

} // namespace vibra::parquet
