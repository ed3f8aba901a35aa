#pragma once

#include "pipeline/DeviceSnapshot.h"
#include "ui/SpectrumMarkers.h"
#include "ui/SpectrumReadings.h"
#include "ui/SpectrumViewOptions.h"

#include <QWidget>

#include <memory>
#include <utility>
#include <vector>

class QCustomPlot;
class QComboBox;
class QLabel;
class QToolButton;

namespace vibra::ui {

/// Live averaged spectrum of one device, one curve per axis, derived from the worker's density spectrum
/// (dsp::deriveDisplay): amplitude RMS per line (an on-bin sine of RMS A reads A), 0-pk, PSD or ASD, in the
/// native unit, m/s² or velocity (mm/s), linear or dB, with linear or log axes. Optional peak-hold trace.
///
/// Every reading is the tone's, not a line's: labelled peaks (dsp::findPeaks, ranked as the display ranks),
/// the harmonic cursor (1x..Nx of a frequency, each harmonic searched and read; double-click snaps to the
/// interpolated peak) and the bearing overlay (FTF, BPFO, BPFI, BSF and harmonics from geometry and shaft
/// speed; on the envelope spectrum the lines dsp::assessBearing detects are drawn solid and labelled ✔,
/// the expected positions dashed) give interpolated frequencies and peakDisplayValue levels. The list under
/// the plot names every peak, harmonic and bearing verdict; labels on the plot never overlap
/// (SpectrumMarkers).
///
/// Frequency span: Auto shows machine lines where they are - 0-1 kHz on a linear axis (the whole band on a
/// log axis), the envelope spectrum up to 5x the highest defect frequency (1 kHz without the bearing
/// overlay), the band zoom up to its flat pass band - and one click on "Full range" shows 0..Nyquist. The
/// header names the device and the kind of spectrum; the legend sits in it, off the data.
///
/// Threads: GUI thread only. Redraws only when a spectrum pointer or an option changed.
class SpectrumView : public QWidget {
    Q_OBJECT
public:
    using Peak = SpectrumPeak;

    explicit SpectrumView(QWidget* parent = nullptr);
    ~SpectrumView() override;
    void draw(const pipeline::DeviceSnapshot& snapshot);
    void clear();
    void setOptions(const SpectrumViewOptions& options);
    const SpectrumViewOptions& options() const { return m_options; }

    int pointCount(int axis) const;
    /// Interpolated frequency of the highest peak of an axis in the last drawn spectrum (tests, readouts).
    double peakFrequency(int axis) const;
    /// Labelled peaks of an axis in the last drawing (within the shown frequency span), highest first.
    const std::vector<Peak>& peaks(int axis) const;
    /// Harmonic cursor readings on the first shown axis (empty when the cursor is off).
    const std::vector<HarmonicReading>& harmonics() const { return m_harmonics; }
    /// Expected bearing-defect frequencies drawn now, by label ("BPFO", "2×BPFO", ...).
    QList<QPair<QString, double>> bearingMarkers() const { return m_bearingMarkers; }
    /// Bearing verdicts on the envelope spectrum (empty unless the envelope spectrum and the overlay are on).
    const std::vector<BearingReading>& bearingReadings() const { return m_bearing; }
    /// Value of the displayed quantity of an axis at the line nearest to f.
    double valueAt(int axis, double f) const;
    /// Unit label of the displayed quantity (e.g. "g RMS", "mm/s RMS", "dB re 1 g²/Hz").
    QString quantityLabel() const;
    /// Header of the plot: the device and the kind of spectrum ("pump — spectrum, Δf 3.91 Hz").
    const QString& title() const { return m_title; }
    /// The list under the plot (peaks, harmonics, bearing verdicts), one line per item.
    QString readingsText() const;
    /// Frequency range shown now.
    std::pair<double, double> frequencyRange() const;
    /// Labels shown on the plot now, as pixel rectangles and texts (tests: they never overlap).
    QList<QRectF> labelRects() const;
    QStringList labels() const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    /// Double-click on the plot: the interpolated frequency of the nearest peak (for the harmonic cursor).
    void harmonicPicked(double hz);

protected:
    void showEvent(QShowEvent* event) override;

private:
    void render();
    void ensureGraphs(int axes);
    void updateAxes();
    void updateFrequencyRange(bool force);
    void updateReadings();
    void updateBearing(std::vector<SpectrumMarkers::Line>& lines, QStringList& text);
    void updateTitle();
    dsp::DisplayOptions displayOptions() const;
    double autoSpanHz(const dsp::Spectrum& s) const;
    const dsp::Spectrum* firstShown() const;
    void setSpan(double hz);

    QCustomPlot* m_plot;
    std::unique_ptr<SpectrumMarkers> m_markers;
    QComboBox* m_span;
    QToolButton* m_full;
    QLabel* m_readings; ///< peaks, harmonics and bearing verdicts, under the plot
    SpectrumViewOptions m_options;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_drawn;
    std::vector<std::vector<float>> m_values; ///< displayed quantity per axis, per line
    std::vector<std::vector<Peak>> m_peaks;
    std::vector<HarmonicReading> m_harmonics;
    std::vector<BearingReading> m_bearing;
    QList<QPair<QString, double>> m_bearingMarkers;
    QString m_device;
    QString m_title;
    QString m_nativeUnit;
    QStringList m_axisNames;
    int m_zoomFactor = 1;
    double m_toMs2 = 9.80665;
    bool m_yRangeSet = false;
    bool m_stale = false;           ///< spectra arrived while hidden
    std::vector<double> m_rangeKey; ///< what the automatic frequency range was computed from
};

} // namespace vibra::ui
