#include "ui/BandView.h"

#include "dsp/BandMetrics.h"
#include "ui/AxisColors.h"
#include "ui/PlotHeader.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

namespace vibra::ui {

std::vector<BandView::Band> BandView::makeBands(int b, double minHz, double maxHz) {
    std::vector<Band> out;
    for (int k = -60; k <= 60; ++k) {
        const double c = 1000.0 * std::pow(2.0, static_cast<double>(k) / b);
        const double lo = c * std::pow(2.0, -0.5 / b), hi = c * std::pow(2.0, 0.5 / b);
        if (lo >= minHz && hi <= maxHz)
            out.push_back({lo, c, hi});
    }
    return out;
}

BandView::BandView(QWidget* parent)
    : QWidget(parent)
    , m_fraction(new QComboBox)
    , m_plot(new QCustomPlot) {
    m_fraction->addItem(tr("1/3 octave"), 3);
    m_fraction->addItem(tr("1/1 octave"), 1);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(new QLabel(tr("Bands:")));
    bar->addWidget(m_fraction);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_plot->yAxis->setNumberPrecision(0);
    m_plot->xAxis->setLabel(tr("band centre frequency (Hz)"));
    m_plot->xAxis->setTickLabelRotation(60);
    installPlotHeader(m_plot, m_plot->legend);
    connect(m_fraction, &QComboBox::currentIndexChanged, this,
            [this](int i) { setFraction(m_fraction->itemData(i).toInt()); });
}

void BandView::setFraction(int bandsPerOctave) {
    if (bandsPerOctave == m_perOctave)
        return;
    m_perOctave = bandsPerOctave;
    m_fraction->setCurrentIndex(m_fraction->findData(bandsPerOctave));
    m_rate = 0; // rebuild on the next snapshot
    m_drawn.clear();
}

void BandView::rebuild(const pipeline::DeviceSnapshot& s) {
    m_rate = s.device->sampleRate;
    m_axes = static_cast<int>(s.spectra.size());
    const double binHz = s.spectra.front() ? s.spectra.front()->binHz : 1.0;
    m_bands = makeBands(m_perOctave, std::max(8.0, 2.0 * binHz), 0.45 * m_rate);
    m_plot->clearPlottables();
    auto* group = new QCPBarsGroup(m_plot);
    group->setSpacing(0);
    const double width = 0.8 / std::max(1, m_axes);
    for (int a = 0; a < m_axes; ++a) {
        auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setName(a < static_cast<int>(s.device->axisNames.size())
                          ? QString::fromStdString(s.device->axisNames[a])
                          : QString::number(a));
        bars->setWidth(width);
        bars->setBarsGroup(group);
        bars->setPen(QPen(axisColor(a)));
        QColor fill = axisColor(a);
        fill.setAlpha(170);
        bars->setBrush(fill);
        bars->setBaseValue(1e-12);
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText);
    for (std::size_t i = 0; i < m_bands.size(); ++i) {
        const double c = m_bands[i].centreHz;
        ticker->addTick(static_cast<double>(i), c >= 1000 ? QStringLiteral("%1k").arg(c / 1000, 0, 'g', 3)
                                                          : QString::number(c, 'g', 3));
    }
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.6, static_cast<double>(m_bands.size()) - 0.4);
    m_plot->yAxis->setLabel(
        tr("band RMS (%1)").arg(QString::fromUtf8(core::unitName(s.device->unit).data())));
}

void BandView::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device || s.spectra.empty() || !s.spectra.front())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (s.spectra == m_drawn ||
        (now - m_lastDrawMs < 500 && !m_drawn.empty() && m_rate == s.device->sampleRate))
        return;
    if (m_rate != s.device->sampleRate || m_axes != static_cast<int>(s.spectra.size()))
        rebuild(s);
    m_drawn = s.spectra;
    m_lastDrawMs = now;
    m_values.assign(m_axes, std::vector<double>(m_bands.size(), 0.0));
    double top = 1e-9, bottom = 1e9;
    for (int a = 0; a < m_axes && a < m_plot->plottableCount(); ++a) {
        auto* bars = static_cast<QCPBars*>(m_plot->plottable(a));
        if (!s.spectra[a])
            continue;
        QVector<double> keys, vals;
        for (std::size_t i = 0; i < m_bands.size(); ++i) {
            const double v = dsp::bandRms(*s.spectra[a], m_bands[i].lowHz, m_bands[i].highHz);
            m_values[a][i] = v;
            keys << static_cast<double>(i);
            vals << std::max(v, 1e-12);
            if (v > 0) {
                top = std::max(top, v);
                bottom = std::min(bottom, v);
            }
        }
        bars->setData(keys, vals, true);
    }
    m_plot->yAxis->setRange(std::max(bottom / 2, top * 1e-5), top * 2);
    m_title =
        tr("%1 — %2 band RMS")
            .arg(QString::fromStdString(s.device->id), m_perOctave == 3 ? tr("1/3-octave") : tr("octave"));
    setPlotTitle(m_plot, m_title);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace vibra::ui
