#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

class QCustomPlot;

namespace vibra::ui {

/// Live averaged spectrum of one device, one curve per axis: amplitude as line RMS (sqrt(PSD x ENBW)),
/// the value an on-bin sine of RMS A reads as A. Log magnitude axis.
///
/// Threads: GUI thread only.
class SpectrumView : public QWidget {
    Q_OBJECT
public:
    explicit SpectrumView(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    void clear();
    int pointCount(int axis) const;
    /// Frequency of the highest line of an axis in the last drawn spectrum (tests, readouts).
    double peakFrequency(int axis) const;
    QCustomPlot* plot() const { return m_plot; }

private:
    QCustomPlot* m_plot;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_drawn;
    QString m_unit;
    double m_nyquist = 0.0;
};

} // namespace vibra::ui
