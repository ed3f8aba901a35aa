#include "LoadDevice.h"

#include "FrameWriter.h"
#include "LoadLoop.h"

#include <algorithm>
#include <cmath>

namespace vibra::loadgen {

namespace {

constexpr std::int64_t kMs = 1'000'000;

std::string upgradeRequest(const LoadLoop& loop, const std::string& device, int index) {
    const LoadOptions& o = loop.options();
    SplitMix64 rng(o.seed ^ (0x6B6579ull + static_cast<std::uint64_t>(index)));
    const std::uint64_t a = rng.next();
    std::string r = "GET " + o.url.target(device) + " HTTP/1.1\r\nHost: " + loop.endpoint().hostHeader +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
                    WsCodec::handshakeKey(a, rng.next()) + "\r\nSec-WebSocket-Version: 13\r\n";
    if (!o.token.empty())
        r += "Authorization: Bearer " + o.token + "\r\n";
    r += "User-Agent: vibra-loadgen\r\n\r\n";
    return r;
}

} // namespace

LoadDevice::LoadDevice(LoadLoop& loop, int index, std::int64_t startNs, std::int64_t utcStartNs)
    : m_loop(loop)
    , m_opt(loop.options())
    , m_index(index)
    , m_name(loop.options().deviceName(index))
    , m_request(upgradeRequest(loop, m_name, index))
    , m_startNs(startNs)
    , m_utcStartNs(utcStartNs)
    , m_signal(loop.signal().device(index))
    , m_total(loop.options().framesPerDevice())
    , m_rng(loop.options().seed + 0x9000u + static_cast<std::uint64_t>(index)) {
    for (int i = 0; i < m_opt.connectionsPerDevice; ++i)
        m_conns.push_back(std::make_unique<WsConnection>(*this, loop.epollFd()));
}

std::int64_t LoadDevice::dueFrames(std::int64_t nowNs) const {
    if (nowNs <= m_startNs)
        return 0;
    const double elapsedS = static_cast<double>(nowNs - m_startNs) * 1e-9;
    const auto k = static_cast<std::int64_t>(std::floor(elapsedS * m_opt.rateHz / m_opt.block));
    return std::min(k, m_total);
}

std::int64_t LoadDevice::dueTimeNs(std::int64_t seq) const {
    return m_startNs + std::llround(static_cast<double>(seq + 1) * m_opt.block * 1e9 / m_opt.rateHz);
}

void LoadDevice::stopAt(std::int64_t nowNs) {
    m_total = std::min(m_total, dueFrames(nowNs));
}

void LoadDevice::release(std::int64_t nowNs, std::int64_t dtNs) {
    const std::int64_t due = dueFrames(nowNs);
    const std::int64_t limit = std::min(due, m_ack + 1 + m_opt.window);
    if (limit > m_released) {
        if (m_backlog > 0)
            m_stats.lateFrames += std::min(limit - m_released, m_backlog);
        m_released = limit;
    }
    m_backlog = std::max<std::int64_t>(0, due - m_released);
    if (m_backlog > 0) {
        m_stats.lateNs += std::min(dtNs, nowNs - m_startNs);
        m_stats.backlogMaxFrames = std::max(m_stats.backlogMaxFrames, m_backlog);
    }
    m_stats.maxWindow = std::max(m_stats.maxWindow, m_released - (m_ack + 1));
}

void LoadDevice::tick(std::int64_t nowNs, std::int64_t dtNs) {
    if (nowNs < m_startNs)
        return;
    if (!m_started) {
        m_started = true;
        for (auto& c : m_conns)
            c->retryAtNs = nowNs;
    }
    release(nowNs, dtNs);
    if (m_closing) {
        checkClosing(nowNs);
        return;
    }
    for (auto& c : m_conns) {
        if (!c->isOpen()) {
            if (nowNs >= c->retryAtNs)
                open(*c, nowNs);
        } else {
            c->checkDeadline(nowNs);
        }
        if (c->state() == WsConnection::State::Streaming)
            pump(*c, nowNs);
    }
}

void LoadDevice::open(WsConnection& c, std::int64_t nowNs) {
    const auto timeoutNs = static_cast<std::int64_t>(m_opt.connectTimeoutS * 1e9);
    c.open(m_loop.endpoint(), m_request, nowNs, timeoutNs);
}

void LoadDevice::pump(WsConnection& c, std::int64_t nowNs) {
    bool wrote = false;
    while (c.cursor < m_released && c.pendingBytes() < kHighWaterBytes) {
        appendFrame(c, c.cursor);
        ++c.cursor;
        wrote = true;
    }
    if (wrote)
        c.flush(nowNs);
}

void LoadDevice::appendFrame(WsConnection& c, std::int64_t seq) {
    const int n = m_opt.block;
    const int axes = m_opt.axes;
    std::vector<std::int16_t>& samples = m_loop.scratch();
    samples.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(axes));
    const auto first = static_cast<std::uint64_t>(seq) * static_cast<std::uint64_t>(n);
    m_loop.signal().fill(m_signal, m_opt.signal, first, n, axes, samples.data());
    FrameSpec spec;
    spec.device = static_cast<std::uint16_t>(m_index & 0xFFFF);
    spec.axes = static_cast<std::uint8_t>(axes);
    spec.sequence = static_cast<std::uint32_t>(seq);
    spec.count = static_cast<std::uint16_t>(n);
    spec.firstSample = first;
    spec.t0Ns = m_utcStartNs + std::llround(static_cast<double>(first) * 1e9 / m_opt.rateHz);
    spec.t0Utc = true;
    spec.rateHz = m_opt.rateHz;
    spec.scale = SignalTable::kScale;

    std::vector<std::uint8_t>& out = c.out();
    const std::size_t at = out.size();
    const std::uint32_t key = c.nextMaskKey();
    if (m_opt.format == WireFormat::Frame) {
        const std::size_t len = FrameWriter::frameBytes(n, axes);
        const std::size_t h = WsCodec::headerBytes(len);
        out.resize(at + h + len);
        WsCodec::writeHeader(out.data() + at, WsCodec::Binary, len, key);
        FrameWriter::write(spec, samples.data(), out.data() + at + h);
        WsCodec::mask(out.data() + at + h, len, key);
    } else {
        const std::string text = FrameWriter::json(spec, samples.data());
        const std::size_t h = WsCodec::headerBytes(text.size());
        out.resize(at + h + text.size());
        WsCodec::writeHeader(out.data() + at, WsCodec::Text, text.size(), key);
        std::copy(text.begin(), text.end(), out.begin() + static_cast<std::ptrdiff_t>(at + h));
        WsCodec::mask(out.data() + at + h, text.size(), key);
    }
    ++m_stats.frameWrites;
    if (seq <= c.highestWritten)
        ++m_stats.framesResent;
    else
        c.highestWritten = seq;
    m_sentHigh = std::max(m_sentHigh, seq);
}

void LoadDevice::onHello(WsConnection& c, std::int64_t ack, std::int64_t nowNs) {
    m_loop.shared().anyStreaming.store(true, std::memory_order_relaxed);
    ++m_stats.connects;
    if (c.everStreamed)
        ++m_stats.reconnects;
    c.everStreamed = true;
    c.failuresInRow = 0;
    if (ack > m_sentHigh) {
        ++m_stats.ackBeyondSent;
        m_loop.shared().warn(m_name + ": the server already holds seq " + std::to_string(ack) +
                             ", beyond anything sent (state of an earlier run? use another --prefix)");
        ack = m_sentHigh;
    }
    if (ack < m_ack)
        ++m_stats.ackRegressions; // the server lost frames it had acknowledged: not resent
    m_ack = std::max(m_ack, ack);
    c.cursor = m_ack + 1; // resume after the last stored frame
    pump(c, nowNs);
}

void LoadDevice::onAck(WsConnection& /*c*/, std::int64_t ack, std::int64_t nowNs) {
    if (ack > m_sentHigh) {
        ++m_stats.ackBeyondSent;
        ack = m_sentHigh;
    }
    if (ack <= m_ack)
        return;
    m_ack = ack;
    const std::int64_t latency = nowNs - dueTimeNs(ack);
    m_stats.ackLatencyMaxNs = std::max(m_stats.ackLatencyMaxNs, latency);
    m_stats.ackLatencySumNs += latency;
    ++m_stats.ackLatencyCount;
    for (auto& other : m_conns) // redundant connections need not send what is already stored
        other->cursor = std::max(other->cursor, m_ack + 1);
}

void LoadDevice::onServerText(WsConnection& /*c*/, const std::string& text) {
    ++m_stats.serverErrors;
    if (m_stats.firstServerError.empty())
        m_stats.firstServerError = text.substr(0, 200);
    m_loop.shared().warn(m_name + ": server says " + text.substr(0, 200));
}

void LoadDevice::onClosed(WsConnection& c, const CloseInfo& info, std::int64_t nowNs) {
    if (info.wasStreaming)
        ++m_stats.disconnects;
    else
        ++m_stats.connectFailures;
    m_stats.lastClose = info.describe();
    SharedState& shared = m_loop.shared();
    if (info.kind == CloseInfo::Kind::ServerClosed && info.closeCode == 4401) {
        shared.setFatal(m_opt.url.text + ": the server refused the token (close 4401 " + info.reason +
                        "); check --token or VIBRASCOPE_TOKEN");
    } else if (!shared.anyStreaming.load(std::memory_order_relaxed) && info.transportFailure()) {
        shared.setFatal("cannot connect to " + m_opt.url.text + ": " + info.describe());
    } else if (info.wasStreaming) {
        shared.warn(m_name + ": " + info.describe() + "; reconnecting");
    }
    c.failuresInRow = std::min(c.failuresInRow + 1, 30);
    const std::int64_t base =
        std::min<std::int64_t>(2000 * kMs, (100 * kMs) << std::min(c.failuresInRow - 1, 5));
    c.retryAtNs =
        nowNs + static_cast<std::int64_t>(static_cast<double>(base) * (0.75 + 0.5 * m_rng.uniform()));
}

void LoadDevice::onWritable(WsConnection& c, std::int64_t nowNs) {
    pump(c, nowNs);
}

void LoadDevice::beginClose(std::int64_t deadlineNs) {
    m_closing = true;
    for (auto& c : m_conns) {
        c->beginClose();
        c->setCloseDeadline(deadlineNs);
    }
}

bool LoadDevice::isClosed() const {
    return std::none_of(m_conns.begin(), m_conns.end(), [](const auto& c) { return c->isOpen(); });
}

void LoadDevice::checkClosing(std::int64_t nowNs) {
    for (auto& c : m_conns)
        c->checkDeadline(nowNs);
}

bool LoadDevice::streaming() const {
    return std::any_of(m_conns.begin(), m_conns.end(),
                       [](const auto& c) { return c->state() == WsConnection::State::Streaming; });
}

DeviceStats LoadDevice::stats() const {
    DeviceStats s = m_stats;
    s.framesExpected = m_total;
    s.framesReleased = m_released;
    s.framesSent = m_sentHigh + 1;
    s.framesAcked = m_ack + 1;
    return s;
}

} // namespace vibra::loadgen
