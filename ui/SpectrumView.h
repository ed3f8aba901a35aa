#pragma once

#include "pipeline/DeviceSnapshot.h"
#include "ui/SpectrumViewOptions.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPItemText;
class QCPItemStraightLine;
class QCPItemTracer;
class QLabel;

namespace vibra::ui {

/// Live averaged spectrum of one device, one curve per axis, derived from the worker's density spectrum
/// (dsp::deriveDisplay): amplitude RMS per line (an on-bin sine of RMS A reads A), 0-pk, PSD or ASD, in the
/// native unit, m/s² or velocity (mm/s), linear or dB, with linear or log axes. Optional peak-hold trace,
/// labelled peak markers, a harmonic cursor (1x..Nx of a chosen line; double-click picks the nearest peak)
/// and bearing-fault markers (FTF, BPFO, BPFI, BSF, 2xBSF and harmonics) from geometry and shaft speed.
///
/// Threads: GUI thread only. Redraws only when a spectrum pointer or an option changed.
class SpectrumView : public QWidget {
    Q_OBJECT
public:
    struct Peak {
        double frequency = 0;
        double value = 0; ///< in the displayed quantity
    };

    explicit SpectrumView(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    void clear();
    void setOptions(const SpectrumViewOptions& options);
    const SpectrumViewOptions& options() const { return m_options; }

    int pointCount(int axis) const;
    /// Frequency of the highest line of an axis in the last drawn spectrum (tests, readouts).
    double peakFrequency(int axis) const;
    /// Labelled peaks of an axis in the last drawing, highest first.
    const std::vector<Peak>& peaks(int axis) const;
    /// Frequencies of the bearing markers drawn now, by label ("BPFO", "2×BPFO", ...).
    QList<QPair<QString, double>> bearingMarkers() const { return m_bearingMarkers; }
    /// Value of the displayed quantity of an axis at the line nearest to f.
    double valueAt(int axis, double f) const;
    /// Unit label of the displayed quantity (e.g. "g RMS", "mm/s RMS", "dB re 1 g²/Hz").
    QString quantityLabel() const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    /// Double-click on the plot: the frequency of the nearest peak (for the harmonic cursor).
    void harmonicPicked(double hz);

private:
    void render();
    void ensureGraphs(int axes);
    void updateAxes();
    void updatePeaks(int axes);
    void updateOverlays();
    QCPItemStraightLine* overlayLine(int index);
    QCPItemText* overlayText(int index);
    dsp::DisplayOptions displayOptions() const;

    QCustomPlot* m_plot;
    SpectrumViewOptions m_options;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_drawn;
    std::vector<std::vector<float>> m_values; ///< displayed quantity per axis, per line
    std::vector<std::vector<Peak>> m_peaks;
    std::vector<QCPItemText*> m_peakLabels;
    QLabel* m_peakTable; ///< labelled peaks, one line per axis, under the plot
    std::vector<QCPItemTracer*> m_peakDots;
    std::vector<QCPItemStraightLine*> m_lines;
    std::vector<QCPItemText*> m_lineLabels;
    int m_linesUsed = 0;
    QList<QPair<QString, double>> m_bearingMarkers;
    QString m_nativeUnit;
    QStringList m_axisNames;
    double m_nyquist = 0.0;
    double m_toMs2 = 9.80665;
    bool m_rangeSet = false;
};

} // namespace vibra::ui
