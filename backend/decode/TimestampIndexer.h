#pragma once

#include "decode/RateTracker.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vibra::decode {

/// Gives every sample of a timestamped stream its sample index, and estimates the stream's rate (SensorServer
/// events, CSV with a time column, optionally with an index column).
///
/// Warm-up: the first samples are held until they span warmupSeconds (and at least warmupMinSamples) or
/// warmupMaxSamples are held (with a configured rate: warmupMinSamples, for the clock offset and jitter);
/// then RateTracker::estimate() fits time against index (indices from the index column, else consecutive,
/// with a gap where a step exceeds 2.5 median steps and is not an outlier) and the stream starts (generation
/// 1) at that rate (or at the configured rate, which then stays fixed).
///
/// After the warm-up, with time stamps only, sample n+1 is expected at the fitted line's time of index n+1.
/// A residual within max(T/2, 6 x jitter) places it there. A larger one holds the sample and decides with the
/// next ones (at most kHoldSamples): if they fit the line again, it was an outlier (placed contiguously); if
/// they fit the line shifted by m samples, m samples were lost (an inferred gap of m); if neither, the rate
/// (or the clock) changed: the held samples start a new warm-up, continuing the indices. A time more than one
/// second before the expected one (device restart) or more than kMaxJumpSeconds after it (clock set) rebases
/// the clock without a gap. With an index column the index places the sample (gaps are then detected exactly)
/// and the times only feed the fit; an index that goes back (device restart, a new recording session) is
/// placed by its time instead.
///
/// Rate changes: after every chunk the tracked rate is compared with the stream's rate; a difference beyond
/// max(rateTolerance, 4 standard errors) twice in a row starts a new generation at the tracked rate (a new
/// stream DeviceInfo for the caller), as does a warm-up after a change whose rate differs by that much.
///
/// Times are kept on one continuous clock (rebases add a shift), so timeOfIndex() never goes back.
///
/// Threads: owned by one thread. Memory: at most warmupMaxSamples + kHoldSamples held samples.
class TimestampIndexer {
public:
    static constexpr double kMaxJumpSeconds = 3600.0;
    static constexpr std::size_t kHoldSamples = 4;
    static constexpr std::size_t kRecentTimes = 64;

    struct Config {
        double rateHz = 0.0; ///< > 0: configured (the period stays fixed); 0: estimated
        double warmupSeconds = 2.0;
        std::size_t warmupMinSamples = 16;
        std::size_t warmupMaxSamples = 1024;
        double rateTolerance = 5e-4; ///< relative change of the rate that starts a new stream
        /// Fine time stamps (SensorServer ns): a time stamp equal to one of the last kRecentTimes is a resent
        /// sample, dropped and counted in duplicates. Off for text lines (millis() repeats legitimately).
        bool dropNonAdvancing = false;
    };
    struct Sample {
        double time = 0.0;       ///< seconds on the device clock
        std::int64_t index = -1; ///< from an index column, or -1
        std::array<float, 3> values{};
    };
    struct Placed {
        std::uint64_t index;
        double time; ///< continuous device clock
        std::array<float, 3> values;
        bool inferred;            ///< index inferred from time (false: from the index column)
        std::uint32_t generation; ///< stream generation (a new one per rate change)
        double streamRateHz;      ///< the generation's rate
    };
    struct Stats {
        std::uint64_t duplicates = 0;  ///< dropped by dropNonAdvancing (repeated time stamps)
        std::uint64_t outliers = 0;    ///< samples whose time was off the line (placed contiguously)
        std::uint64_t restarts = 0;    ///< clock or index rebased (device restart, clock set)
        std::uint64_t rateChanges = 0; ///< generations after the first
        std::uint64_t unplaced = 0;    ///< dropped because no rate could be estimated (see error())
    };

    explicit TimestampIndexer(Config config);

    /// Adds a sample; appends the samples that are placed now (in index order) to out.
    void add(const Sample& s, std::vector<Placed>& out);
    /// The clock starts over on purpose (a file replayed again): places what is held (finishing a warm-up),
    /// then the next sample follows the last one.
    void expectRestart(std::vector<Placed>& out);
    /// End of input (or a timer on a slow stream): places what is held. Returns false when the rate cannot be
    /// estimated (fewer than two samples with advancing times).
    bool finish(std::vector<Placed>& out);

    /// True once the first warm-up is done (generation >= 1).
    bool started() const { return m_generation > 0; }
    std::uint32_t generation() const { return m_generation; }
    /// Rate of the current generation (Hz): what the stream's DeviceInfo says.
    double streamRateHz() const { return m_streamRate; }
    /// Rate currently estimated from the time stamps (Hz; 0 before the warm-up).
    double estimatedRateHz() const;
    /// Robust standard deviation of the time stamps around the fitted line (s).
    double jitterSeconds() const { return m_tracker.jitter(); }
    /// Time (continuous device clock, s) of index n on the fitted line.
    double timeOfIndex(std::uint64_t index) const { return m_tracker.predict(index); }
    std::uint64_t nextIndex() const { return m_next; }
    const Stats& stats() const { return m_stats; }
    /// Human-readable events since the last call (rate estimated, rate changed, clock rebased).
    std::vector<std::string> takeNotices();
    const std::string& error() const { return m_error; }

private:
    struct Held {
        double time; // raw device time in the warm-up, continuous (+ m_shift) once placed or held
        std::int64_t index;
        std::array<float, 3> values;
    };
    void dispatch(Held h, std::vector<Placed>& out);
    void addTimed(Held h, std::vector<Placed>& out);
    void addIndexed(Held h, std::vector<Placed>& out);
    bool completeWarmup(std::vector<Placed>& out);
    void resolveHeld(const Held& h, std::vector<Placed>& out);
    void placeAt(std::uint64_t index, const Held& h, bool inferred, std::vector<Placed>& out);
    void checkDrift();
    double threshold() const;
    void rebaseClock(Held& h, double expected);
    bool warmupComplete() const;
    void notice(std::string text);

    Config m_cfg;
    RateTracker m_tracker;
    std::vector<Held> m_warm; // warm-up buffer
    std::vector<Held> m_held; // undecided samples (<= kHoldSamples)
    double m_heldResidual = 0.0;
    std::uint32_t m_generation = 0;
    double m_streamRate = 0.0;
    std::uint64_t m_next = 0;
    std::int64_t m_indexOffset = 0; // index column -> stream index
    bool m_placedAny = false;
    double m_shift = 0.0;                        // added to device times (clock rebases)
    std::array<double, kRecentTimes> m_recent{}; // raw time stamps, ring (dropNonAdvancing)
    std::size_t m_recentCount = 0;
    bool m_replaying = false;
    bool m_expectRestart = false;
    int m_driftStrikes = 0;
    std::uint64_t m_lastUpdate = 0;
    Stats m_stats;
    std::vector<std::string> m_notices;
    std::string m_error;
};

} // namespace vibra::decode
