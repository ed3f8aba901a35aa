#include "ui/SpectrogramView.h"

#include "ui/PlotHeader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <limits>

namespace vibra::ui {

namespace {
constexpr float kEmpty = std::numeric_limits<float>::quiet_NaN();
}

SpectrogramView::SpectrogramView(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
    , m_axisBox(new QComboBox)
    , m_spanBox(new QComboBox)
    , m_range(new QSpinBox)
    , m_logF(new QCheckBox(tr("log f")))
    , m_gradient(new QComboBox) {
    m_gradient->addItem(tr("Jet"), int(QCPColorGradient::gpJet));
    m_gradient->addItem(tr("Thermal"), int(QCPColorGradient::gpThermal));
    m_gradient->addItem(tr("Grayscale"), int(QCPColorGradient::gpGrayscale));
    m_gradient->addItem(tr("Hot"), int(QCPColorGradient::gpHot));
    m_gradient->setToolTip(tr("Colour scale"));
    m_axisBox->setObjectName(QStringLiteral("spectrogramAxis"));
    for (const char* a : {"x", "y", "z"})
        m_axisBox->addItem(QString::fromLatin1(a));
    for (int s : {10, 30, 60, 120, 300, 600})
        m_spanBox->addItem(s < 60 ? tr("%1 s").arg(s) : tr("%1 min").arg(s / 60), s);
    m_spanBox->setCurrentIndex(2);
    m_range->setRange(20, 160);
    m_range->setValue(80);
    m_range->setSuffix(QStringLiteral(" dB"));
    m_range->setToolTip(tr("Dynamic range of the colour scale"));
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(new QLabel(tr("Axis:")));
    bar->addWidget(m_axisBox);
    bar->addWidget(new QLabel(tr("Span:")));
    bar->addWidget(m_spanBox);
    bar->addWidget(new QLabel(tr("Range:")));
    bar->addWidget(m_range);
    bar->addWidget(m_logF);
    bar->addWidget(m_gradient);
    bar->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_plot, 1);

    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_map->setColorScale(m_scale);
    QCPColorGradient g(QCPColorGradient::gpJet);
    g.setNanHandling(QCPColorGradient::nhTransparent);
    m_map->setGradient(g);
    auto* group = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    m_plot->xAxis->setLabel(tr("time before now (s)"));
    m_plot->yAxis->setLabel(tr("frequency (Hz)"));
    m_scale->axis()->setLabel(tr("PSD (dB re 1 unit²/Hz)"));
    installPlotHeader(m_plot, nullptr);

    connect(m_axisBox, &QComboBox::currentIndexChanged, this, &SpectrogramView::setAxis);
    connect(m_spanBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setSpanSeconds(m_spanBox->itemData(i).toInt()); });
    connect(m_range, &QSpinBox::valueChanged, this, &SpectrogramView::setDynamicRangeDb);
    connect(m_logF, &QCheckBox::toggled, this, &SpectrogramView::setLogFrequency);
    connect(m_gradient, &QComboBox::currentIndexChanged, this, [this] {
        QCPColorGradient g(static_cast<QCPColorGradient::GradientPreset>(m_gradient->currentData().toInt()));
        g.setNanHandling(QCPColorGradient::nhTransparent);
        m_map->setGradient(g);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    });
    reset();
}

void SpectrogramView::setSpanSeconds(int seconds) {
    if (seconds == m_spanSeconds)
        return;
    m_spanSeconds = std::clamp(seconds, 10, 600);
    const int i = m_spanBox->findData(m_spanSeconds);
    if (i >= 0)
        m_spanBox->setCurrentIndex(i);
    updateTitle();
    reset();
}

void SpectrogramView::setAxis(int axis) {
    if (axis == m_axis)
        return;
    m_axis = axis;
    m_axisBox->setCurrentIndex(axis);
    updateTitle();
    reset();
}

void SpectrogramView::updateTitle() {
    m_title = m_device.isEmpty() ? QString()
                                 : tr("%1 — spectrogram of axis %2, last %3")
                                       .arg(m_device, m_axisBox->currentText(), m_spanBox->currentText());
    setPlotTitle(m_plot, m_title);
}

void SpectrogramView::setDynamicRangeDb(int db) {
    m_range->setValue(db);
    render();
}

void SpectrogramView::setLogFrequency(bool on) {
    if (on == m_logFrequency)
        return;
    m_logFrequency = on;
    m_logF->setChecked(on);
    m_plot->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    m_plot->yAxis->setTicker(on ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    reset();
}

void SpectrogramView::clear() {
    m_device.clear();
    updateTitle();
    reset();
}

void SpectrogramView::reset() {
    m_cells.assign(static_cast<std::size_t>(kColumns) * kRows, kEmpty);
    m_head = 0;
    m_filled = 0;
    m_columnEndNs = 0;
    m_topDb = -1e9;
    m_last.reset();
    render();
}

double SpectrogramView::rowEdge(int edge) const {
    // Lower edge of row `edge` (edge == kRows: the top). Linear: 0..nyquist; log: binHz..nyquist.
    const double x = static_cast<double>(edge) / kRows;
    if (!m_logFrequency || m_binHz <= 0)
        return x * m_nyquist;
    return m_binHz * std::pow(m_nyquist / m_binHz, x);
}

double SpectrogramView::rowFrequency(int row) const {
    return m_logFrequency ? std::sqrt(rowEdge(row) * rowEdge(row + 1))
                          : 0.5 * (rowEdge(row) + rowEdge(row + 1));
}

void SpectrogramView::draw(const pipeline::DeviceSnapshot& s) {
    if (!s.device)
        return;
    const QString id = QString::fromStdString(s.device->id);
    if (id != m_device) {
        m_device = id;
        updateTitle();
        reset();
    }
    if (m_axis >= static_cast<int>(s.spectra.size()) || !s.spectra[m_axis] || s.spectra[m_axis] == m_last)
        return;
    m_last = s.spectra[m_axis];
    addSpectrum(*m_last, s.latestTimeNs);
    render();
}

void SpectrogramView::addSpectrum(const dsp::Spectrum& s, std::int64_t timeNs) {
    if (s.sampleRate / 2 != m_nyquist || s.binHz != m_binHz) {
        m_nyquist = s.sampleRate / 2;
        m_binHz = s.binHz;
        m_cells.assign(m_cells.size(), kEmpty);
        m_filled = 0;
        m_columnEndNs = 0;
    }
    const auto slotNs = static_cast<std::int64_t>(1e9 * m_spanSeconds / kColumns);
    if (m_columnEndNs == 0 || timeNs >= m_columnEndNs) {
        // Start a new column (skipping empty ones when the device paused for longer than a slot).
        const std::int64_t steps =
            m_columnEndNs == 0 ? 1 : std::min<std::int64_t>(kColumns, (timeNs - m_columnEndNs) / slotNs + 1);
        for (std::int64_t i = 0; i < steps; ++i) {
            const int prev = m_head;
            m_head = (m_head + 1) % kColumns;
            auto dst = m_cells.begin() + static_cast<std::ptrdiff_t>(m_head) * kRows;
            // A slot that no spectrum fell into (slots can be shorter than the worker's hop) repeats the
            // previous column; after a real pause (more than 4 slots) the columns stay empty.
            if (i + 1 < steps && steps <= 4 && m_filled > 0)
                std::copy_n(m_cells.begin() + static_cast<std::ptrdiff_t>(prev) * kRows, kRows, dst);
            else
                std::fill_n(dst, kRows, kEmpty);
            m_filled = std::min(kColumns, m_filled + 1);
        }
        m_columnEndNs =
            (m_columnEndNs == 0 || steps == kColumns) ? timeNs + slotNs : m_columnEndNs + steps * slotNs;
    }
    m_latestNs = timeNs;
    float* col = m_cells.data() + static_cast<std::ptrdiff_t>(m_head) * kRows;
    const std::size_t lines = s.psd.size();
    for (int r = 0; r < kRows; ++r) {
        // Lines whose centre falls into [edge r, edge r+1) (at least the nearest one).
        auto k0 = static_cast<std::size_t>(std::ceil(rowEdge(r) / s.binHz));
        auto k1 = static_cast<std::size_t>(std::ceil(rowEdge(r + 1) / s.binHz));
        k1 = k1 > 0 ? k1 - 1 : 0;
        if (k1 < k0)
            k0 = k1 = static_cast<std::size_t>(std::llround(rowFrequency(r) / s.binHz));
        k0 = std::max<std::size_t>(k0, 1);
        float best = 0;
        for (std::size_t k = k0; k <= k1 && k < lines; ++k)
            best = std::max(best, s.psd[k]);
        const float db = best > 0 ? 10.0f * std::log10(best) : -300.0f;
        col[r] = std::isnan(col[r]) ? db : std::max(col[r], db);
        m_topDb = std::max(m_topDb, static_cast<double>(col[r]));
    }
}

double SpectrogramView::newestPeakFrequency() const {
    if (m_filled == 0)
        return 0;
    const float* col = m_cells.data() + static_cast<std::ptrdiff_t>(m_head) * kRows;
    int best = 0;
    for (int r = 1; r < kRows; ++r)
        if (col[r] > col[best])
            best = r;
    return rowFrequency(best);
}

void SpectrogramView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (m_stale)
        render();
}

void SpectrogramView::render() {
    // Columns keep accumulating while the tab is hidden; the colour map is rebuilt only when seen.
    m_stale = !isVisible();
    if (m_stale)
        return;
    auto* data = m_map->data();
    data->setSize(kColumns, kRows);
    const double span = m_spanSeconds;
    data->setKeyRange(QCPRange(-span + span / kColumns / 2, -span / kColumns / 2));
    const double fLo = m_logFrequency ? std::max(1e-3, rowFrequency(0)) : rowFrequency(0);
    const double fHi = m_nyquist > 0 ? rowFrequency(kRows - 1) : 1.0;
    data->setValueRange(QCPRange(fLo, std::max(fHi, fLo * 1.01)));
    for (int c = 0; c < kColumns; ++c) {
        // Column c on screen (oldest left) is ring column head - (kColumns - 1 - c).
        const int ring = (m_head - (kColumns - 1 - c) + 2 * kColumns) % kColumns;
        const float* col = m_cells.data() + static_cast<std::ptrdiff_t>(ring) * kRows;
        for (int r = 0; r < kRows; ++r)
            data->setCell(c, r, col[r]);
    }
    m_map->setDataRange(QCPRange(m_topDb - m_range->value(), m_topDb > -1e8 ? m_topDb : 0));
    m_plot->xAxis->setRange(-span, 0);
    m_plot->yAxis->setRange(m_logFrequency ? std::max(1e-3, m_binHz) : 0.0, m_nyquist > 0 ? m_nyquist : 1.0);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace vibra::ui
