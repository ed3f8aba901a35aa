#include "ui/SpectrumView.h"

#include "ui/AxisColors.h"

#include <QVBoxLayout>
#include <qcustomplot.h>

namespace vibra::ui {

SpectrumView::SpectrumView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    m_plot->xAxis->setLabel(QStringLiteral("frequency (Hz)"));
    m_plot->yAxis->setLabel(QStringLiteral("amplitude (RMS per line)"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_plot->yAxis->setNumberPrecision(0);
    m_plot->legend->setVisible(true);
    m_plot->legend->setBrush(QColor(255, 255, 255, 200));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
}

void SpectrumView::clear() {
    m_plot->clearGraphs();
    m_drawn.clear();
    m_nyquist = 0.0;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int SpectrumView::pointCount(int axis) const {
    return axis < m_plot->graphCount() ? m_plot->graph(axis)->dataCount() : 0;
}

double SpectrumView::peakFrequency(int axis) const {
    if (axis >= static_cast<int>(m_drawn.size()) || !m_drawn[axis])
        return 0.0;
    const auto& psd = m_drawn[axis]->psd;
    std::size_t best = 1;
    for (std::size_t k = 1; k < psd.size(); ++k)
        if (psd[k] > psd[best])
            best = k;
    return m_drawn[axis]->frequency(best);
}

void SpectrumView::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device)
        return;
    const int axes = static_cast<int>(s.spectra.size());
    while (m_plot->graphCount() > axes)
        m_plot->removeGraph(m_plot->graphCount() - 1);
    while (m_plot->graphCount() < axes) {
        auto* g = m_plot->addGraph();
        g->setPen(QPen(axisColor(m_plot->graphCount() - 1), 1.0));
    }
    m_drawn.resize(axes);
    const QString unit = QString::fromUtf8(core::unitName(s.device->unit).data());
    if (unit != m_unit) {
        m_unit = unit;
        m_plot->yAxis->setLabel(QStringLiteral("amplitude (%1 RMS per line)").arg(unit));
    }
    bool changed = false;
    double top = 0;
    for (int a = 0; a < axes; ++a) {
        const auto& sp = s.spectra[a];
        m_plot->graph(a)->setName(QString::fromStdString(s.device->axisNames[a]));
        if (!sp || sp == m_drawn[a])
            continue;
        m_drawn[a] = sp;
        changed = true;
        QVector<QCPGraphData> pts;
        pts.reserve(static_cast<int>(sp->psd.size()));
        for (std::size_t k = 1; k < sp->psd.size(); ++k) { // skip DC (mean removed)
            const double v = std::max(1e-12, sp->lineRms(k));
            pts.append({sp->frequency(k), v});
            top = std::max(top, v);
        }
        m_plot->graph(a)->data()->set(pts, true);
    }
    if (!changed)
        return;
    if (!m_drawn.empty() && m_drawn.front() && m_drawn.front()->sampleRate / 2.0 != m_nyquist) {
        m_nyquist = m_drawn.front()->sampleRate / 2.0; // new device or rate: show the whole band
        m_plot->xAxis->setRange(0.0, m_nyquist);
    }
    if (top > 0) {
        const QCPRange r = m_plot->yAxis->range();
        if (top * 2 > r.upper || top * 50 < r.upper || r.lower <= 0)
            m_plot->yAxis->setRange(top * 1e-5, top * 3);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace vibra::ui
