#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vibra::loadgen {

/// RFC 6455 framing for the client side: masked frames out, unmasked frames in. Plain C++, no I/O.
class WsCodec {
public:
    enum Opcode : std::uint8_t { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 };
    static constexpr std::size_t kMaxHeaderBytes = 14;

    /// Header bytes (FIN set, MASK set, key included) for a payload of n bytes.
    static std::size_t headerBytes(std::size_t n);
    /// Writes the header for a final frame of opcode with a payload of n bytes masked with key; returns
    /// the header length (== headerBytes(n)).
    static std::size_t writeHeader(std::uint8_t* dst, Opcode op, std::size_t n, std::uint32_t key);
    /// XORs data with the 4-byte key (the key's bytes in the order they appear on the wire).
    static void mask(std::uint8_t* data, std::size_t n, std::uint32_t key);
    /// Handshake key: base64 of 16 bytes.
    static std::string handshakeKey(std::uint64_t a, std::uint64_t b);
};

/// Incremental parser of server-to-client frames. Feed bytes; complete messages (reassembled from
/// continuation frames) come back one at a time from next(). Bounded: a message above maxMessage bytes,
/// a masked server frame or reserved bits are protocol errors (the caller closes the connection).
class WsReader {
public:
    explicit WsReader(std::size_t maxMessage = 1 << 20)
        : m_max(maxMessage) {}

    enum class Result { NeedMore, Message, Error };
    struct Message {
        WsCodec::Opcode opcode = WsCodec::Text;
        std::string payload;
    };

    void feed(const std::uint8_t* data, std::size_t n) {
        m_buf.append(reinterpret_cast<const char*>(data), n);
    }
    /// Extracts the next complete message into out (control frames are returned as they come).
    Result next(Message& out);
    const std::string& error() const { return m_error; }
    void reset() {
        m_buf.clear();
        m_pos = 0;
        m_partial.clear();
        m_partialOp = WsCodec::Text;
        m_error.clear();
    }

private:
    std::size_t m_max;
    std::string m_buf;
    std::size_t m_pos = 0;
    std::string m_partial; ///< fragments of a data message
    WsCodec::Opcode m_partialOp = WsCodec::Text;
    bool m_inFragments = false;
    std::string m_error;
};

} // namespace vibra::loadgen
