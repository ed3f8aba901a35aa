#include "WsCodec.h"

#include "decode/Base64.h"

#include <bit>
#include <cstring>
#include <vector>

namespace vibra::loadgen {

std::size_t WsCodec::headerBytes(std::size_t n) {
    return (n < 126 ? 2 : n <= 0xFFFF ? 4 : 10) + 4;
}

std::size_t WsCodec::writeHeader(std::uint8_t* dst, Opcode op, std::size_t n, std::uint32_t key) {
    std::size_t i = 0;
    dst[i++] = static_cast<std::uint8_t>(0x80 | op);
    if (n < 126) {
        dst[i++] = static_cast<std::uint8_t>(0x80 | n);
    } else if (n <= 0xFFFF) {
        dst[i++] = 0x80 | 126;
        dst[i++] = static_cast<std::uint8_t>(n >> 8);
        dst[i++] = static_cast<std::uint8_t>(n);
    } else {
        dst[i++] = 0x80 | 127;
        for (int s = 56; s >= 0; s -= 8)
            dst[i++] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> s);
    }
    std::memcpy(dst + i, &key, 4);
    return i + 4;
}

void WsCodec::mask(std::uint8_t* data, std::size_t n, std::uint32_t key) {
    std::uint8_t k[4];
    std::memcpy(k, &key, 4);
    std::uint64_t k8 = 0;
    for (int j = 0; j < 8; ++j)
        k8 |= static_cast<std::uint64_t>(k[j % 4]) << (8 * j);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        // k8 is in memory order on little-endian machines; on big-endian swap the byte order first.
        if constexpr (std::endian::native == std::endian::little) {
            w ^= k8;
        } else {
            std::uint8_t b[8];
            std::memcpy(b, &w, 8);
            for (int j = 0; j < 8; ++j)
                b[j] ^= k[j % 4];
            std::memcpy(&w, b, 8);
        }
        std::memcpy(data + i, &w, 8);
    }
    for (; i < n; ++i)
        data[i] ^= k[i % 4];
}

std::string WsCodec::handshakeKey(std::uint64_t a, std::uint64_t b) {
    std::uint8_t raw[16];
    std::memcpy(raw, &a, 8);
    std::memcpy(raw + 8, &b, 8);
    return decode::Base64::encode(std::span<const std::uint8_t>(raw, 16));
}

WsReader::Result WsReader::next(Message& out) {
    for (;;) {
        const std::size_t avail = m_buf.size() - m_pos;
        const auto* p = reinterpret_cast<const std::uint8_t*>(m_buf.data()) + m_pos;
        if (avail < 2)
            break;
        const bool fin = (p[0] & 0x80) != 0;
        const auto op = static_cast<WsCodec::Opcode>(p[0] & 0x0F);
        if ((p[0] & 0x70) != 0) {
            m_error = "reserved bits set in a server frame";
            return Result::Error;
        }
        if ((p[1] & 0x80) != 0) {
            m_error = "masked server frame";
            return Result::Error;
        }
        std::size_t len = p[1] & 0x7F;
        std::size_t hdr = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = static_cast<std::size_t>(p[2]) << 8 | p[3];
            hdr = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            std::uint64_t l = 0;
            for (int j = 0; j < 8; ++j)
                l = l << 8 | p[2 + j];
            if (l > m_max) {
                m_error = "server message larger than " + std::to_string(m_max) + " bytes";
                return Result::Error;
            }
            len = static_cast<std::size_t>(l);
            hdr = 10;
        }
        if (len > m_max || m_partial.size() + len > m_max) {
            m_error = "server message larger than " + std::to_string(m_max) + " bytes";
            return Result::Error;
        }
        if (avail < hdr + len)
            break;
        const char* payload = reinterpret_cast<const char*>(p + hdr);
        m_pos += hdr + len;
        const bool control = (op & 0x08) != 0;
        if (control) {
            if (!fin || len > 125) {
                m_error = "invalid control frame";
                return Result::Error;
            }
            out.opcode = op;
            out.payload.assign(payload, len);
            return Result::Message;
        }
        if (op == WsCodec::Continuation) {
            if (!m_inFragments) {
                m_error = "continuation frame without a message";
                return Result::Error;
            }
            m_partial.append(payload, len);
        } else if (op == WsCodec::Text || op == WsCodec::Binary) {
            if (m_inFragments) {
                m_error = "new message inside a fragmented one";
                return Result::Error;
            }
            m_partialOp = op;
            m_partial.assign(payload, len);
            m_inFragments = true;
        } else {
            m_error = "unknown opcode " + std::to_string(op);
            return Result::Error;
        }
        if (fin) {
            m_inFragments = false;
            out.opcode = m_partialOp;
            out.payload.swap(m_partial);
            m_partial.clear();
            return Result::Message;
        }
    }
    // Compact consumed bytes so the buffer stays bounded.
    if (m_pos > 0) {
        m_buf.erase(0, m_pos);
        m_pos = 0;
    }
    return Result::NeedMore;
}

} // namespace vibra::loadgen
