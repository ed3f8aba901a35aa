#pragma once

#include "pipeline/ChannelCore.h"
#include "pipeline/DeviceSnapshot.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include "pipeline/DspSettings.h"

#include <cstdint>
#include <functional>
#include <map>

namespace vibra::pipeline {
class Pipeline;
class DeviceChannel;
} // namespace vibra::pipeline

namespace vibra::ui {

/// Holds the newest snapshot of every device and drives every view from one UI timer (default 30 Hz).
/// The ticks keep a fixed schedule (start + k / refreshHz): a late tick does not push the later ones back,
/// so the average rate is the refresh rate as long as a frame fits in its period (a repeating QTimer of
/// 1000/30 ms loses every late tick and ran at ~29.4/s on a loaded machine); when the GUI falls more than a
/// period behind, the missed ticks are skipped, never drawn in a burst.
///
/// Watches every device: the selected one with its display half (envelope, spectra, raw window), the others
/// with summaries (device table, trends, alarms), so the engine computes display data for one device only.
///
/// Threads: GUI thread only. On each tick it pulls the newest snapshot of every device from its channel's
/// SnapshotSlot (the DSP processors replace them at most snapshotHz times a second), so a slow frame never
/// queues work and a busy GUI never makes memory grow.
class Dashboard : public QObject {
    Q_OBJECT
public:
    explicit Dashboard(pipeline::Pipeline& pipeline, QObject* parent = nullptr);
    ~Dashboard() override;

    pipeline::Pipeline& pipeline() { return m_pipeline; }
    /// Newest snapshot of a device (null before its first).
    pipeline::DeviceSnapshotPtr snapshot(const QString& deviceId) const { return m_latest.value(deviceId); }
    const QString& selectedDevice() const { return m_selected; }
    void setSelectedDevice(const QString& deviceId);
    void setRefreshHz(int hz);
    int refreshHz() const { return m_refreshHz; }
    /// Snapshot rate asked of every device (DspSettings::snapshotHz): slightly above the refresh rate.
    int snapshotHz() const;
    /// Read-modify-write of one device's DSP settings (the worker applies them before its next block).
    /// Returns false for an unknown device.
    bool updateSettings(const QString& deviceId, const std::function<void(pipeline::DspSettings&)>& edit);
    /// The DSP settings a device runs with now (defaults for an unknown device).
    pipeline::DspSettings settings(const QString& deviceId) const;
    /// Time-view settings applied to every device, including devices added later (with the snapshot rate
    /// of snapshotHz()): the envelope window
    /// and, when rawFactor > 0, a raw-sample window of rawFactor times its length in seconds (the processor
    /// caps it at DspSettings::kMaxRawWindow samples): 1 for exact cursors, 2 for trigger capture.
    void setTimeWindow(double displaySeconds, double rawFactor);
    double displaySeconds() const { return m_displaySeconds; }
    double rawFactor() const { return m_raw; }
    /// Frames drawn since start (for tests and the frame-rate readout).
    quint64 frames() const { return m_frames; }
    /// false: keep polling every device's snapshot (and counting frames) but emit no tick(), so no view
    /// redraws; the floor of the dashboard benchmark (bench/ui/dashboard_cpu.py, `vibrascope --no-draw`).
    void setDrawing(bool on) { m_drawing = on; }
    bool drawing() const { return m_drawing; }

signals:
    /// Emitted on every UI tick with new data: views redraw from snapshot().
    void tick();
    void selectionChanged(const QString& deviceId);

private:
    struct Watched {
        pipeline::ChannelCore::Watch watch;
        bool display = false;
    };
    void watch(pipeline::DeviceChannel* channel);
    void updateWatch(const QString& deviceId);
    void onTick();
    void scheduleNextTick();
    void applyTimeWindow(const QString& deviceId);

    pipeline::Pipeline& m_pipeline;
    QHash<QString, pipeline::DeviceSnapshotPtr> m_latest;
    std::map<QString, Watched> m_watches;
    QString m_selected;
    QTimer m_timer;
    int m_refreshHz = 30;
    std::int64_t m_nextTickNs = 0; ///< absolute (core::monotonicNs) time of the next tick
    double m_displaySeconds;
    double m_raw = 0.0;
    bool m_fresh = false;
    bool m_drawing = true;
    quint64 m_frames = 0;
};

} // namespace vibra::ui
