#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace vibra::core {

/// A fixed-bucket latency histogram for metrics (e.g. SQLite commit time): one writing thread, any number
/// of readers (relaxed atomics; a reader may see a count one observation ahead of the sum, which the
/// Prometheus exposition tolerates). Bucket upper bounds in seconds are kBounds; the last bucket is +Inf.
class LatencyHistogram {
public:
    static constexpr std::array<double, 12> kBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
    struct Snapshot {
        std::array<std::uint64_t, kBounds.size()> cumulative{}; ///< observations <= kBounds[i]
        std::uint64_t count = 0;
        double sumSeconds = 0;
    };

    void observe(std::int64_t ns) {
        const double s = static_cast<double>(ns) / 1e9;
        std::size_t i = 0;
        while (i < kBounds.size() && s > kBounds[i])
            ++i;
        m_buckets[i].fetch_add(1, std::memory_order_relaxed);
        m_sumNs.fetch_add(static_cast<std::uint64_t>(ns < 0 ? 0 : ns), std::memory_order_relaxed);
    }
    Snapshot snapshot() const {
        Snapshot s;
        std::uint64_t run = 0;
        for (std::size_t i = 0; i < kBounds.size(); ++i) {
            run += m_buckets[i].load(std::memory_order_relaxed);
            s.cumulative[i] = run;
        }
        s.count = run + m_buckets[kBounds.size()].load(std::memory_order_relaxed);
        s.sumSeconds = static_cast<double>(m_sumNs.load(std::memory_order_relaxed)) / 1e9;
        return s;
    }

private:
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> m_buckets{};
    std::atomic<std::uint64_t> m_sumNs{0};
};

} // namespace vibra::core
