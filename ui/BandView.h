#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;

namespace vibra::ui {

/// Octave and third-octave band RMS of the selected device, one group of bars per band and a bar per axis
/// (QCPBars; a low-rate chart, refreshed at most twice a second). Bands are base-2 (centre 1000 Hz x 2^(k/b),
/// edges centre x 2^(+-1/2b)) from about 10 Hz to Nyquist; band RMS = sqrt(sum of PSD lines whose centre lies
/// in the band x bin width) (dsp::bandRms), so a tone inside a band reads its RMS.
///
/// Threads: GUI thread only.
class BandView : public QWidget {
    Q_OBJECT
public:
    struct Band {
        double lowHz = 0, centreHz = 0, highHz = 0;
    };

    explicit BandView(QWidget* parent = nullptr);
    void draw(const pipeline::DeviceSnapshot& snapshot);
    /// 1 = octave, 3 = third octave.
    void setFraction(int bandsPerOctave);
    QCustomPlot* plot() const { return m_plot; }
    /// "pump — 1/3-octave band RMS".
    const QString& title() const { return m_title; }
    /// Bands for a sample rate and the band RMS per axis of the last drawing.
    const std::vector<Band>& bands() const { return m_bands; }
    const std::vector<std::vector<double>>& values() const { return m_values; }

    static std::vector<Band> makeBands(int bandsPerOctave, double minHz, double maxHz);

private:
    void rebuild(const pipeline::DeviceSnapshot& s);

    QComboBox* m_fraction;
    QCustomPlot* m_plot;
    std::vector<Band> m_bands;
    std::vector<std::vector<double>> m_values;
    int m_perOctave = 3;
    double m_rate = 0;
    int m_axes = 0;
    qint64 m_lastDrawMs = 0;
    std::vector<std::shared_ptr<const dsp::Spectrum>> m_drawn;
    QString m_title;
};

} // namespace vibra::ui
