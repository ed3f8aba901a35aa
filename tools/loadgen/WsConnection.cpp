#include "WsConnection.h"

#include "SignalTable.h"
#include "decode/JsonBlock.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace vibra::loadgen {

namespace {

constexpr std::size_t kMaxHandshakeBytes = 16 * 1024;

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return s;
}

/// Fast path for the server's {"ack":N}; anything else goes through the JSON parser.
bool parseAck(const std::string& text, std::int64_t& ack) {
    static constexpr std::string_view kPrefix = "{\"ack\":";
    if (text.size() > kPrefix.size() + 1 && text.compare(0, kPrefix.size(), kPrefix) == 0 &&
        text.back() == '}') {
        const char* p = text.c_str() + kPrefix.size();
        char* end = nullptr;
        errno = 0;
        const long long v = std::strtoll(p, &end, 10);
        if (errno == 0 && end == text.c_str() + text.size() - 1 && end != p) {
            ack = v;
            return true;
        }
    }
    nlohmann::json doc;
    if (!decode::parseJson(text, doc) || !doc.is_object() || doc.size() != 1)
        return false;
    const auto a = doc.find("ack");
    std::int64_t v = 0;
    if (a == doc.end() || !decode::jsonInt64(*a, v))
        return false;
    ack = v;
    return true;
}

} // namespace

std::string CloseInfo::describe() const {
    switch (kind) {
    case Kind::ConnectFailed:
        return "connect failed: " + reason;
    case Kind::HandshakeFailed:
        return "handshake refused: " + reason;
    case Kind::Timeout:
        return "timeout: " + reason;
    case Kind::ServerClosed:
        return "closed by the server: " + std::to_string(closeCode) + (reason.empty() ? "" : " " + reason);
    case Kind::ProtocolError:
        return "protocol error: " + reason;
    case Kind::Lost:
        break;
    }
    return "connection lost: " + reason;
}

WsConnection::WsConnection(ConnectionOwner& owner, int epollFd)
    : m_owner(owner)
    , m_epollFd(epollFd) {
    SplitMix64 rng(reinterpret_cast<std::uintptr_t>(this) ^
                   static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    m_maskState = static_cast<std::uint32_t>(rng.next()) | 1u;
}

WsConnection::~WsConnection() {
    release();
}

void WsConnection::release() {
    if (m_fd >= 0)
        ::close(m_fd); // also removes it from the epoll set
    m_fd = -1;
    m_state = State::Idle;
    m_writeArmed = false;
    m_out.clear();
    m_outOff = 0;
    m_handshake.clear();
    m_reader.reset();
}

void WsConnection::fail(CloseInfo::Kind kind, std::string reason, int code) {
    if (m_fd < 0)
        return;
    CloseInfo info;
    info.kind = kind;
    info.reason = std::move(reason);
    info.closeCode = code;
    info.wasStreaming = m_state == State::Streaming;
    if (kind == CloseInfo::Kind::Lost && (m_state == State::Connecting || m_state == State::Handshake))
        info.kind = CloseInfo::Kind::HandshakeFailed; // e.g. not a WebSocket server
    const bool closing = m_state == State::Closing;
    release();
    if (!closing)
        m_owner.onClosed(*this, info, m_nowNs);
}

void WsConnection::open(const Endpoint& ep, std::string request, std::int64_t nowNs, std::int64_t timeoutNs) {
    release();
    m_nowNs = nowNs;
    m_deadlineNs = nowNs + timeoutNs;
    m_fd = ::socket(ep.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        CloseInfo info{CloseInfo::Kind::ConnectFailed, 0, std::string("socket: ") + std::strerror(errno),
                       false};
        m_owner.onClosed(*this, info, nowNs);
        return;
    }
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_state = State::Connecting;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = this;
    m_writeArmed = true;
    if (::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_fd, &ev) != 0) {
        fail(CloseInfo::Kind::ConnectFailed, std::string("epoll_ctl: ") + std::strerror(errno));
        return;
    }
    m_out.assign(request.begin(), request.end());
    if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.addrLen) != 0 && errno != EINPROGRESS)
        fail(CloseInfo::Kind::ConnectFailed, std::strerror(errno));
}

void WsConnection::checkDeadline(std::int64_t nowNs) {
    if (m_fd < 0 || nowNs < m_deadlineNs)
        return;
    m_nowNs = nowNs;
    if (m_state == State::Connecting)
        fail(CloseInfo::Kind::Timeout, "TCP connect");
    else if (m_state == State::Handshake)
        fail(CloseInfo::Kind::Timeout, "no WebSocket handshake answer");
    else if (m_state == State::AwaitHello)
        fail(CloseInfo::Kind::Timeout, "no {\"ack\":N} after the handshake");
    else if (m_state == State::Closing)
        release();
}

void WsConnection::armWrite(bool on) {
    if (m_fd < 0 || on == m_writeArmed)
        return;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.ptr = this;
    ::epoll_ctl(m_epollFd, EPOLL_CTL_MOD, m_fd, &ev);
    m_writeArmed = on;
}

void WsConnection::onEvents(std::uint32_t events, std::int64_t nowNs) {
    if (m_fd < 0)
        return;
    m_nowNs = nowNs;
    if (m_state == State::Connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
            return;
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(CloseInfo::Kind::ConnectFailed, std::strerror(err));
            return;
        }
        onConnected(nowNs);
        return;
    }
    if ((events & EPOLLERR) != 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        fail(CloseInfo::Kind::Lost, err ? std::strerror(err) : "socket error");
        return;
    }
    if ((events & (EPOLLIN | EPOLLHUP)) != 0)
        onReadable(nowNs);
    if (m_fd >= 0 && (events & EPOLLOUT) != 0) {
        flush(nowNs);
        if (m_fd >= 0 && m_state == State::Streaming && pendingBytes() == 0)
            m_owner.onWritable(*this, nowNs);
    }
}

void WsConnection::onConnected(std::int64_t nowNs) {
    m_state = State::Handshake;
    flush(nowNs); // the upgrade request queued by open()
}

void WsConnection::flush(std::int64_t nowNs) {
    if (nowNs > m_nowNs)
        m_nowNs = nowNs;
    while (m_fd >= 0 && m_outOff < m_out.size()) {
        const ssize_t n = ::send(m_fd, m_out.data() + m_outOff, m_out.size() - m_outOff, MSG_NOSIGNAL);
        if (n > 0) {
            m_outOff += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            armWrite(true);
            return;
        }
        fail(CloseInfo::Kind::Lost, std::string("send: ") + std::strerror(errno));
        return;
    }
    if (m_fd < 0)
        return;
    m_out.clear();
    m_outOff = 0;
    armWrite(false);
}

void WsConnection::onReadable(std::int64_t nowNs) {
    std::uint8_t buf[32 * 1024];
    while (m_fd >= 0) {
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (m_state == State::Handshake) {
                consumeHandshake(buf, static_cast<std::size_t>(n), nowNs);
            } else {
                m_reader.feed(buf, static_cast<std::size_t>(n));
                processMessages(nowNs);
            }
            if (static_cast<std::size_t>(n) < sizeof buf)
                return;
            continue;
        }
        if (n == 0) {
            if (m_state == State::Closing)
                release();
            else
                fail(CloseInfo::Kind::Lost, "the server closed the TCP connection");
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            fail(CloseInfo::Kind::Lost, std::string("recv: ") + std::strerror(errno));
        return;
    }
}

void WsConnection::consumeHandshake(const std::uint8_t* data, std::size_t n, std::int64_t nowNs) {
    m_handshake.append(reinterpret_cast<const char*>(data), n);
    const auto end = m_handshake.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (m_handshake.size() > kMaxHandshakeBytes)
            fail(CloseInfo::Kind::HandshakeFailed, "oversized HTTP response");
        return;
    }
    const std::string head = m_handshake.substr(0, end);
    const std::string statusLine = head.substr(0, head.find("\r\n"));
    if (statusLine.rfind("HTTP/1.1 101", 0) != 0) {
        fail(CloseInfo::Kind::HandshakeFailed, "'" + statusLine + "'");
        return;
    }
    if (lower(head).find("\r\nupgrade: websocket") == std::string::npos) {
        fail(CloseInfo::Kind::HandshakeFailed, "101 without 'Upgrade: websocket'");
        return;
    }
    const std::string rest = m_handshake.substr(end + 4);
    m_handshake.clear();
    m_state = State::AwaitHello;
    if (!rest.empty()) {
        m_reader.feed(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
        processMessages(nowNs);
    }
}

void WsConnection::processMessages(std::int64_t nowNs) {
    while (m_fd >= 0) {
        const WsReader::Result r = m_reader.next(m_msg);
        if (r == WsReader::Result::NeedMore)
            return;
        if (r == WsReader::Result::Error) {
            fail(CloseInfo::Kind::ProtocolError, m_reader.error());
            return;
        }
        switch (m_msg.opcode) {
        case WsCodec::Text:
            onText(m_msg.payload, nowNs);
            break;
        case WsCodec::Ping:
            sendControl(WsCodec::Pong, m_msg.payload);
            flush(nowNs);
            break;
        case WsCodec::Close: {
            int code = 1005; // no status code present
            std::string reason;
            if (m_msg.payload.size() >= 2) {
                code = static_cast<unsigned char>(m_msg.payload[0]) << 8 |
                       static_cast<unsigned char>(m_msg.payload[1]);
                reason = m_msg.payload.substr(2);
            }
            if (m_state == State::Closing) {
                release();
                return;
            }
            sendControl(WsCodec::Close, m_msg.payload.substr(0, 2));
            flush(nowNs);
            fail(CloseInfo::Kind::ServerClosed, reason, code);
            return;
        }
        default:
            break; // binary messages and pongs are not part of the ingest protocol's server side
        }
    }
}

void WsConnection::onText(const std::string& text, std::int64_t nowNs) {
    std::int64_t ack = 0;
    if (!parseAck(text, ack)) {
        if (m_state != State::Closing)
            m_owner.onServerText(*this, text);
        return;
    }
    if (m_state == State::Closing) {
        m_owner.onAck(*this, ack, nowNs); // late acks still count
        return;
    }
    if (m_state == State::AwaitHello) {
        m_state = State::Streaming;
        m_owner.onHello(*this, ack, nowNs);
    } else {
        m_owner.onAck(*this, ack, nowNs);
    }
}

void WsConnection::sendControl(WsCodec::Opcode op, const std::string& payload) {
    if (m_fd < 0)
        return;
    const std::size_t n = payload.size();
    const std::size_t at = m_out.size();
    m_out.resize(at + WsCodec::headerBytes(n) + n);
    const std::uint32_t key = nextMaskKey();
    const std::size_t h = WsCodec::writeHeader(m_out.data() + at, op, n, key);
    std::memcpy(m_out.data() + at + h, payload.data(), n);
    WsCodec::mask(m_out.data() + at + h, n, key);
}

void WsConnection::beginClose() {
    if (m_fd < 0)
        return;
    if (m_state != State::Streaming && m_state != State::AwaitHello) {
        release();
        return;
    }
    sendControl(WsCodec::Close, std::string("\x03\xe8", 2) + "done");
    flush(m_nowNs);
    if (m_fd < 0)
        return;
    m_state = State::Closing;
    if (pendingBytes() == 0)
        ::shutdown(m_fd, SHUT_WR);
}

void WsConnection::finishClosing() {
    release();
}

} // namespace vibra::loadgen
