#include "decode/BlockAssembler.h"

#include "decode/TimeMath.h"

#include <algorithm>

namespace vibra::decode {

namespace {
TimestampIndexer::Config timingConfig(const BlockAssembler::Config& c) {
    TimestampIndexer::Config t;
    t.rateHz = c.rateHz;
    t.dropNonAdvancing = c.dropNonAdvancing;
    t.warmupSeconds = c.warmupSeconds;
    t.warmupMaxSamples = c.warmupMaxSamples;
    return t;
}
constexpr std::int64_t kMaxIndexJump = 1'000'000'000;
} // namespace

BlockAssembler::BlockAssembler(core::DeviceInfo base, Config config)
    : m_base(std::move(base))
    , m_cfg(config)
    , m_indexer(timingConfig(config)) {
    if (m_cfg.maxBlockSamples == 0 || m_cfg.maxBlockSamples > core::kMaxBlockSamples)
        m_cfg.maxBlockSamples = core::kMaxBlockSamples;
}

void BlockAssembler::setLayout(const std::vector<std::string>& axisNames, core::Unit unit) {
    std::vector<std::string> names = axisNames;
    if (names.size() > 3)
        names.resize(3);
    if (names == m_names && unit == m_base.unit)
        return;
    closeOpen();
    m_names = std::move(names);
    m_base.unit = unit;
    const double rate = m_device ? m_device->sampleRate : 0.0;
    m_device.reset();
    if (rate > 0)
        makeDevice(rate);
}

void BlockAssembler::setAbsoluteClock(std::int64_t originNs) {
    m_absolute = true;
    m_clockMapped = true;
    m_utcOffsetNs = originNs;
}

void BlockAssembler::makeDevice(double rate) {
    auto info = std::make_shared<core::DeviceInfo>(m_base);
    info->sampleRate = rate;
    info->axisNames = m_names;
    m_device = std::move(info);
}

double BlockAssembler::rateHz() const {
    return m_device ? m_device->sampleRate : m_cfg.rateHz;
}

bool BlockAssembler::add(const Row& row, std::int64_t hostNowNs) {
    if (m_names.empty())
        setLayout({"x", "y", "z"}, m_base.unit);
    if (!std::isnan(row.time)) {
        m_timed = true;
        if (!m_clockMapped) {
            m_clockMapped = true;
            m_utcOffsetNs = addNs(hostNowNs, -toNs(row.time * 1e9));
        }
        m_placed.clear();
        m_indexer.add({row.time, row.index, row.values}, m_placed);
        placeTimed(m_placed);
        if (!m_indexer.error().empty() && !m_indexer.started()) {
            m_error = m_indexer.error();
            return false;
        }
        return true;
    }
    if (m_cfg.rateHz <= 0) {
        m_error = "no sample rate: set rate=... (the stream has no time column)";
        return false;
    }
    if (!m_device)
        makeDevice(m_cfg.rateHz);
    std::uint64_t index = m_nextIndex;
    bool inferred = m_inferredNext;
    if (row.index >= 0) {
        std::int64_t idx = row.index + m_indexOffset;
        const auto next = static_cast<std::int64_t>(m_nextIndex);
        if (m_started && (idx < next || idx - next > kMaxIndexJump)) { // device restart: continue
            m_indexOffset = next - row.index;
            idx = next;
        }
        index = static_cast<std::uint64_t>(std::max<std::int64_t>(idx, 0));
        inferred = false;
    }
    if (!m_started)
        m_utcOffsetNs = addNs(hostNowNs, -toNs(static_cast<double>(index) * 1e9 / m_cfg.rateHz));
    append(index, row.values, inferred);
    return true;
}

void BlockAssembler::placeTimed(const std::vector<TimestampIndexer::Placed>& placed) {
    for (const auto& p : placed) {
        if (p.generation != m_generation || !m_device) {
            closeOpen();
            m_generation = p.generation;
            makeDevice(p.streamRateHz);
        }
        append(p.index, p.values, p.inferred);
    }
}

void BlockAssembler::append(std::uint64_t index, const std::array<float, 3>& values, bool inferred) {
    if (m_openCount > 0 && (index != m_nextIndex || m_openCount >= m_cfg.maxBlockSamples))
        closeOpen();
    if (m_openCount == 0) {
        m_openFirst = index;
        m_openInferred = inferred;
    }
    for (std::size_t a = 0; a < m_names.size(); ++a)
        m_open.push_back(values[a]);
    ++m_openCount;
    m_nextIndex = index + 1;
    m_started = true;
    m_inferredNext = false;
}

void BlockAssembler::skipSamples(std::uint64_t n) {
    if (n == 0 || !m_started || m_timed)
        return;
    closeOpen();
    m_nextIndex += n;
    m_inferredNext = true;
}

bool BlockAssembler::finish() {
    if (!m_timed)
        return m_cfg.rateHz > 0 || !m_started;
    m_placed.clear();
    const bool ok = m_indexer.finish(m_placed);
    placeTimed(m_placed);
    if (!ok)
        m_error = m_indexer.error();
    return ok;
}

void BlockAssembler::restartClock() {
    if (!m_timed)
        return;
    m_placed.clear();
    m_indexer.expectRestart(m_placed);
    placeTimed(m_placed);
}

void BlockAssembler::closeOpen() {
    if (m_openCount == 0 || !m_device) {
        m_open.clear();
        m_openCount = 0;
        return;
    }
    auto block = std::make_shared<core::SampleBlock>();
    block->device = m_device;
    block->sequence = m_sequence++;
    block->firstSample = m_openFirst;
    block->count = m_openCount;
    block->indexInferred = m_openInferred;
    const double rel = m_timed ? m_indexer.timeOfIndex(m_openFirst) * 1e9
                               : static_cast<double>(m_openFirst) * 1e9 / m_device->sampleRate;
    block->startTimeNs = addNs(m_utcOffsetNs, toNs(rel));
    const std::size_t axes = m_names.size();
    block->data.resize(axes * m_openCount);
    for (std::size_t i = 0; i < m_openCount; ++i)
        for (std::size_t a = 0; a < axes; ++a)
            block->data[a * m_openCount + i] = m_open[i * axes + a];
    m_ready.push_back(std::move(block));
    m_open.clear();
    m_openCount = 0;
}

void BlockAssembler::take(std::vector<core::MutableBlockPtr>& out, bool flushOpen) {
    if (flushOpen)
        closeOpen();
    for (auto& b : m_ready)
        out.push_back(std::move(b));
    m_ready.clear();
}

} // namespace vibra::decode
