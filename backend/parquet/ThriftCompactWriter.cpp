#include "parquet/ThriftCompactWriter.h"

#include <bit>
#include <cstring>

namespace vibra::parquet {

void ThriftCompactWriter::clear() {
    m_out.clear();
    m_lastIds.clear();
}

void ThriftCompactWriter::writeVarint(std::uint64_t v) {
    while (v >= 0x80) {
        m_out.push_back(static_cast<std::uint8_t>(v | 0x80));
        v >>= 7;
    }
    m_out.push_back(static_cast<std::uint8_t>(v));
}

void ThriftCompactWriter::beginStruct() {
    m_lastIds.push_back(0);
}

void ThriftCompactWriter::endStruct() {
    m_out.push_back(0x00);
    if (!m_lastIds.empty())
        m_lastIds.pop_back();
}

void ThriftCompactWriter::fieldHeader(std::int16_t id, std::uint8_t type) {
    std::int16_t& last = m_lastIds.back();
    const int delta = static_cast<int>(id) - static_cast<int>(last);
    if (delta > 0 && delta <= 15) {
        m_out.push_back(static_cast<std::uint8_t>((delta << 4) | type));
    } else {
        m_out.push_back(type);
        writeVarint(zigzag32(id));
    }
    last = id;
}

void ThriftCompactWriter::listHeader(Type elemType, std::size_t size) {
    if (size <= 14) {
        m_out.push_back(static_cast<std::uint8_t>((size << 4) | elemType));
    } else {
        m_out.push_back(static_cast<std::uint8_t>(0xF0 | elemType));
        writeVarint(size);
    }
}

void ThriftCompactWriter::fieldBool(std::int16_t id, bool value) {
    fieldHeader(id, value ? kBoolTrue : kBoolFalse);
}

void ThriftCompactWriter::fieldI16(std::int16_t id, std::int16_t value) {
    fieldHeader(id, kI16);
    writeVarint(zigzag32(value));
}

void ThriftCompactWriter::fieldI32(std::int16_t id, std::int32_t value) {
    fieldHeader(id, kI32);
    writeVarint(zigzag32(value));
}

void ThriftCompactWriter::fieldI64(std::int16_t id, std::int64_t value) {
    fieldHeader(id, kI64);
    writeVarint(zigzag64(value));
}

void ThriftCompactWriter::fieldDouble(std::int16_t id, double value) {
    fieldHeader(id, kDouble);
    const auto bits = std::bit_cast<std::uint64_t>(value);
    for (int i = 0; i < 8; ++i)
        m_out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

void ThriftCompactWriter::fieldBinary(std::int16_t id, std::span<const std::uint8_t> bytes) {
    fieldHeader(id, kBinary);
    listBinary(bytes);
}

void ThriftCompactWriter::fieldString(std::int16_t id, std::string_view text) {
    fieldHeader(id, kBinary);
    listString(text);
}

void ThriftCompactWriter::fieldStructBegin(std::int16_t id) {
    fieldHeader(id, kStruct);
    beginStruct();
}

void ThriftCompactWriter::fieldListBegin(std::int16_t id, Type elemType, std::size_t size) {
    fieldHeader(id, kList);
    listHeader(elemType, size);
}

void ThriftCompactWriter::listI32(std::int32_t value) {
    writeVarint(zigzag32(value));
}

void ThriftCompactWriter::listI64(std::int64_t value) {
    writeVarint(zigzag64(value));
}

void ThriftCompactWriter::listBinary(std::span<const std::uint8_t> bytes) {
    writeVarint(bytes.size());
    m_out.insert(m_out.end(), bytes.begin(), bytes.end());
}

void ThriftCompactWriter::listString(std::string_view text) {
    writeVarint(text.size());
    m_out.insert(m_out.end(), text.begin(), text.end());
}

} // namespace vibra::parquet
