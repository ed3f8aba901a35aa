#pragma once

#include "core/DeviceInfo.h"
#include "core/SampleBlock.h"
#include "decode/TimestampIndexer.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vibra::decode {

/// Turns a stream of single samples (text lines, SensorServer events) into SampleBlocks with sample indices,
/// and owns the stream's DeviceInfo.
///
/// Placement: with time stamps, TimestampIndexer gives each sample its index (and the rate, estimated
/// continuously unless configured); blocks are then marked indexInferred, or not when an index column gave
/// the index. Without time stamps the index column places the sample, or every sample follows the previous
/// one, and the rate must be configured; skipSamples() adds the samples a reconnect lost (an inferred gap).
///
/// Time: block.startTimeNs is the UTC of its first sample. With time stamps it comes from the fitted device
/// clock (TimestampIndexer::timeOfIndex) mapped to UTC once: absolute clocks (ISO or epoch time columns,
/// setAbsoluteClock) map directly, relative ones (millis(), the phone's since-boot ns) by the host UTC when
/// the first sample arrived. Untimed streams: host UTC at the first sample + index / rate.
///
/// A new generation of the indexer (the rate changed) closes the open block and starts a new DeviceInfo.
///
/// Threads: owned by one thread. Memory: the open block (<= maxBlockSamples) + ready blocks until take() +
/// what the indexer holds (<= its warm-up size).
class BlockAssembler {
public:
    struct Config {
        double rateHz = 0.0; ///< > 0 configured; 0 = estimate from time stamps
        std::uint32_t maxBlockSamples = 4096;
        /// Fine time stamps (SensorServer ns): see TimestampIndexer::Config::dropNonAdvancing.
        bool dropNonAdvancing = false;
        double warmupSeconds = 2.0;
        std::size_t warmupMaxSamples = 1024;
    };
    struct Row {
        double time = NAN;       ///< seconds on the device clock; NaN without time stamps
        std::int64_t index = -1; ///< from an index column, or -1
        std::array<float, 3> values{};
    };

    /// base: id, sourceUri and unit; rate and axis names are filled in here.
    BlockAssembler(core::DeviceInfo base, Config config);

    /// Axis names (1..3) and unit; call before the first add() (changing them later starts a new DeviceInfo).
    void setLayout(const std::vector<std::string>& axisNames, core::Unit unit);
    /// The device clock is absolute: UTC ns = originNs + time * 1e9.
    void setAbsoluteClock(std::int64_t originNs);
    /// Adds one sample (axisCount() values). hostNowNs: host UTC now (maps relative clocks once). Returns
    /// false (sample dropped) when it cannot be placed: no time stamps and no configured rate; see error().
    bool add(const Row& row, std::int64_t hostNowNs);
    /// Untimed streams: n samples were lost (reconnect downtime); they become an inferred gap.
    void skipSamples(std::uint64_t n);
    /// The device clock starts over (a file replayed again): the next sample follows the last one.
    void restartClock();
    /// End of a finite stream: places held samples (estimating the rate from what there is). Returns false
    /// when the rate is still unknown.
    bool finish();
    /// Moves finished blocks (and the open block when flushOpen) to out.
    void take(std::vector<core::MutableBlockPtr>& out, bool flushOpen = true);

    /// Rate of the current stream (Hz), 0 while unknown.
    double rateHz() const;
    bool timed() const { return m_timed; }
    int axisCount() const { return static_cast<int>(m_names.size()); }
    const std::string& error() const { return m_error; }
    std::uint64_t nextIndex() const { return m_nextIndex; }
    std::shared_ptr<const core::DeviceInfo> device() const { return m_device; }
    /// Time-stamp statistics (rate estimate, jitter, duplicates, rate changes); valid for timed streams.
    const TimestampIndexer& timing() const { return m_indexer; }
    /// Non-const: to take the indexer's notices.
    TimestampIndexer& timingForNotices() { return m_indexer; }
    /// Samples dropped by dropNonAdvancing so far.
    std::uint64_t duplicates() const { return m_indexer.stats().duplicates; }

private:
    void placeTimed(const std::vector<TimestampIndexer::Placed>& placed);
    void append(std::uint64_t index, const std::array<float, 3>& values, bool inferred);
    void closeOpen();
    void makeDevice(double rate);

    core::DeviceInfo m_base;
    Config m_cfg;
    std::vector<std::string> m_names;
    std::shared_ptr<const core::DeviceInfo> m_device;
    std::string m_error;
    TimestampIndexer m_indexer;
    std::vector<TimestampIndexer::Placed> m_placed; // scratch
    bool m_timed = false;
    bool m_clockMapped = false;
    bool m_absolute = false;
    std::int64_t m_utcOffsetNs = 0; // UTC ns = offset + device time * 1e9 (timed) or + index / rate (untimed)
    std::uint32_t m_generation = 0;
    std::uint64_t m_nextIndex = 0;
    std::int64_t m_indexOffset = 0; // untimed index column
    bool m_started = false;
    bool m_inferredNext = false;
    std::uint64_t m_sequence = 0;
    // open block (interleaved until closed)
    std::uint64_t m_openFirst = 0;
    bool m_openInferred = false;
    std::vector<float> m_open;
    std::uint32_t m_openCount = 0;
    std::vector<core::MutableBlockPtr> m_ready;
};

} // namespace vibra::decode
