#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QComboBox;
class QSpinBox;
class QCheckBox;

namespace vibra::ui {

/// Scrolling spectrogram (waterfall as a colour map) of one axis of the selected device: PSD in dB
/// (10 log10 of unit²/Hz) against time (x, seconds before now) and frequency (y, linear or log). Each new
/// averaged spectrum from the worker becomes one column; the span (10 s - 10 min) is held in at most
/// kColumns columns (a column keeps the per-row maximum of the spectra falling into it) and kRows
/// frequency rows (maximum of the lines in a row), so memory and drawing cost are bounded.
///
/// Colour scales: jet, thermal, grayscale, hot.
///
/// Threads: GUI thread only.
class SpectrogramView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kColumns = 600;
    static constexpr int kRows = 256;

    explicit SpectrogramView(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    void clear();
    void setSpanSeconds(int seconds);
    void setAxis(int axis);
    void setDynamicRangeDb(int db);
    void setLogFrequency(bool on);
    /// Columns holding data (tests).
    int filledColumns() const { return m_filled; }
    /// Frequency of the brightest row of the newest column (tests).
    double newestPeakFrequency() const;
    QCustomPlot* plot() const { return m_plot; }
    /// "pump — spectrogram of axis x, last 1 min".
    const QString& title() const { return m_title; }

protected:
    void showEvent(QShowEvent* event) override;

private:
    void reset();
    void updateTitle();
    void addSpectrum(const dsp::Spectrum& s, std::int64_t timeNs);
    void render();
    double rowFrequency(int row) const;
    double rowEdge(int edge) const;

    QCustomPlot* m_plot;
    QCPColorMap* m_map;
    QCPColorScale* m_scale;
    QComboBox* m_axisBox;
    QComboBox* m_spanBox;
    QSpinBox* m_range;
    QCheckBox* m_logF;
    QComboBox* m_gradient;
    std::vector<float> m_cells; ///< ring of kColumns columns x kRows rows, dB; NaN = empty
    int m_head = 0;             ///< column being filled
    int m_filled = 0;
    std::int64_t m_columnEndNs = 0;
    std::int64_t m_latestNs = 0;
    int m_spanSeconds = 60;
    int m_axis = 0;
    bool m_logFrequency = false;
    double m_nyquist = 0, m_binHz = 0;
    double m_topDb = -1e9;
    std::shared_ptr<const dsp::Spectrum> m_last;
    QString m_device;
    QString m_title;
    bool m_stale = false; ///< columns added while hidden
};

} // namespace vibra::ui
