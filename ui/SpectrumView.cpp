#include "ui/SpectrumView.h"

#include "dsp/BearingFrequencies.h"
#include "ui/AxisColors.h"

#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace vibra::ui {

namespace {
constexpr int kMaxPeaks = 10;
const QColor kBearingColors[] = {QColor(0x8C, 0x56, 0x4B), QColor(0xE3, 0x77, 0xC2), QColor(0xFF, 0x7F, 0x0E),
                                 QColor(0x17, 0xBE, 0xCF), QColor(0x7F, 0x7F, 0x7F)};
} // namespace

SpectrumView::SpectrumView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot, 1);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    m_plot->xAxis->setLabel(tr("frequency (Hz)"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setBrush(QColor(255, 255, 255, 200));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    for (int i = 0; i < kMaxPeaks * 4; ++i) {
        auto* dot = new QCPItemTracer(m_plot);
        dot->setStyle(QCPItemTracer::tsCircle);
        dot->setSize(6);
        dot->setInterpolating(false);
        dot->setVisible(false);
        auto* label = new QCPItemText(m_plot);
        label->position->setParentAnchor(dot->position);
        label->position->setCoords(0, -14);
        label->setPadding(QMargins(2, 1, 2, 1));
        label->setBrush(QColor(255, 255, 255, 190));
        label->setVisible(false);
        m_peakDots.push_back(dot);
        m_peakLabels.push_back(label);
    }
    m_peakTable = new QLabel;
    m_peakTable->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_peakTable->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_peakTable->setContentsMargins(6, 0, 6, 2);
    m_peakTable->setVisible(false);
    m_peakTable->setSizePolicy(QSizePolicy::Ignored,
                               QSizePolicy::Fixed); // new text never relayouts the window
    layout->addWidget(m_peakTable);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* e) {
        const double f = m_plot->xAxis->pixelToCoord(e->position().x());
        // Snap to the highest line within +-1 % (at least 3 lines) on the first visible axis.
        for (std::size_t a = 0; a < m_drawn.size(); ++a) {
            if (!m_drawn[a] || !(m_options.axisMask & (1u << a)))
                continue;
            const auto& sp = *m_drawn[a];
            const auto& v = m_values[a];
            const double span = std::max(3 * sp.binHz, 0.01 * f);
            std::size_t best = 0;
            for (std::size_t k = 1; k < v.size(); ++k)
                if (std::abs(sp.frequency(k) - f) <= span && (best == 0 || v[k] > v[best]))
                    best = k;
            emit harmonicPicked(best ? sp.frequency(best) : f);
            return;
        }
        emit harmonicPicked(f);
    });
    updateAxes();
}

void SpectrumView::clear() {
    m_plot->clearGraphs();
    m_drawn.clear();
    m_values.clear();
    m_peaks.clear();
    m_nyquist = 0.0;
    m_rangeSet = false;
    for (auto* d : m_peakDots)
        d->setVisible(false);
    for (auto* l : m_peakLabels)
        l->setVisible(false);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setOptions(const SpectrumViewOptions& options) {
    const bool scaleChanged = options.quantity != m_options.quantity || options.unit != m_options.unit ||
                              options.decibel != m_options.decibel ||
                              options.logMagnitude != m_options.logMagnitude ||
                              options.logFrequency != m_options.logFrequency;
    if (options.envelope != m_options.envelope) {
        m_drawn.clear(); // the other kind of spectrum arrives with the next snapshot
        m_values.clear();
    }
    m_options = options;
    if (scaleChanged)
        m_rangeSet = false;
    updateAxes();
    render();
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

const std::vector<SpectrumView::Peak>& SpectrumView::peaks(int axis) const {
    static const std::vector<Peak> kNone;
    return axis < static_cast<int>(m_peaks.size()) ? m_peaks[axis] : kNone;
}

double SpectrumView::valueAt(int axis, double f) const {
    if (axis >= static_cast<int>(m_drawn.size()) || !m_drawn[axis])
        return 0.0;
    const auto k = static_cast<std::size_t>(std::llround(f / m_drawn[axis]->binHz));
    return k < m_values[axis].size() ? m_values[axis][k] : 0.0;
}

dsp::DisplayOptions SpectrumView::displayOptions() const {
    dsp::DisplayOptions o;
    o.quantity = m_options.quantity;
    o.unit = m_options.unit;
    o.toMetersPerSecond2 = m_toMs2;
    o.decibel = m_options.decibel;
    o.dbFloor = -200;
    return o;
}

QString SpectrumView::quantityLabel() const {
    QString u = m_nativeUnit.isEmpty() ? QStringLiteral("g") : m_nativeUnit;
    if (m_options.unit == dsp::SpectrumUnit::Acceleration)
        u = QStringLiteral("m/s²");
    else if (m_options.unit == dsp::SpectrumUnit::Velocity)
        u = QStringLiteral("mm/s");
    QString q;
    switch (m_options.quantity) {
    case dsp::SpectrumQuantity::AmplitudeRms:
        q = u + QStringLiteral(" RMS");
        break;
    case dsp::SpectrumQuantity::AmplitudePeak:
        q = u + QStringLiteral(" 0-pk");
        break;
    case dsp::SpectrumQuantity::Psd:
        q = QStringLiteral("(%1)²/Hz").arg(u);
        break;
    case dsp::SpectrumQuantity::Asd:
        q = QStringLiteral("%1/√Hz").arg(u);
        break;
    }
    if (m_options.envelope)
        q = tr("envelope %1").arg(q);
    if (m_options.decibel)
        return QStringLiteral("dB re 1 %1").arg(q);
    return q;
}

void SpectrumView::updateAxes() {
    const bool logY = m_options.logMagnitude && !m_options.decibel;
    if (logY) {
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
        m_plot->yAxis->setNumberPrecision(0);
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        m_plot->yAxis->setNumberFormat(QStringLiteral("gb"));
        m_plot->yAxis->setNumberPrecision(6);
    }
    if (m_options.logFrequency) {
        m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        m_plot->xAxis->setScaleType(QCPAxis::stLinear);
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    m_plot->yAxis->setLabel(quantityLabel());
}

void SpectrumView::ensureGraphs(int axes) {
    // Graphs 0..axes-1: averages; axes..2*axes-1: peak hold (dashed, lighter).
    if (m_plot->graphCount() == 2 * axes)
        return;
    m_plot->clearGraphs();
    for (int a = 0; a < axes; ++a)
        m_plot->addGraph()->setPen(QPen(axisColor(a), 1.0));
    for (int a = 0; a < axes; ++a) {
        QColor c = axisColor(a);
        c.setAlpha(140);
        auto* g = m_plot->addGraph();
        g->setPen(QPen(c, 1.0, Qt::DashLine));
        g->removeFromLegend();
    }
}

void SpectrumView::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device)
        return;
    const bool zoomed = !m_options.envelope && m_options.zoom && s.zoomFactor > 1 && !s.zoomSpectra.empty();
    const auto& spectra = m_options.envelope ? s.envelopeSpectra : zoomed ? s.zoomSpectra : s.spectra;
    const int axes = static_cast<int>(spectra.size());
    ensureGraphs(axes);
    m_drawn.resize(axes);
    m_values.resize(axes);
    m_nativeUnit = QString::fromUtf8(core::unitName(s.device->unit).data());
    m_toMs2 = s.device->unit == core::Unit::G ? core::kStandardGravity : 1.0;
    m_axisNames.clear();
    for (const auto& n : s.device->axisNames)
        m_axisNames << QString::fromStdString(n);
    bool changed = false;
    for (int a = 0; a < axes; ++a)
        if (spectra[a] && spectra[a] != m_drawn[a]) {
            m_drawn[a] = spectra[a];
            changed = true;
        }
    if (changed)
        render();
}

void SpectrumView::render() {
    const int axes = static_cast<int>(m_drawn.size());
    if (axes == 0)
        return;
    ensureGraphs(axes);
    const auto opt = displayOptions();
    const bool logY = m_options.logMagnitude && !m_options.decibel;
    double top = -std::numeric_limits<double>::infinity();
    double bottomDb = std::numeric_limits<double>::infinity();
    std::vector<float> hold;
    for (int a = 0; a < axes; ++a) {
        auto* g = m_plot->graph(a);
        auto* gh = m_plot->graph(axes + a);
        const bool visible = (m_options.axisMask & (1u << a)) != 0;
        g->setName(a < m_axisNames.size() ? m_axisNames[a] : QString::number(a));
        g->setVisible(visible);
        gh->setVisible(visible && m_options.showPeakHold);
        if (!m_drawn[a])
            continue;
        const auto& sp = *m_drawn[a];
        dsp::deriveDisplay(sp, sp.psd, opt, m_values[a]);
        const auto& v = m_values[a];
        QVector<QCPGraphData> pts;
        pts.reserve(static_cast<int>(v.size()));
        for (std::size_t k = 1; k < v.size(); ++k) { // DC skipped (mean removed)
            const double y = logY ? std::max(1e-12, static_cast<double>(v[k])) : v[k];
            pts.append({sp.frequency(k), y});
            if (visible) {
                top = std::max(top, y);
                bottomDb = std::min(bottomDb, y);
            }
        }
        g->data()->set(pts, true);
        if (m_options.showPeakHold && !sp.peakHold.empty()) {
            dsp::deriveDisplay(sp, sp.peakHold, opt, hold);
            QVector<QCPGraphData> hp;
            hp.reserve(static_cast<int>(hold.size()));
            for (std::size_t k = 1; k < hold.size(); ++k)
                hp.append({sp.frequency(k), logY ? std::max(1e-12, static_cast<double>(hold[k])) : hold[k]});
            gh->data()->set(hp, true);
        } else {
            gh->data()->clear();
        }
    }
    const auto it = std::find_if(m_drawn.begin(), m_drawn.end(), [](const auto& p) { return p != nullptr; });
    const dsp::Spectrum* first = it != m_drawn.end() ? it->get() : nullptr;
    if (first && first->sampleRate / 2.0 != m_nyquist) {
        m_nyquist = first->sampleRate / 2.0; // new device or rate: show the whole band
        m_rangeSet = false;
    }
    if (first && !m_rangeSet) {
        m_plot->xAxis->setRange(m_options.logFrequency ? std::max(1.0, first->binHz) : 0.0, m_nyquist);
    }
    if (std::isfinite(top)) {
        const QCPRange r = m_plot->yAxis->range();
        if (logY) {
            if (!m_rangeSet || top * 2 > r.upper || top * 50 < r.upper || r.lower <= 0)
                m_plot->yAxis->setRange(top * 1e-5, top * 3);
        } else if (m_options.decibel) {
            if (!m_rangeSet || top + 3 > r.upper || top + 30 < r.upper)
                m_plot->yAxis->setRange(std::max(bottomDb, top - 120), top + 10);
        } else if (!m_rangeSet || top * 1.05 > r.upper || top * 3 < r.upper) {
            m_plot->yAxis->setRange(0, top * 1.2);
        }
        m_rangeSet = true;
    }
    m_plot->yAxis->setLabel(quantityLabel());
    updatePeaks(axes);
    updateOverlays();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::updatePeaks(int axes) {
    m_peaks.assign(axes, {});
    std::size_t used = 0;
    const QString unit = quantityLabel();
    std::vector<double> placed; // pixel x of labels already placed: stack close ones upwards
    for (int a = 0; a < axes; ++a) {
        if (!m_drawn[a] || !(m_options.axisMask & (1u << a)) || m_options.peakMarkers <= 0)
            continue;
        const auto& sp = *m_drawn[a];
        const auto& v = m_values[a];
        // Local maxima, highest first, at least 5 lines apart.
        std::vector<std::size_t> cand;
        for (std::size_t k = 2; k + 1 < v.size(); ++k)
            if (v[k] > v[k - 1] && v[k] >= v[k + 1])
                cand.push_back(k);
        std::sort(cand.begin(), cand.end(), [&](std::size_t x, std::size_t y) { return v[x] > v[y]; });
        std::vector<std::size_t> chosen;
        for (std::size_t k : cand) {
            if (static_cast<int>(chosen.size()) >= std::min(m_options.peakMarkers, kMaxPeaks))
                break;
            if (std::none_of(chosen.begin(), chosen.end(),
                             [&](std::size_t c) { return (c > k ? c - k : k - c) < 5; }))
                chosen.push_back(k);
        }
        for (std::size_t k : chosen) {
            m_peaks[a].push_back({sp.frequency(k), v[k]});
            if (used >= m_peakDots.size())
                continue;
            auto* dot = m_peakDots[used];
            auto* label = m_peakLabels[used];
            ++used;
            dot->setGraph(m_plot->graph(a));
            dot->setGraphKey(sp.frequency(k));
            dot->setPen(QPen(axisColor(a)));
            dot->setVisible(true);
            label->setText(QStringLiteral("%1 Hz\n%2 %3")
                               .arg(sp.frequency(k), 0, 'f', sp.binHz < 1 ? 2 : 1)
                               .arg(v[k], 0, 'g', 4)
                               .arg(unit));
            label->setColor(axisColor(a));
            const double px = m_plot->xAxis->coordToPixel(sp.frequency(k));
            const auto near =
                std::count_if(placed.begin(), placed.end(), [px](double p) { return std::abs(p - px) < 80; });
            placed.push_back(px);
            label->position->setCoords(0, -18);
            // Labels only where they are readable (not crowded, not at the top edge); the table lists all.
            label->setVisible(near == 0 &&
                              m_plot->yAxis->coordToPixel(v[k]) > m_plot->axisRect()->top() + 40);
        }
    }
    QStringList table; // one line per axis under the plot
    for (int a = 0; a < axes; ++a) {
        if (m_peaks[a].empty())
            continue;
        QStringList cells;
        for (const auto& p : m_peaks[a])
            cells << QStringLiteral("%1 Hz: %2").arg(p.frequency, 0, 'f', 2).arg(p.value, 0, 'g', 4);
        table << QStringLiteral("%1 peaks (%2)  %3")
                     .arg(a < m_axisNames.size() ? m_axisNames[a] : QString::number(a), unit,
                          cells.join(QStringLiteral("   ")));
    }
    m_peakTable->setText(table.join(QLatin1Char('\n')));
    m_peakTable->setVisible(!table.isEmpty());
    for (; used < m_peakDots.size(); ++used) {
        m_peakDots[used]->setVisible(false);
        m_peakLabels[used]->setVisible(false);
    }
}

QCPItemStraightLine* SpectrumView::overlayLine(int index) {
    while (static_cast<int>(m_lines.size()) <= index) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->setVisible(false);
        auto* text = new QCPItemText(m_plot);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
        text->setRotation(-90);
        text->setVisible(false);
        m_lines.push_back(line);
        m_lineLabels.push_back(text);
    }
    return m_lines[index];
}

QCPItemText* SpectrumView::overlayText(int index) {
    overlayLine(index);
    return m_lineLabels[index];
}

void SpectrumView::updateOverlays() {
    int n = 0;
    const auto add = [&](double f, const QString& label, const QColor& color, Qt::PenStyle style, double y) {
        if (f <= 0 || f >= m_nyquist || n >= 200)
            return;
        auto* line = overlayLine(n);
        line->point1->setCoords(f, 0);
        line->point2->setCoords(f, 1);
        line->setPen(QPen(color, 1.0, style));
        line->setVisible(true);
        auto* text = overlayText(n);
        text->position->setCoords(f, y);
        text->setText(label);
        text->setColor(color);
        text->setVisible(true);
        ++n;
    };
    if (m_options.harmonicHz > 0) {
        for (int h = 1; h <= m_options.harmonicCount; ++h)
            add(h * m_options.harmonicHz, QStringLiteral("%1×").arg(h), QColor(0x80, 0x80, 0x80),
                Qt::DashDotLine, 0.02);
    }
    m_bearingMarkers.clear();
    if (m_options.showBearing) {
        if (const auto bf = dsp::BearingFrequencies::compute(m_options.bearing, m_options.shaftRpm / 60.0)) {
            const std::pair<const char*, double> kinds[] = {
                {"FTF", bf->ftfHz}, {"BPFO", bf->bpfoHz}, {"BPFI", bf->bpfiHz}, {"BSF", bf->bsfHz}};
            int c = 0;
            for (const auto& [name, f] : kinds) {
                for (int h = 1; h <= m_options.bearingHarmonics; ++h) {
                    const QString label =
                        h == 1 ? QString::fromLatin1(name) : QStringLiteral("%1×%2").arg(h).arg(name);
                    if (h * f < m_nyquist)
                        m_bearingMarkers.append({label, h * f});
                    add(h * f, label, kBearingColors[c], Qt::DashLine, 0.25);
                }
                ++c;
            }
        }
    }
    for (int i = n; i < static_cast<int>(m_lines.size()); ++i) {
        m_lines[i]->setVisible(false);
        m_lineLabels[i]->setVisible(false);
    }
}

} // namespace vibra::ui
