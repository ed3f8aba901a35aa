#include "ui/TimePlotView.h"

#include "ui/AxisColors.h"

#include <QVBoxLayout>
#include <qcustomplot.h>

namespace vibra::ui {

TimePlotView::TimePlotView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    m_plot->xAxis->setLabel(QStringLiteral("time before now (s)"));
    m_plot->yAxis->setLabel(QStringLiteral("acceleration"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setBrush(QColor(255, 255, 255, 200));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Vertical);
    m_plot->axisRect()->setRangeDrag(Qt::Vertical);
}

void TimePlotView::clear() {
    m_plot->clearGraphs();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int TimePlotView::pointCount(int axis) const {
    return axis < m_plot->graphCount() ? m_plot->graph(axis)->dataCount() : 0;
}

void TimePlotView::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device)
        return;
    const int axes = static_cast<int>(s.envelopeMin.size());
    while (m_plot->graphCount() > axes)
        m_plot->removeGraph(m_plot->graphCount() - 1);
    while (m_plot->graphCount() < axes) {
        const int a = m_plot->graphCount();
        auto* g = m_plot->addGraph();
        g->setPen(QPen(axisColor(a), 1.0));
        g->setAdaptiveSampling(false); // data are already min/max reduced
    }
    const QString unit = QString::fromUtf8(core::unitName(s.device->unit).data());
    if (unit != m_unit) {
        m_unit = unit;
        m_plot->yAxis->setLabel(QStringLiteral("acceleration (%1)").arg(unit));
    }
    const double dt = static_cast<double>(s.envelopeBucketSamples) / s.device->sampleRate;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int a = 0; a < axes; ++a) {
        const auto& mn = s.envelopeMin[a];
        const auto& mx = s.envelopeMax[a];
        const auto n = static_cast<int>(mn.size());
        QVector<QCPGraphData> pts;
        pts.reserve(2 * n);
        for (int i = 0; i < n; ++i) {
            const double t = -static_cast<double>(n - 1 - i) * dt;
            pts.append({t, mn[i]});
            pts.append({t + 1e-9, mx[i]});
            lo = std::min(lo, static_cast<double>(mn[i]));
            hi = std::max(hi, static_cast<double>(mx[i]));
        }
        auto* g = m_plot->graph(a);
        g->data()->set(pts, true);
        g->setName(QString::fromStdString(s.device->axisNames[a]));
    }
    m_plot->xAxis->setRange(-s.displaySeconds, 0.0);
    if (std::isfinite(lo) && std::isfinite(hi)) {
        const double pad = std::max(1e-6, (hi - lo) * 0.05);
        // Only grow, or shrink when the signal is much smaller: a calm axis that does not jump each frame.
        const QCPRange r = m_plot->yAxis->range();
        if (lo - pad < r.lower || hi + pad > r.upper || (hi - lo) < 0.5 * r.size())
            m_plot->yAxis->setRange(lo - pad, hi + pad);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace vibra::ui
