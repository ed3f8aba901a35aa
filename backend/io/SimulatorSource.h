#pragma once

#include "io/SimSignalGenerator.h"
#include "io/Source.h"

#include <QElapsedTimer>
#include <QTimer>

#include <memory>

namespace vibra::io {

class SourceUri;

/// Built-in simulated accelerometer: `sim://NAME?rate=16000&axes=3&profile=machine&seed=1`.
///
/// Parameters (all optional): rate (Hz), axes (1-3), profile (sine|machine|bearing), seed (noise; default
/// derived from the name, so sim://a and sim://b differ), unit (g|m/s2),
/// block (samples per block), paced (1: real time, 0: as fast as the consumer takes it, without loss),
/// duration (seconds of signal, 0 = endless), t0 (start time: epoch ns, or ISO-8601 UTC; default now),
/// noise (RMS), freq / amp / offset (per-axis lists for sine), shaft, harm (2x,3x ratios), gravity,
/// defect, resonance, damping, impact (bearing). See docs/user-guide.md for the table.
///
/// Threads: constructed on the main thread, then lives on its own I/O thread (start/stop/timer there).
class SimulatorSource : public Source {
    Q_OBJECT
public:
    /// Validates every parameter; returns nullptr with a message naming the bad one.
    static std::unique_ptr<Source> fromUri(SourceUri& uri, QString* error);

    SimulatorSource(QString deviceId, QString uri, const SimSignalGenerator::Config& config,
                    std::uint32_t blockSize, bool paced, double durationSeconds, qint64 t0Ns, bool unitIsG);
    ~SimulatorSource() override;

    void start(core::BlockOutlet* outlet) override;
    void stop() override;
    bool isFinite() const override { return m_totalSamples > 0; }

private:
    void tick();
    bool emitBlock(std::uint32_t n);

    // immutable after construction
    std::shared_ptr<const core::DeviceInfo> m_info;
    const std::uint32_t m_blockSize;
    const bool m_paced;
    const std::uint64_t m_totalSamples; ///< 0 = endless
    const qint64 m_t0Ns;

    // I/O thread only
    SimSignalGenerator m_gen;
    core::BlockOutlet* m_outlet = nullptr;
    QTimer* m_timer = nullptr;
    QElapsedTimer m_clock;
    std::uint64_t m_sequence = 0;
    std::uint64_t m_skips = 0; ///< times a paced source skipped ahead after falling behind
    bool m_running = false;
};

} // namespace vibra::io
