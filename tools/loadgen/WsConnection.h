#pragma once

#include "WsCodec.h"

#include <cstdint>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace vibra::loadgen {

/// Where to connect (resolved once at start-up).
struct Endpoint {
    sockaddr_storage addr{};
    socklen_t addrLen = 0;
    std::string hostHeader; ///< "host:port" for the Host header
};

/// Why a connection ended (given to the owner exactly once per opened connection).
struct CloseInfo {
    enum class Kind {
        ConnectFailed,   ///< TCP connect failed (refused, unreachable)
        HandshakeFailed, ///< the server did not answer the upgrade with 101
        Timeout,         ///< no connect / handshake / hello within the connect timeout
        ServerClosed,    ///< a WebSocket close frame from the server (closeCode set)
        Lost,            ///< EOF or reset without a close frame, send/recv error
        ProtocolError    ///< malformed frames from the server
    } kind = Kind::Lost;
    int closeCode = 0; ///< WebSocket close code (ServerClosed)
    std::string reason;
    bool wasStreaming = false; ///< the server had sent its hello ack on this connection

    /// Failed before reaching the WebSocket layer (nothing there, or not a WebSocket server).
    bool transportFailure() const {
        return kind == Kind::ConnectFailed || kind == Kind::HandshakeFailed || kind == Kind::Timeout;
    }
    std::string describe() const;
};

class WsConnection;

/// Receives a connection's events (LoadDevice). Called on the connection's loop thread.
class ConnectionOwner {
public:
    virtual ~ConnectionOwner() = default;
    /// The server's first {"ack":N} after the handshake: the connection is now streaming.
    virtual void onHello(WsConnection& c, std::int64_t ack, std::int64_t nowNs) = 0;
    virtual void onAck(WsConnection& c, std::int64_t ack, std::int64_t nowNs) = 0;
    /// Any other text message ({"error":...}).
    virtual void onServerText(WsConnection& c, const std::string& text) = 0;
    /// The socket is closed; the connection is Idle again and may be reopened.
    virtual void onClosed(WsConnection& c, const CloseInfo& info, std::int64_t nowNs) = 0;
    /// The send buffer drained while streaming: more frames may be written.
    virtual void onWritable(WsConnection& c, std::int64_t nowNs) = 0;
};

/// One non-blocking WebSocket client connection on an epoll loop: TCP connect, HTTP upgrade, the
/// server's hello ack, then masked frames out and acks in. Owned by a LoadDevice, used only on its loop
/// thread. The send buffer is the only queue; the owner keeps it below a high-water mark.
class WsConnection {
public:
    enum class State { Idle, Connecting, Handshake, AwaitHello, Streaming, Closing };

    WsConnection(ConnectionOwner& owner, int epollFd);
    ~WsConnection();
    WsConnection(const WsConnection&) = delete;
    WsConnection& operator=(const WsConnection&) = delete;

    /// Starts connecting; request is the complete HTTP upgrade request. Failures arrive via onClosed.
    void open(const Endpoint& ep, std::string request, std::int64_t nowNs, std::int64_t timeoutNs);
    /// epoll events for this connection.
    void onEvents(std::uint32_t events, std::int64_t nowNs);
    /// Ends a connection stuck in connect / handshake / hello past its deadline.
    void checkDeadline(std::int64_t nowNs);
    /// Sends a close frame (1000) and half-closes; the socket is released on the server's close or EOF,
    /// by checkDeadline() after setCloseDeadline(), or by finishClosing().
    void beginClose();
    void setCloseDeadline(std::int64_t deadlineNs) { m_deadlineNs = deadlineNs; }
    /// Releases the socket without callbacks (end of run).
    void finishClosing();

    State state() const { return m_state; }
    bool isOpen() const { return m_fd >= 0; }
    /// Send buffer: append complete WebSocket frames, then flush().
    std::vector<std::uint8_t>& out() { return m_out; }
    std::size_t pendingBytes() const { return m_out.size() - m_outOff; }
    void flush(std::int64_t nowNs);
    /// A fresh masking key for the next client frame (xorshift; RFC 6455 asks for unpredictable keys
    /// against cache poisoning by intermediaries, which do not exist on the benchmark path).
    std::uint32_t nextMaskKey() {
        m_maskState ^= m_maskState << 13;
        m_maskState ^= m_maskState >> 17;
        m_maskState ^= m_maskState << 5;
        return m_maskState;
    }

    // Owner bookkeeping (LoadDevice): frame cursor and reconnect state of this connection.
    std::int64_t cursor = 0;          ///< next sequence to write
    std::int64_t highestWritten = -1; ///< highest sequence ever written on this connection
    bool everStreamed = false;
    int failuresInRow = 0;
    std::int64_t retryAtNs = 0;

private:
    void fail(CloseInfo::Kind kind, std::string reason, int code = 0);
    void onConnected(std::int64_t nowNs);
    void onReadable(std::int64_t nowNs);
    void consumeHandshake(const std::uint8_t* data, std::size_t n, std::int64_t nowNs);
    void processMessages(std::int64_t nowNs);
    void onText(const std::string& text, std::int64_t nowNs);
    void sendControl(WsCodec::Opcode op, const std::string& payload);
    void armWrite(bool on);
    void release();

    ConnectionOwner& m_owner;
    const int m_epollFd;
    int m_fd = -1;
    State m_state = State::Idle;
    bool m_writeArmed = false;
    std::int64_t m_deadlineNs = 0;
    std::int64_t m_nowNs = 0; ///< last time seen (for onClosed from nested calls)
    std::string m_handshake;  ///< response bytes until the blank line
    std::vector<std::uint8_t> m_out;
    std::size_t m_outOff = 0;
    WsReader m_reader{64 * 1024};
    WsReader::Message m_msg;
    std::uint32_t m_maskState;
};

} // namespace vibra::loadgen
