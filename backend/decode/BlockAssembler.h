#pragma once

#include "core/DeviceInfo.h"
#include "core/SampleBlock.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace vibra::decode {

/// Turns a stream of single samples (text lines, SensorServer events) into SampleBlocks with sample
/// indices, and owns the stream's DeviceInfo.
///
/// Index rules: without timestamps every sample follows the previous one. With timestamps (seconds on the
/// device clock) index = round((t - t0) * rate): a jump of more than half a period opens a new block (the
/// outlet counts it as an inferred gap), a repeated or slightly early time is placed right after the
/// previous sample, and a jump back of more than one second (device restart) or forward by more than
/// kMaxJumpSeconds rebases t0 without a gap.
/// Blocks from timestamped streams carry indexInferred = true.
/// Rate: configured, or (timestamps only) the median of the first estimateRows time steps; never arrival
/// times. While estimating, at most estimateRows samples are buffered.
///
/// Threads: owned by one thread. Memory: the open block (<= maxBlockSamples) plus ready blocks until take().
class BlockAssembler {
public:
    struct Config {
        double rateHz = 0.0;           ///< > 0 configured; 0 = estimate from timestamps
        std::size_t estimateRows = 16; ///< time steps used to estimate the rate
        std::uint32_t maxBlockSamples = 4096;
        std::int64_t utcBaseNs = 0; ///< UTC ns of sample index 0 (host clock at stream start)
        /// Timestamps with fine resolution (SensorServer ns): a time that does not advance past the previous
        /// one (and is less than a second back) is a resent sample, dropped and counted in duplicates().
        /// Off for text lines, where millis() legitimately repeats at rates above 1 kHz.
        bool dropNonAdvancing = false;
    };

    /// A timestamp jump forward beyond this is treated as a clock change (rebase), not as a gap.
    static constexpr double kMaxJumpSeconds = 3600.0;

    /// base: id, sourceUri and unit; rate and axis names are filled in here.
    BlockAssembler(core::DeviceInfo base, Config config);

    /// Axis names (1..3); must be called before the first add() (changing later starts a new DeviceInfo).
    void setAxisNames(const std::vector<std::string>& names);
    void setUtcBaseNs(std::int64_t ns) { m_cfg.utcBaseNs = ns; }
    /// Adds one sample with axisCount() values. timeSec is NaN when the stream has no timestamps.
    /// Returns false (sample dropped) when the rate cannot be determined; see error().
    bool add(double timeSec, std::span<const float> values);
    /// End of a finite stream: estimates the rate from fewer rows than estimateRows (at least 2) so the
    /// buffered samples are not lost. Returns false when the rate is still unknown.
    bool finishEstimation();
    /// Untimed streams: the next sample comes `seconds` after the expected one (reconnect downtime);
    /// the skipped samples become an inferred gap.
    void skipSeconds(double seconds);
    /// Moves finished blocks (and the open block when flushOpen) to out.
    void take(std::vector<core::MutableBlockPtr>& out, bool flushOpen = true);

    double rateHz() const { return m_rate; }
    /// Samples dropped by dropNonAdvancing so far.
    std::uint64_t duplicates() const { return m_duplicates; }
    bool rateEstimated() const { return m_estimated; }
    int axisCount() const { return static_cast<int>(m_names.size()); }
    const std::string& error() const { return m_error; }
    std::uint64_t nextIndex() const { return m_nextIndex; }
    std::shared_ptr<const core::DeviceInfo> device() const { return m_device; }

private:
    struct Pending {
        double t;
        std::array<float, 3> v;
    };
    void place(double timeSec, std::span<const float> values);
    bool isResent(double timeSec) const;
    void closeOpen();
    void makeDevice();
    bool estimate();

    core::DeviceInfo m_base;
    Config m_cfg;
    std::vector<std::string> m_names;
    std::shared_ptr<const core::DeviceInfo> m_device;
    double m_rate = 0.0;
    bool m_estimated = false;
    std::string m_error;
    std::vector<Pending> m_pending; // rate estimation buffer (<= estimateRows + 1)
    bool m_haveT0 = false;
    double m_lastTime = 0.0;
    std::uint64_t m_duplicates = 0;
    double m_t0 = 0.0; // device time of index m_t0Index
    std::uint64_t m_t0Index = 0;
    std::uint64_t m_nextIndex = 0; // index of the next sample if contiguous
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
