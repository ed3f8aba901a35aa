#pragma once

#include "ui/SpectrumViewOptions.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QSpinBox;
class QDoubleSpinBox;
class QCheckBox;

namespace vibra::ui {

class Dashboard;
class SpectrumView;

/// Spectrum controls: display (quantity, unit, dB, log axes, peak hold, peak markers, axes, harmonic
/// cursor, bearing overlay) go to the SpectrumView; analysis settings (window, FFT size, overlap,
/// averaging and its count, envelope spectrum on/off and band, severity preset of the machine) change
/// DspSettings::spectrum of the selected device through DspWorker::setSettings (the worker restarts its
/// average). Selecting another device loads its settings into the controls.
///
/// Threads: GUI thread only.
class SpectrumControls : public QWidget {
    Q_OBJECT
public:
    SpectrumControls(Dashboard& dashboard, SpectrumView& view, QWidget* parent = nullptr);
    /// Loads the selected device's analysis settings into the widgets (no change is sent).
    void loadDevice();
    /// Sets the display widgets (and so the view) from options.
    void setDisplayOptions(const SpectrumViewOptions& o);
    /// Turns the envelope spectrum of the selected device on or off (as the check box does).
    void setEnvelope(bool on);

private:
    void applyAnalysis();
    void applyDisplay();

    Dashboard& m_dashboard;
    SpectrumView& m_view;
    bool m_loading = false;
    // analysis
    QComboBox* m_window;
    QComboBox* m_size;
    QComboBox* m_overlap;
    QComboBox* m_averaging;
    QSpinBox* m_averages;
    QComboBox* m_severity;
    QComboBox* m_zoom; ///< band zoom factor (1 = off)
    // display
    QComboBox* m_quantity;
    QComboBox* m_unit;
    QCheckBox* m_db;
    QCheckBox* m_logF;
    QCheckBox* m_logY;
    QCheckBox* m_peakHold;
    QSpinBox* m_peaks;
    QCheckBox* m_axis[3];
    QDoubleSpinBox* m_harmonicHz;
    QSpinBox* m_harmonicCount;
    // bearing
    QCheckBox* m_envelope;
    QDoubleSpinBox* m_envLow;
    QDoubleSpinBox* m_envHigh;
    QCheckBox* m_bearing;
    QSpinBox* m_z;
    QDoubleSpinBox* m_ballD;
    QDoubleSpinBox* m_pitchD;
    QDoubleSpinBox* m_angle;
    QDoubleSpinBox* m_rpm;
    QSpinBox* m_bearingHarmonics;
    /// Machine parameters per device (bearing geometry and shaft speed), GUI side.
    QHash<QString, SpectrumViewOptions> m_machine;
    QString m_device;
};

} // namespace vibra::ui
