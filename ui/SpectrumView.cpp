#include "ui/SpectrumView.h"

#include "dsp/BearingFrequencies.h"
#include "ui/AxisColors.h"
#include "ui/PlotHeader.h"
#include "ui/SpectrumMarkers.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vibra::ui {

namespace {
constexpr std::size_t kMaxPeaks = 10;
constexpr double kMachineSpanHz = 1000; // machine lines (shaft orders, ISO 10816 band) live below 1 kHz
constexpr double kLogFloor = 1e-12;
const QColor kBearingColors[] = {QColor(0x8C, 0x56, 0x4B), QColor(0xE3, 0x77, 0xC2), QColor(0xFF, 0x7F, 0x0E),
                                 QColor(0x17, 0xBE, 0xCF), QColor(0x7F, 0x7F, 0x7F)};
const QColor kHarmonicColor(0x70, 0x70, 0x70);
const QColor kDetectedColor(0xC0, 0x10, 0x10);

QString hz(double f, double binHz) {
    return QString::number(f, 'f', binHz < 10 ? 2 : 1);
}
QString value(double v) {
    return QString::number(v, 'g', 4);
}
} // namespace

SpectrumView::SpectrumView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_markers(std::make_unique<SpectrumMarkers>(m_plot))
    , m_span(new QComboBox)
    , m_full(new QToolButton)
    , m_readings(new QLabel) {
    m_span->setObjectName(QStringLiteral("frequencySpan"));
    m_span->addItem(tr("Auto"), 0.0);
    for (double f : {200.0, 500.0, 1000.0, 2000.0, 5000.0})
        m_span->addItem(f < 1000 ? tr("0–%1 Hz").arg(f) : tr("0–%1 kHz").arg(f / 1000), f);
    m_span->addItem(tr("Full (0–Nyquist)"), -1.0);
    m_span->setToolTip(tr("Frequency span. Auto: 0–1 kHz for machines (the whole band on a log axis), the "
                          "envelope spectrum up to 5× the highest bearing-defect frequency"));
    m_full->setObjectName(QStringLiteral("fullRange"));
    m_full->setText(tr("Full range"));
    m_full->setCheckable(true);
    m_full->setToolTip(tr("Show 0..Nyquist (click again for the automatic span)"));
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(new QLabel(tr("Span:")));
    bar->addWidget(m_span);
    bar->addWidget(m_full);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    tuneLivePlot(m_plot);
    m_plot->xAxis->setLabel(tr("frequency (Hz)"));
    installPlotHeader(m_plot, m_plot->legend);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    m_readings->setObjectName(QStringLiteral("spectrumReadings"));
    m_readings->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_readings->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readings->setContentsMargins(6, 0, 6, 2);
    m_readings->setVisible(false);
    m_readings->setSizePolicy(QSizePolicy::Ignored,
                              QSizePolicy::Fixed); // new text never relayouts the window
    layout->addWidget(m_readings);

    connect(m_plot, &QCustomPlot::afterLayout, this, [this] { m_markers->layout(); });
    // Zooming or panning changes which peaks are in view.
    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            [this] { updateReadings(); });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* e) {
        const double f = m_plot->xAxis->pixelToCoord(e->position().x());
        const auto* sp = firstShown();
        emit harmonicPicked(sp ? snapToPeak(*sp, f, displayOptions()) : f);
    });
    connect(m_span, &QComboBox::currentIndexChanged, this,
            [this](int i) { setSpan(m_span->itemData(i).toDouble()); });
    connect(m_full, &QToolButton::toggled, this, [this](bool on) { setSpan(on ? -1.0 : 0.0); });
    updateAxes();
}

SpectrumView::~SpectrumView() = default;

void SpectrumView::clear() {
    m_plot->clearGraphs();
    m_drawn.clear();
    m_values.clear();
    m_peaks.clear();
    m_harmonics.clear();
    m_bearing.clear();
    m_device.clear();
    m_rangeKey.clear();
    m_yRangeSet = false;
    m_markers->set({}, {});
    updateTitle();
    m_readings->clear();
    m_readings->setVisible(false);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setOptions(const SpectrumViewOptions& options) {
    const bool scaleChanged = options.quantity != m_options.quantity || options.unit != m_options.unit ||
                              options.decibel != m_options.decibel ||
                              options.logMagnitude != m_options.logMagnitude;
    if (options.envelope != m_options.envelope || options.zoom != m_options.zoom) {
        m_drawn.clear(); // the other kind of spectrum arrives with the next snapshot
        m_values.clear();
        m_yRangeSet = false;
    }
    m_options = options;
    if (scaleChanged)
        m_yRangeSet = false;
    {
        const QSignalBlocker b1(m_span), b2(m_full);
        const int i = m_span->findData(m_options.spanHz);
        m_span->setCurrentIndex(i >= 0 ? i : 0);
        m_full->setChecked(m_options.spanHz < 0);
    }
    updateAxes();
    render();
    updateTitle();
}

void SpectrumView::setSpan(double spanHz) {
    if (spanHz == m_options.spanHz)
        return;
    auto o = m_options;
    o.spanHz = spanHz;
    setOptions(o);
}

int SpectrumView::pointCount(int axis) const {
    return axis < m_plot->graphCount() ? m_plot->graph(axis)->dataCount() : 0;
}

double SpectrumView::peakFrequency(int axis) const {
    if (axis >= static_cast<int>(m_drawn.size()) || !m_drawn[axis])
        return 0.0;
    const auto p = readPeaks(*m_drawn[axis], 1, 0, std::numeric_limits<double>::infinity(), displayOptions());
    return p.empty() ? 0.0 : p.front().frequencyHz;
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

QString SpectrumView::readingsText() const {
    return m_readings->text();
}

std::pair<double, double> SpectrumView::frequencyRange() const {
    return {m_plot->xAxis->range().lower, m_plot->xAxis->range().upper};
}

QList<QRectF> SpectrumView::labelRects() const {
    return m_markers->visibleLabelRects();
}

QStringList SpectrumView::labels() const {
    return m_markers->visibleLabels();
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

const dsp::Spectrum* SpectrumView::firstShown() const {
    for (std::size_t a = 0; a < m_drawn.size(); ++a)
        if (m_drawn[a] && (m_options.axisMask & (1u << a)))
            return m_drawn[a].get();
    return nullptr;
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
    const bool logF = m_options.logFrequency;
    if (logF != (m_plot->xAxis->scaleType() == QCPAxis::stLogarithmic)) {
        m_plot->xAxis->setScaleType(logF ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        m_plot->xAxis->setTicker(logF ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                      : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
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
    const QString id = QString::fromStdString(s.device->id);
    if (id != m_device) {
        m_device = id;
        m_rangeKey.clear();
        m_yRangeSet = false;
    }
    m_zoomFactor = zoomed ? s.zoomFactor : 1;
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

void SpectrumView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_stale)
        render();
}

void SpectrumView::render() {
    const int axes = static_cast<int>(m_drawn.size());
    if (axes == 0)
        return;
    m_stale = !isVisible(); // hidden (another tab): keep the newest spectra, render when shown
    if (m_stale)
        return;
    ensureGraphs(axes);
    const auto opt = displayOptions();
    const bool logY = m_options.logMagnitude && !m_options.decibel;
    double top = -std::numeric_limits<double>::infinity();
    double bottomDb = std::numeric_limits<double>::infinity();
    std::vector<float> hold;
    QVector<QCPGraphData> pts;
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
        pts.resize(v.empty() ? 0 : static_cast<int>(v.size() - 1));
        for (std::size_t k = 1; k < v.size(); ++k) { // DC skipped (mean removed)
            const double y = logY ? std::max(kLogFloor, static_cast<double>(v[k])) : v[k];
            pts[static_cast<int>(k - 1)] = {sp.frequency(k), y};
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
                hp.append(
                    {sp.frequency(k), logY ? std::max(kLogFloor, static_cast<double>(hold[k])) : hold[k]});
            gh->data()->set(hp, true);
        } else {
            gh->data()->clear();
        }
    }
    if (std::isfinite(top)) {
        const QCPRange r = m_plot->yAxis->range();
        if (logY) {
            if (!m_yRangeSet || top * 2 > r.upper || top * 50 < r.upper || r.lower <= 0)
                m_plot->yAxis->setRange(top * 1e-5, top * 3);
        } else if (m_options.decibel) {
            if (!m_yRangeSet || top + 3 > r.upper || top + 30 < r.upper)
                m_plot->yAxis->setRange(std::max(bottomDb, top - 120), top + 10);
        } else if (!m_yRangeSet || top * 1.05 > r.upper || top * 3 < r.upper) {
            m_plot->yAxis->setRange(0, top * 1.2);
        }
        m_yRangeSet = true;
    }
    m_plot->yAxis->setLabel(quantityLabel());
    updateFrequencyRange(false); // (re)computes the readings when the range changes
    updateTitle();
    updateReadings();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

double SpectrumView::autoSpanHz(const dsp::Spectrum& s) const {
    const double nyquist = s.sampleRate / 2.0;
    if (m_options.envelope) {
        const auto bf = dsp::BearingFrequencies::compute(m_options.bearing, m_options.shaftRpm / 60.0);
        if (m_options.showBearing && bf)
            return std::min(nyquist, 5.0 * std::max({bf->ftfHz, bf->bpfoHz, bf->bpfiHz, bf->bsfHz}));
        return std::min(nyquist, kMachineSpanHz);
    }
    if (m_zoomFactor > 1)
        return 0.8 * nyquist; // the decimator's flat pass band
    return m_options.logFrequency ? nyquist : std::min(nyquist, kMachineSpanHz);
}

void SpectrumView::updateFrequencyRange(bool force) {
    const auto* s = firstShown();
    if (!s)
        return;
    const double nyquist = s->sampleRate / 2.0;
    const double hi = m_options.spanHz < 0   ? nyquist
                      : m_options.spanHz > 0 ? std::min(m_options.spanHz, nyquist)
                                             : autoSpanHz(*s);
    const double lo = m_options.logFrequency ? std::max(0.5, s->binHz) : 0.0;
    // Reset the range only when what it is computed from changes: a zoom or pan of the user stays.
    std::vector<double> key{nyquist, hi, lo};
    if (!force && key == m_rangeKey)
        return;
    m_rangeKey = std::move(key);
    m_plot->xAxis->setRange(lo, std::max(hi, lo * 1.01));
}

void SpectrumView::updateTitle() {
    QString kind;
    if (m_options.envelope)
        kind = tr("envelope spectrum of %1–%2 Hz").arg(m_options.envelopeLowHz).arg(m_options.envelopeHighHz);
    else if (m_zoomFactor > 1)
        kind = tr("band zoom ÷%1").arg(m_zoomFactor);
    else
        kind = tr("spectrum");
    const auto* s = firstShown();
    m_title = m_device.isEmpty() ? QString()
              : s                ? tr("%1 — %2, Δf %3 Hz").arg(m_device, kind).arg(s->binHz, 0, 'g', 3)
                                 : tr("%1 — %2").arg(m_device, kind);
    setPlotTitle(m_plot, m_title);
}

void SpectrumView::updateReadings() {
    const int axes = static_cast<int>(m_drawn.size());
    const auto opt = displayOptions();
    const auto* first = firstShown();
    std::vector<SpectrumMarkers::Line> lines;
    std::vector<SpectrumMarkers::Dot> dots;
    QStringList text;
    const bool logY = m_options.logMagnitude && !m_options.decibel;
    // Peaks in view (within the band the spectrum is valid for).
    m_peaks.assign(axes, {});
    const QCPRange view = m_plot->xAxis->range();
    const std::size_t n = std::min<std::size_t>(std::max(0, m_options.peakMarkers), kMaxPeaks);
    for (int a = 0; a < axes && n > 0; ++a) {
        if (!m_drawn[a] || !(m_options.axisMask & (1u << a)))
            continue;
        const auto& sp = *m_drawn[a];
        double maxHz = view.upper;
        if (m_zoomFactor > 1)
            maxHz = std::min(maxHz, 0.8 * sp.sampleRate / 2.0);
        if (m_options.envelope)
            maxHz = std::min(maxHz, m_options.envelopeHighHz - m_options.envelopeLowHz);
        m_peaks[a] = readPeaks(sp, n, std::max(0.0, view.lower), maxHz, opt);
        QStringList cells;
        for (std::size_t i = 0; i < m_peaks[a].size(); ++i) {
            const auto& p = m_peaks[a][i];
            dots.push_back({p.frequencyHz, logY ? std::max(kLogFloor, p.value) : p.value,
                            QStringLiteral("%1 Hz %2").arg(hz(p.frequencyHz, sp.binHz), value(p.value)),
                            axisColor(a), static_cast<int>(i) * 4 + a});
            cells << QStringLiteral("%1 Hz %2").arg(hz(p.frequencyHz, sp.binHz), value(p.value));
        }
        text << QStringLiteral("%1 peaks (%2)  %3")
                    .arg(a < m_axisNames.size() ? m_axisNames[a] : QString::number(a), quantityLabel(),
                         cells.join(QStringLiteral(" · ")));
    }
    // Harmonic cursor: lines at h x f0, each harmonic read where it really is.
    m_harmonics.clear();
    if (m_options.harmonicHz > 0) {
        for (int h = 1; h <= m_options.harmonicCount; ++h)
            lines.push_back({h * m_options.harmonicHz, QStringLiteral("%1×").arg(h), kHarmonicColor,
                             Qt::DashDotLine, 1.0, 10 + h});
        if (first) {
            m_harmonics = readHarmonics(*first, m_options.harmonicHz, m_options.harmonicCount, opt);
            QStringList cells;
            for (const auto& r : m_harmonics)
                cells << (r.present ? QStringLiteral("%1× %2 Hz %3")
                                          .arg(r.order)
                                          .arg(hz(r.frequencyHz, first->binHz), value(r.value))
                                    : QStringLiteral("%1× —").arg(r.order));
            text << tr("harmonics of %1 Hz  %2")
                        .arg(hz(m_options.harmonicHz, first->binHz), cells.join(" · "));
        }
    }
    updateBearing(lines, text);
    m_markers->set(std::move(lines), std::move(dots));
    m_readings->setText(text.join(QLatin1Char('\n')));
    m_readings->setToolTip(m_readings->text());
    m_readings->setVisible(!text.isEmpty());
}

void SpectrumView::updateBearing(std::vector<SpectrumMarkers::Line>& lines, QStringList& text) {
    m_bearingMarkers.clear();
    m_bearing.clear();
    const auto bf = dsp::BearingFrequencies::compute(m_options.bearing, m_options.shaftRpm / 60.0);
    if (!m_options.showBearing || !bf)
        return;
    const auto* first = firstShown();
    const double nyquist = first ? first->sampleRate / 2.0 : std::numeric_limits<double>::infinity();
    const double binHz = first ? first->binHz : 1.0;
    if (m_options.envelope) {
        std::vector<const dsp::Spectrum*> byAxis;
        for (std::size_t a = 0; a < m_drawn.size(); ++a)
            byAxis.push_back(m_drawn[a] && (m_options.axisMask & (1u << a)) ? m_drawn[a].get() : nullptr);
        m_bearing = readBearing(byAxis, *bf, m_options.envelopeHighHz - m_options.envelopeLowHz);
    }
    const auto detected = [this](const QString& name) {
        return std::any_of(m_bearing.begin(), m_bearing.end(), [&](const BearingReading& r) {
            return r.detected && QString::fromStdString(r.name) == name;
        });
    };
    // Expected positions: dashed, one colour per defect; a detected line is labelled at its measured place.
    const std::pair<const char*, double> kinds[] = {
        {"FTF", bf->ftfHz}, {"BPFO", bf->bpfoHz}, {"BPFI", bf->bpfiHz}, {"BSF", bf->bsfHz}};
    int c = 0;
    QStringList expected;
    for (const auto& [name, f] : kinds) {
        const QString n = QString::fromLatin1(name);
        for (int h = 1; h <= m_options.bearingHarmonics && h * f < nyquist; ++h) {
            const QString label = h == 1 ? n : QStringLiteral("%1×%2").arg(h).arg(n);
            m_bearingMarkers.append({label, h * f});
            lines.push_back({h * f, h == 1 && detected(n) ? QString() : label, kBearingColors[c],
                             Qt::DashLine, 1.0, 20 + 4 * h + c});
        }
        expected << QStringLiteral("%1 %2").arg(n, hz(f, binHz));
        ++c;
    }
    for (const auto& r : m_bearing) {
        if (!r.detected)
            continue;
        lines.push_back({r.frequencyHz, QStringLiteral("✔ %1").arg(QString::fromStdString(r.name)),
                         kDetectedColor, Qt::SolidLine, 2.0, 0});
        for (double h : r.harmonicsHz)
            lines.push_back({h, QString(), kDetectedColor, Qt::SolidLine, 1.0, 1});
    }
    const QString head =
        tr("bearing Z %1 at %2 r/min").arg(m_options.bearing.rollingElements).arg(m_options.shaftRpm);
    if (!m_options.envelope) {
        text << tr("%1 (expected; verdicts on the envelope spectrum)  %2 Hz").arg(head, expected.join(" · "));
        return;
    }
    QStringList cells;
    for (const auto& r : m_bearing) {
        const QString name = QString::fromStdString(r.name);
        const QString axis = r.axis >= 0 && r.axis < m_axisNames.size() ? m_axisNames[r.axis] : QString();
        if (r.detected)
            cells << tr("%1 ✔ %2 Hz (%3 %, confidence %4, %5)")
                         .arg(name, hz(r.frequencyHz, binHz))
                         .arg(r.offsetPct, 0, 'f', 2)
                         .arg(r.confidence, 0, 'f', 2)
                         .arg(axis);
        else
            cells << (r.found ? tr("%1 ✘ (%2 Hz, confidence %3)")
                                    .arg(name, hz(r.frequencyHz, binHz))
                                    .arg(r.confidence, 0, 'f', 2)
                              : tr("%1 ✘").arg(name));
    }
    text << QStringLiteral("%1  %2").arg(head, cells.join(QStringLiteral(" · ")));
}

} // namespace vibra::ui
