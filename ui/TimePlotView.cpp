#include "ui/TimePlotView.h"

#include "ui/AxisColors.h"
#include "ui/PlotHeader.h"
#include "ui/Theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

namespace vibra::ui {

TimePlotView::TimePlotView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_window(new QDoubleSpinBox)
    , m_layoutBox(new QComboBox)
    , m_pause(new QToolButton)
    , m_cursorsBox(new QCheckBox(tr("Cursors")))
    , m_readout(new QLabel)
    , m_triggerBox(new QComboBox)
    , m_triggerAxis(new QComboBox)
    , m_triggerSlope(new QComboBox)
    , m_triggerLevel(new QDoubleSpinBox)
    , m_triggerPre(new QDoubleSpinBox)
    , m_triggerState(new QLabel)
    , m_arm(new QToolButton) {
    m_arm->setText(tr("Arm"));
    m_arm->setToolTip(tr("Re-arm the single-shot trigger"));
    m_arm->setVisible(false);
    connect(m_arm, &QToolButton::clicked, this, &TimePlotView::armTrigger);
    m_triggerBox->setObjectName(QStringLiteral("triggerMode"));
    m_triggerBox->addItems({tr("Free run"), tr("Trigger: normal"), tr("Trigger: single")});
    m_triggerAxis->addItems({QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")});
    m_triggerSlope->addItems({tr("rising"), tr("falling")});
    m_triggerLevel->setRange(-1e6, 1e6);
    m_triggerLevel->setDecimals(3);
    m_triggerLevel->setValue(0.5);
    m_triggerLevel->setToolTip(tr("Trigger level"));
    m_triggerPre->setRange(0, 95);
    m_triggerPre->setValue(25);
    m_triggerPre->setSuffix(QStringLiteral(" % pre"));
    m_triggerPre->setToolTip(tr("Share of the window before the trigger"));
    for (QWidget* w : {static_cast<QWidget*>(m_triggerAxis), static_cast<QWidget*>(m_triggerSlope),
                       static_cast<QWidget*>(m_triggerLevel), static_cast<QWidget*>(m_triggerPre)})
        w->setEnabled(false);
    m_window->setObjectName(QStringLiteral("timeWindow"));
    m_window->setRange(0.1, 60.0);
    m_window->setDecimals(1);
    m_window->setSingleStep(0.5);
    m_window->setValue(2.0);
    m_window->setSuffix(QStringLiteral(" s"));
    m_window->setToolTip(tr("Time window (0.1-60 s)"));
    m_layoutBox->addItem(tr("Overlaid"));
    m_layoutBox->addItem(tr("Stacked"));
    m_pause->setText(tr("Pause"));
    m_pause->setCheckable(true);
    m_pause->setShortcut(QKeySequence(Qt::Key_Space));
    m_pause->setToolTip(tr("Freeze the time view (Space); zoom and pan while paused"));
    m_cursorsBox->setToolTip(tr("Two cursors: left click places cursor 1, right click cursor 2"));
    m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readout->setVisible(false);
    m_readout->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // new text: no window relayout
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_readout->setFont(mono);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(new QLabel(tr("Window:")));
    bar->addWidget(m_window);
    bar->addWidget(m_layoutBox);
    bar->addWidget(m_pause);
    bar->addWidget(m_cursorsBox);
    bar->addSpacing(12);
    bar->addWidget(m_triggerBox);
    bar->addWidget(m_triggerAxis);
    bar->addWidget(m_triggerSlope);
    bar->addWidget(m_triggerLevel);
    bar->addWidget(m_triggerPre);
    bar->addWidget(m_arm);
    bar->addWidget(m_triggerState);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_readout);
    m_plot->setNoAntialiasingOnDrag(true);
    m_plot->setNotAntialiasedElements(QCP::aeAll);
    tuneLivePlot(m_plot);

    connect(m_window, &QDoubleSpinBox::valueChanged, this,
            [this](double v) { emit windowSecondsChanged(v); });
    connect(m_layoutBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setLayoutMode(i == 0 ? Layout::Overlaid : Layout::Stacked); });
    connect(m_pause, &QToolButton::toggled, this, &TimePlotView::setPaused);
    connect(m_cursorsBox, &QCheckBox::toggled, this, &TimePlotView::setCursorsEnabled);
    connect(m_triggerBox, &QComboBox::currentIndexChanged, this, &TimePlotView::applyTrigger);
    connect(m_triggerAxis, &QComboBox::currentIndexChanged, this, &TimePlotView::applyTrigger);
    connect(m_triggerSlope, &QComboBox::currentIndexChanged, this, &TimePlotView::applyTrigger);
    connect(m_triggerLevel, &QDoubleSpinBox::valueChanged, this, &TimePlotView::applyTrigger);
    connect(m_triggerPre, &QDoubleSpinBox::valueChanged, this, &TimePlotView::applyTrigger);
    connect(m_window, &QDoubleSpinBox::valueChanged, this, &TimePlotView::applyTrigger);
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (!m_cursorsOn || m_rects.empty())
            return;
        const double t =
            std::min(0.0, m_rects.front()->axis(QCPAxis::atBottom)->pixelToCoord(e->position().x()));
        if (e->button() == Qt::LeftButton)
            setCursors(t, m_t2);
        else if (e->button() == Qt::RightButton)
            setCursors(m_t1, t);
    });
    rebuildLayout(0);
}

void TimePlotView::setWindowSeconds(double seconds) {
    m_window->setValue(seconds);
}

double TimePlotView::windowSeconds() const {
    return m_window->value();
}

void TimePlotView::setLayoutMode(Layout layout) {
    if (layout == m_layout)
        return;
    m_layout = layout;
    m_layoutBox->setCurrentIndex(layout == Layout::Overlaid ? 0 : 1);
    rebuildLayout(std::max(0, m_axes));
    render();
}

void TimePlotView::setPaused(bool paused) {
    if (paused == m_paused)
        return;
    m_paused = paused;
    m_pause->setChecked(paused);
    for (auto* r : m_rects) {
        r->setRangeDrag(paused ? Qt::Horizontal | Qt::Vertical : Qt::Vertical);
        r->setRangeZoom(paused ? Qt::Horizontal | Qt::Vertical : Qt::Vertical);
    }
    render(); // paused: every envelope bucket, for zooming in; running: one pair per pixel column
}

void TimePlotView::setCursorsEnabled(bool on) {
    if (on == m_cursorsOn)
        return;
    m_cursorsOn = on;
    m_cursorsBox->setChecked(on);
    m_readout->setVisible(on);
    if (on) {
        const double w = windowSeconds();
        if (m_t1 < -w || m_t2 < -w)
            setCursors(-0.75 * w, -0.25 * w);
    }
    emit rawSamplesWanted();
    updateCursorItems();
    updateReadout();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void TimePlotView::setCursors(double t1, double t2) {
    m_t1 = std::min(0.0, t1);
    m_t2 = std::min(0.0, t2);
    updateCursorItems();
    updateReadout();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void TimePlotView::clear() {
    m_shown.reset();
    m_title.clear();
    setPlotTitle(m_plot, m_title);
    for (int i = 0; i < m_plot->graphCount(); ++i)
        m_plot->graph(i)->data()->clear();
    updateReadout();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int TimePlotView::pointCount(int axis) const {
    return axis < m_plot->graphCount() ? m_plot->graph(axis)->dataCount() : 0;
}

void TimePlotView::rebuildLayout(int axes) {
    m_plot->clearItems();
    m_triggerLine = nullptr;
    m_plot->clearGraphs();
    m_cursorLines.clear();
    m_plot->plotLayout()->clear(); // deletes the old axis rects and the legend inside them
    m_rects.clear();
    const int rects = m_layout == Layout::Stacked ? std::max(1, axes) : 1;
    for (int i = 0; i < rects; ++i) {
        auto* rect = new QCPAxisRect(m_plot);
        m_plot->plotLayout()->addElement(i, 0, rect);
        rect->axis(QCPAxis::atBottom)->setRange(-windowSeconds(), 0.0);
        if (i + 1 == rects)
            rect->axis(QCPAxis::atBottom)->setLabel(tr("time before newest sample (s)"));
        else
            rect->axis(QCPAxis::atBottom)->setTickLabels(false);
        rect->setRangeDrag(m_paused ? Qt::Horizontal | Qt::Vertical : Qt::Vertical);
        rect->setRangeZoom(m_paused ? Qt::Horizontal | Qt::Vertical : Qt::Vertical);
        if (i > 0)
            rect->axis(QCPAxis::atBottom)->setRange(m_rects.front()->axis(QCPAxis::atBottom)->range());
        m_rects.push_back(rect);
    }
    // Stacked rects share x: keep their ranges and margins aligned.
    auto* group = new QCPMarginGroup(m_plot);
    for (auto* r : m_rects) {
        r->setMarginGroup(QCP::msLeft | QCP::msRight, group);
        for (auto* other : m_rects)
            if (other != r)
                connect(r->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::rangeChanged),
                        other->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::setRange));
    }
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    for (int a = 0; a < axes; ++a) {
        auto* rect = m_rects[m_layout == Layout::Stacked ? a : 0];
        auto* g = m_plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        g->setPen(QPen(axisColor(a), 1.0));
        g->setAdaptiveSampling(false); // data are already min/max reduced
    }
    m_plot->legend = nullptr;
    QCPLegend* legend = nullptr;
    if (m_layout == Layout::Overlaid && axes > 0) {
        legend = new QCPLegend;
        m_rects.front()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
        legend->setLayer(QStringLiteral("legend"));
        m_plot->legend = legend;
        for (int a = 0; a < axes; ++a)
            m_plot->graph(a)->addToLegend(legend);
    }
    installPlotHeader(m_plot, legend); // the legend moves into the header: it never covers a trace
    setPlotTitle(m_plot, m_title);
    for (auto* rect : m_rects)
        for (int c = 0; c < 2; ++c) {
            auto* line = new QCPItemStraightLine(m_plot);
            line->setClipAxisRect(rect);
            line->point1->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            line->point2->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point1->setAxisRect(rect);
            line->point2->setAxisRect(rect);
            line->setPen(QPen(c == 0 ? QColor(0, 0, 0) : QColor(0x99, 0x33, 0xCC), 1.2, Qt::DashLine));
            m_cursorLines.push_back(line);
        }
    m_axes = axes;
    updateCursorItems();
    applyPlotTheme(m_plot, plotThemeIsDark(m_plot)); // the new rects and header take the current theme
}

void TimePlotView::updateCursorItems() {
    for (std::size_t i = 0; i < m_cursorLines.size(); ++i) {
        const double t = i % 2 == 0 ? m_t1 : m_t2;
        m_cursorLines[i]->point1->setCoords(t, 0);
        m_cursorLines[i]->point2->setCoords(t, 1);
        m_cursorLines[i]->setVisible(m_cursorsOn);
    }
}

void TimePlotView::draw(const pipeline::DeviceSnapshotPtr& snapshot) {
    if (m_paused || !snapshot || !snapshot->device)
        return;
    if (m_triggerMode != TriggerMode::Off) {
        auto s = m_trigger.settings();
        s.frameSamples =
            static_cast<std::uint32_t>(std::llround(windowSeconds() * snapshot->device->sampleRate));
        s.preSamples =
            static_cast<std::uint32_t>(std::llround(m_triggerPre->value() / 100.0 * s.frameSamples));
        if (s.frameSamples != m_trigger.settings().frameSamples ||
            s.preSamples != m_trigger.settings().preSamples)
            m_trigger.setSettings(s);
        if (const auto c = m_trigger.feed(*snapshot))
            showCapture(*c, *snapshot);
        m_triggerState->setText(m_trigger.isArmed() ? tr("armed (%1 captured)").arg(m_trigger.captures())
                                                    : tr("captured"));
        return;
    }
    m_shown = snapshot;
    render();
}

double TimePlotView::rawFactor() const {
    return m_triggerMode != TriggerMode::Off ? 2.0 : (m_cursorsOn ? 1.0 : 0.0);
}

void TimePlotView::setTrigger(TriggerMode mode, int axis, double level, bool rising, double preTrigger) {
    m_triggerAxis->setCurrentIndex(axis);
    m_triggerSlope->setCurrentIndex(rising ? 0 : 1);
    m_triggerLevel->setValue(level);
    m_triggerPre->setValue(preTrigger * 100.0);
    m_triggerBox->setCurrentIndex(static_cast<int>(mode));
    applyTrigger();
}

void TimePlotView::armTrigger() {
    m_trigger.arm();
}

void TimePlotView::applyTrigger() {
    const auto mode = static_cast<TriggerMode>(m_triggerBox->currentIndex());
    const bool rawChanged = (mode != TriggerMode::Off) != (m_triggerMode != TriggerMode::Off);
    m_triggerMode = mode;
    for (QWidget* w : {static_cast<QWidget*>(m_triggerAxis), static_cast<QWidget*>(m_triggerSlope),
                       static_cast<QWidget*>(m_triggerLevel), static_cast<QWidget*>(m_triggerPre)})
        w->setEnabled(mode != TriggerMode::Off);
    alarms::TriggerDetector::Settings s = m_trigger.settings();
    s.axis = m_triggerAxis->currentIndex();
    s.rising = m_triggerSlope->currentIndex() == 0;
    s.level = m_triggerLevel->value();
    s.single = mode == TriggerMode::Single;
    s.preSamples = static_cast<std::uint32_t>(std::llround(m_triggerPre->value() / 100.0 * s.frameSamples));
    m_trigger.setSettings(s); // also re-arms
    m_triggerState->setText(mode == TriggerMode::Off ? QString() : tr("armed"));
    m_arm->setVisible(mode == TriggerMode::Single);
    if (m_triggerLine)
        m_triggerLine->setVisible(false);
    if (rawChanged)
        emit rawSamplesWanted();
}

void TimePlotView::showCapture(const alarms::TriggerDetector::Capture& c,
                               const pipeline::DeviceSnapshot& from) {
    // A snapshot made of the frame: raw samples, and an envelope of one sample per bucket, so the usual
    // rendering and the exact cursors apply. x = time before the frame's last sample.
    auto s = std::make_shared<pipeline::DeviceSnapshot>();
    s->device = from.device;
    const double rate = from.device->sampleRate;
    const auto n = c.samples.empty() ? 0 : c.samples.front().size();
    s->displaySeconds = static_cast<double>(n) / rate;
    s->envelopeBucketSamples = 1;
    s->envelopeMin = c.samples;
    s->envelopeMax = c.samples;
    s->raw = c.samples;
    s->rawFirstSample = c.triggerIndex - c.preSamples;
    s->samplesProcessed = s->rawFirstSample + n;
    s->latestTimeNs =
        c.triggerTimeNs + static_cast<std::int64_t>(static_cast<double>(n - 1 - c.preSamples) * 1e9 / rate);
    m_triggerAt = -static_cast<double>(n - 1 - c.preSamples) / rate;
    m_shown = std::move(s);
    render();
}

void TimePlotView::draw(const pipeline::DeviceSnapshot& snapshot) {
    draw(std::make_shared<const pipeline::DeviceSnapshot>(snapshot));
}

void TimePlotView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_stale)
        render();
}

void TimePlotView::render() {
    if (!m_shown)
        return;
    m_stale = !isVisible(); // hidden (another tab): keep the newest data, render when shown
    if (m_stale)
        return;
    const auto& s = *m_shown;
    const int axes = static_cast<int>(s.envelopeMin.size());
    if (axes != m_axes)
        rebuildLayout(axes);
    const QString unit = QString::fromUtf8(core::unitName(s.device->unit).data());
    const double dt = static_cast<double>(s.envelopeBucketSamples) / s.device->sampleRate;
    std::vector<double> lo(m_rects.size(), std::numeric_limits<double>::infinity());
    std::vector<double> hi(m_rects.size(), -std::numeric_limits<double>::infinity());
    // One min/max pair per pixel column is all a screen can show: merge envelope buckets in groups aligned to
    // the sample counter (so the picture does not shimmer as it scrolls). Paused: every bucket, for zooming.
    const auto n0 = s.envelopeMin.empty() ? std::size_t{0} : s.envelopeMin.front().size();
    const auto columns = static_cast<std::size_t>(std::max(16, m_rects.front()->width()));
    const std::size_t group = m_paused ? 1 : std::max<std::size_t>(1, (n0 + columns - 1) / columns);
    const std::uint64_t newest = s.samplesProcessed / std::max<std::uint32_t>(1, s.envelopeBucketSamples);
    QVector<QCPGraphData> pts;
    for (int a = 0; a < axes; ++a) {
        const std::size_t r = m_layout == Layout::Stacked ? static_cast<std::size_t>(a) : 0;
        const auto& mn = s.envelopeMin[a];
        const auto& mx = s.envelopeMax[a];
        const auto n = mn.size();
        pts.clear();
        pts.reserve(static_cast<int>(2 * (n / group + 2)));
        const bool single = s.envelopeBucketSamples == 1 && group == 1;
        for (std::size_t i = 0; i < n;) {
            // Buckets i .. end-1 share a group: their absolute indices divide to the same value.
            const std::uint64_t abs = newest + group * n + i - (n - 1); // + group n: no underflow, same phase
            std::size_t end = i + 1;
            if (group > 1)
                end = std::min(n, i + static_cast<std::size_t>(group - abs % group));
            float lo0 = mn[i], hi0 = mx[i];
            for (std::size_t k = i + 1; k < end; ++k) {
                lo0 = std::min(lo0, mn[k]);
                hi0 = std::max(hi0, mx[k]);
            }
            const double t = -static_cast<double>(n - 1 - i) * dt;
            pts.append({t, lo0});
            if (!single)
                pts.append({t + 1e-9, hi0});
            lo[r] = std::min(lo[r], static_cast<double>(lo0));
            hi[r] = std::max(hi[r], static_cast<double>(hi0));
            i = end;
        }
        auto* g = m_plot->graph(a);
        g->data()->set(pts, true);
        const QString name = QString::fromStdString(s.device->axisNames[a]);
        g->setName(name);
        if (m_layout == Layout::Stacked)
            m_rects[r]->axis(QCPAxis::atLeft)->setLabel(QStringLiteral("%1 (%2)").arg(name, unit));
    }
    if (m_layout == Layout::Overlaid && !m_rects.empty())
        m_rects.front()->axis(QCPAxis::atLeft)->setLabel(tr("acceleration (%1)").arg(unit));
    const QString id = QString::fromStdString(s.device->id);
    m_title = m_triggerMode != TriggerMode::Off
                  ? tr("%1 — trigger capture, %2 s").arg(id).arg(s.displaySeconds, 0, 'g', 3)
                  : tr("%1 — time signal, last %2 s").arg(id).arg(s.displaySeconds, 0, 'g', 3);
    setPlotTitle(m_plot, m_title);
    if (!m_paused)
        m_rects.front()->axis(QCPAxis::atBottom)->setRange(-s.displaySeconds, 0.0);
    for (std::size_t r = 0; r < m_rects.size() && !m_paused; ++r) {
        if (!std::isfinite(lo[r]) || !std::isfinite(hi[r]))
            continue;
        const double pad = std::max(1e-6, (hi[r] - lo[r]) * 0.05);
        // Only grow, or shrink when the signal is much smaller: a calm axis that does not jump each frame.
        auto* y = m_rects[r]->axis(QCPAxis::atLeft);
        const QCPRange cur = y->range();
        if (lo[r] - pad < cur.lower || hi[r] + pad > cur.upper || (hi[r] - lo[r]) < 0.5 * cur.size())
            y->setRange(lo[r] - pad, hi[r] + pad);
    }
    if (m_triggerMode != TriggerMode::Off && !m_rects.empty()) {
        if (!m_triggerLine) {
            m_triggerLine = new QCPItemStraightLine(m_plot);
            m_triggerLine->setPen(QPen(QColor(0xE0, 0x8A, 0x00), 1.5));
        }
        auto* rect = m_rects[m_layout == Layout::Stacked
                                 ? std::min<std::size_t>(m_trigger.settings().axis, m_rects.size() - 1)
                                 : 0];
        m_triggerLine->setClipAxisRect(rect);
        for (auto* p : {m_triggerLine->point1, m_triggerLine->point2})
            p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        m_triggerLine->point1->setCoords(m_triggerAt, m_trigger.settings().level);
        m_triggerLine->point2->setCoords(m_triggerAt, m_trigger.settings().level + 1);
        m_triggerLine->setVisible(true);
    }
    updateReadout();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

std::vector<CursorReading> TimePlotView::cursorReadings() const {
    std::vector<CursorReading> out;
    if (!m_shown)
        return out;
    for (int a = 0; a < static_cast<int>(m_shown->envelopeMin.size()); ++a)
        if (const auto r = CursorReading::read(*m_shown, a, m_t1, m_t2))
            out.push_back(*r);
    return out;
}

QString TimePlotView::cursorText() const {
    return m_readout->text();
}

void TimePlotView::updateReadout() {
    if (!m_cursorsOn || !m_shown) {
        m_readout->clear();
        return;
    }
    const auto readings = cursorReadings();
    if (readings.empty()) {
        m_readout->clear();
        return;
    }
    const auto& first = readings.front();
    QStringList lines;
    const double dtc = first.t2 - first.t1;
    lines << tr("t1 = %1 s   t2 = %2 s   Δt = %3 s (%4 Hz)   %5")
                 .arg(first.t1, 0, 'f', 5)
                 .arg(first.t2, 0, 'f', 5)
                 .arg(dtc, 0, 'f', 5)
                 .arg(dtc != 0 ? 1.0 / std::abs(dtc) : 0.0, 0, 'f', 2)
                 .arg(first.exact ? tr("[exact: raw samples]")
                                  : tr("[min/max envelope: raw window does not cover the cursors, no RMS]"));
    for (std::size_t a = 0; a < readings.size(); ++a) {
        const auto& r = readings[a];
        const QString name = QString::fromStdString(m_shown->device->axisNames[a]);
        if (r.exact)
            lines << tr("%1: v1 = %2   v2 = %3   Δv = %4   RMS(AC) = %5   mean = %6   (%7 samples)")
                         .arg(name)
                         .arg(r.v1, 9, 'f', 5)
                         .arg(r.v2, 9, 'f', 5)
                         .arg(r.v2 - r.v1, 9, 'f', 5)
                         .arg(r.rms, 8, 'f', 5)
                         .arg(r.mean, 8, 'f', 5)
                         .arg(r.samples);
        else
            lines << tr("%1: v1 in [%2, %3]   v2 in [%4, %5]")
                         .arg(name)
                         .arg(r.min1, 0, 'f', 5)
                         .arg(r.max1, 0, 'f', 5)
                         .arg(r.min2, 0, 'f', 5)
                         .arg(r.max2, 0, 'f', 5);
    }
    m_readout->setText(lines.join(QLatin1Char('\n')));
}

} // namespace vibra::ui
