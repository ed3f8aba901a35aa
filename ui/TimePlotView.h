#pragma once

#include "alarms/TriggerDetector.h"
#include "pipeline/DeviceSnapshot.h"
#include "ui/CursorMath.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPAxisRect;
class QCPItemStraightLine;
class QComboBox;
class QDoubleSpinBox;
class QCheckBox;
class QLabel;
class QToolButton;

namespace vibra::ui {

/// Live time plot of one device, axes overlaid or stacked, drawn from the worker's min/max envelope (two
/// points per envelope bucket, never per sample), so 60 s x 16 kHz x 3 axes costs the same as 1 s.
/// x = seconds before the newest sample. Pause freezes the last snapshot; while paused the plot zooms and
/// pans in x and y (mouse wheel / drag). Two cursors (left click: cursor 1, right click: cursor 2) report
/// delta-t and per-axis values, and the RMS and mean between them; these are exact while the snapshot
/// carries raw samples covering both cursors (requested through rawSamplesWanted while cursors are on),
/// otherwise they come from the envelope and say so.
///
/// Threads: GUI thread only.
class TimePlotView : public QWidget {
    Q_OBJECT
public:
    enum class Layout { Overlaid, Stacked };

    explicit TimePlotView(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshotPtr& snapshot);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    void clear();
    /// Points currently plotted for an axis (tests).
    int pointCount(int axis) const;
    QCustomPlot* plot() const { return m_plot; }
    /// The plot's title: the device shown and what ("pump — time signal, last 2 s").
    const QString& title() const { return m_title; }
    /// Axis rects (1 overlaid, one per axis stacked).
    int rectCount() const { return static_cast<int>(m_rects.size()); }

    void setLayoutMode(Layout layout);
    Layout layoutMode() const { return m_layout; }
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void setWindowSeconds(double seconds);
    double windowSeconds() const;
    void setCursorsEnabled(bool on);
    bool cursorsEnabled() const { return m_cursorsOn; }
    /// Cursor times, seconds relative to the newest sample (<= 0).
    void setCursors(double t1, double t2);
    /// Readings of every axis at the current cursors on the displayed snapshot.
    std::vector<CursorReading> cursorReadings() const;
    QString cursorText() const;

    enum class TriggerMode { Off, Normal, Single };
    /// Trigger capture: the view shows the newest captured frame (the display window long, preTrigger
    /// fraction before the trigger sample, which is marked) instead of the running signal.
    void setTrigger(TriggerMode mode, int axis, double level, bool rising, double preTrigger);
    TriggerMode triggerMode() const { return m_triggerMode; }
    /// Re-arms a single-shot trigger.
    void armTrigger();
    const alarms::TriggerDetector& trigger() const { return m_trigger; }
    /// Raw window the view needs, in display windows: 0 none, 1 cursors, 2 trigger.
    double rawFactor() const;

signals:
    void windowSecondsChanged(double seconds);
    /// The raw window the view needs changed (see rawFactor(); the caller asks the workers for it).
    void rawSamplesWanted();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void rebuildLayout(int axes);
    void render();
    void updateCursorItems();
    void updateReadout();
    void applyTrigger();
    void showCapture(const alarms::TriggerDetector::Capture& c, const pipeline::DeviceSnapshot& from);

    QCustomPlot* m_plot;
    QDoubleSpinBox* m_window;
    QComboBox* m_layoutBox;
    QToolButton* m_pause;
    QCheckBox* m_cursorsBox;
    QLabel* m_readout;
    QComboBox* m_triggerBox;
    QComboBox* m_triggerAxis;
    QComboBox* m_triggerSlope;
    QDoubleSpinBox* m_triggerLevel;
    QDoubleSpinBox* m_triggerPre;
    QLabel* m_triggerState;
    QToolButton* m_arm;
    QCPItemStraightLine* m_triggerLine = nullptr;
    alarms::TriggerDetector m_trigger;
    TriggerMode m_triggerMode = TriggerMode::Off;
    double m_triggerAt = 0; ///< x of the trigger sample in the shown capture
    std::vector<QCPAxisRect*> m_rects;
    std::vector<QCPItemStraightLine*> m_cursorLines; ///< 2 per rect
    pipeline::DeviceSnapshotPtr m_shown;
    Layout m_layout = Layout::Overlaid;
    int m_axes = -1;
    bool m_paused = false;
    bool m_cursorsOn = false;
    bool m_stale = false; ///< data arrived while hidden
    double m_t1 = -0.75, m_t2 = -0.25;
    QString m_unit;
    QString m_title;
};

} // namespace vibra::ui
