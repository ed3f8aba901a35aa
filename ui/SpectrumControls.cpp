#include "ui/SpectrumControls.h"

#include "ui/Dashboard.h"
#include "ui/SpectrumView.h"

#include "dsp/SeverityTable.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QSpinBox>
#include <QVBoxLayout>

namespace vibra::ui {

namespace {
QComboBox* combo(const char* name, std::initializer_list<std::pair<QString, QVariant>> items) {
    auto* c = new QComboBox;
    c->setObjectName(QString::fromLatin1(name));
    for (const auto& [text, data] : items)
        c->addItem(text, data);
    return c;
}
QDoubleSpinBox* dspin(const char* name, double lo, double hi, double v, int decimals, const QString& suffix) {
    auto* s = new QDoubleSpinBox;
    s->setObjectName(QString::fromLatin1(name));
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setValue(v);
    s->setSuffix(suffix);
    return s;
}
QSpinBox* ispin(const char* name, int lo, int hi, int v) {
    auto* s = new QSpinBox;
    s->setObjectName(QString::fromLatin1(name));
    s->setRange(lo, hi);
    s->setValue(v);
    return s;
}
} // namespace

SpectrumControls::SpectrumControls(Dashboard& dashboard, SpectrumView& view, QWidget* parent)
    : QWidget(parent)
    , m_dashboard(dashboard)
    , m_view(view) {
    using Q = dsp::SpectrumQuantity;
    using U = dsp::SpectrumUnit;
    m_window = combo("window", {{tr("Hann"), int(dsp::WindowType::Hann)},
                                {tr("Hamming"), int(dsp::WindowType::Hamming)},
                                {tr("Blackman-Harris"), int(dsp::WindowType::BlackmanHarris)},
                                {tr("Flat top (exact amplitudes)"), int(dsp::WindowType::FlatTop)},
                                {tr("Rectangular"), int(dsp::WindowType::Rectangular)}});
    m_size = new QComboBox;
    m_size->setObjectName(QStringLiteral("fftSize"));
    for (int n = 256; n <= 65536; n *= 2)
        m_size->addItem(QString::number(n), n);
    m_overlap = combo("overlap", {{QStringLiteral("0 %"), 0.0},
                                  {QStringLiteral("25 %"), 0.25},
                                  {QStringLiteral("50 %"), 0.5},
                                  {QStringLiteral("66.7 %"), 2.0 / 3.0},
                                  {QStringLiteral("75 %"), 0.75},
                                  {QStringLiteral("90 %"), 0.9}});
    m_averaging = combo("averaging", {{tr("Exponential"), int(dsp::Averaging::Exponential)},
                                      {tr("Linear (N frames, then hold)"), int(dsp::Averaging::Linear)}});
    m_averages = ispin("averages", 0, 10000, 8);
    m_averages->setSpecialValueText(tr("unlimited"));
    m_zoom = new QComboBox;
    m_zoom->setObjectName(QStringLiteral("zoom"));
    m_zoom->setToolTip(
        tr("Band zoom: decimate (anti-aliased) and compute the spectrum at the lower rate, for "
           "finer lines over the low band"));
    for (int f : {1, 4, 16, 64})
        m_zoom->addItem(f == 1 ? tr("off") : tr("÷%1 (finer lines below rate/%2)").arg(f).arg(2 * f), f);
    m_severity = new QComboBox;
    m_severity->setObjectName(QStringLiteral("severityPreset"));
    m_severity->addItem(tr("none"), QString());
    const auto presets = dsp::SeverityTable::defaults(); // named: the loop must not outlive it
    for (const auto& p : presets.presets())
        m_severity->addItem(QString::fromStdString(p.id), QString::fromStdString(p.id));
    m_severity->setToolTip(tr("Severity zone limits of this machine (velocity RMS); from secondary sources"));

    m_quantity = combo("quantity", {{tr("Amplitude (RMS per line)"), int(Q::AmplitudeRms)},
                                    {tr("Amplitude (0-peak)"), int(Q::AmplitudePeak)},
                                    {tr("PSD (power spectral density)"), int(Q::Psd)},
                                    {tr("ASD (√PSD)"), int(Q::Asd)}});
    m_unit = combo("unit", {{tr("Sensor unit"), int(U::Native)},
                            {tr("Acceleration (m/s²)"), int(U::Acceleration)},
                            {tr("Velocity (mm/s)"), int(U::Velocity)}});
    m_db = new QCheckBox(tr("dB"));
    m_db->setObjectName(QStringLiteral("db"));
    m_logF = new QCheckBox(tr("log f"));
    m_logF->setObjectName(QStringLiteral("logF"));
    m_logY = new QCheckBox(tr("log magnitude"));
    m_logY->setObjectName(QStringLiteral("logY"));
    m_logY->setChecked(true);
    m_peakHold = new QCheckBox(tr("peak hold"));
    m_peakHold->setObjectName(QStringLiteral("peakHold"));
    m_peaks = ispin("peaks", 0, 10, SpectrumViewOptions{}.peakMarkers);
    auto* axesRow = new QHBoxLayout;
    for (int a = 0; a < 3; ++a) {
        m_axis[a] = new QCheckBox(QString(QChar(u'x' + a)));
        m_axis[a]->setChecked(true);
        axesRow->addWidget(m_axis[a]);
    }
    m_harmonicHz = dspin("harmonicHz", 0, 1e6, 0, 2, QStringLiteral(" Hz"));
    m_harmonicHz->setSpecialValueText(tr("off (double-click a peak)"));
    m_harmonicCount = ispin("harmonicCount", 1, 50, 10);

    m_envelope = new QCheckBox(tr("Envelope spectrum (bearing diagnosis)"));
    m_envelope->setObjectName(QStringLiteral("envelope"));
    m_envLow = dspin("envelopeLow", 10, 1e6, 2000, 0, QStringLiteral(" Hz"));
    m_envHigh = dspin("envelopeHigh", 20, 1e6, 5000, 0, QStringLiteral(" Hz"));
    m_bearing = new QCheckBox(tr("show FTF / BPFO / BPFI / BSF"));
    m_bearing->setObjectName(QStringLiteral("bearing"));
    const SpectrumViewOptions def;
    m_z = ispin("rollingElements", 1, 200, def.bearing.rollingElements);
    m_ballD = dspin("ballDiameter", 0.01, 1000, def.bearing.ballDiameterMm, 2, QStringLiteral(" mm"));
    m_pitchD = dspin("pitchDiameter", 0.01, 5000, def.bearing.pitchDiameterMm, 2, QStringLiteral(" mm"));
    m_angle = dspin("contactAngle", 0, 89, def.bearing.contactAngleDeg, 1, QStringLiteral("°"));
    m_rpm = dspin("shaftRpm", 1, 1e6, def.shaftRpm, 1, QStringLiteral(" r/min"));
    m_bearingHarmonics = ispin("bearingHarmonics", 1, 10, def.bearingHarmonics);

    auto* analysis = new QGroupBox(tr("Analysis (selected device)"));
    auto* fa = new QFormLayout(analysis);
    fa->addRow(tr("Window:"), m_window);
    fa->addRow(tr("FFT size:"), m_size);
    fa->addRow(tr("Overlap:"), m_overlap);
    fa->addRow(tr("Averaging:"), m_averaging);
    fa->addRow(tr("Averages:"), m_averages);
    fa->addRow(tr("Severity:"), m_severity);
    fa->addRow(tr("Band zoom:"), m_zoom);
    fa->addRow(m_envelope);
    fa->addRow(tr("Band from:"), m_envLow);
    fa->addRow(tr("Band to:"), m_envHigh);
    auto* display = new QGroupBox(tr("Display"));
    auto* fd = new QFormLayout(display);
    fd->addRow(tr("Quantity:"), m_quantity);
    fd->addRow(tr("Unit:"), m_unit);
    auto* checks = new QHBoxLayout;
    checks->addWidget(m_db);
    checks->addWidget(m_logF);
    checks->addWidget(m_logY);
    fd->addRow(checks);
    fd->addRow(m_peakHold);
    fd->addRow(tr("Peak labels:"), m_peaks);
    fd->addRow(tr("Axes:"), axesRow);
    fd->addRow(tr("Harmonic cursor:"), m_harmonicHz);
    fd->addRow(tr("Harmonics:"), m_harmonicCount);
    auto* bearing = new QGroupBox(tr("Bearing"));
    auto* fb = new QFormLayout(bearing);
    fb->addRow(m_bearing);
    fb->addRow(tr("Shaft speed:"), m_rpm);
    fb->addRow(tr("Rolling elements Z:"), m_z);
    fb->addRow(tr("Ball diameter d:"), m_ballD);
    fb->addRow(tr("Pitch diameter D:"), m_pitchD);
    fb->addRow(tr("Contact angle:"), m_angle);
    fb->addRow(tr("Harmonics:"), m_bearingHarmonics);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(analysis);
    layout->addWidget(display);
    layout->addWidget(bearing);
    layout->addStretch(1);

    for (QComboBox* c : {m_window, m_size, m_overlap, m_averaging})
        connect(c, &QComboBox::currentIndexChanged, this, &SpectrumControls::applyAnalysis);
    connect(m_averages, &QSpinBox::valueChanged, this, &SpectrumControls::applyAnalysis);
    connect(m_envelope, &QCheckBox::toggled, this, &SpectrumControls::applyAnalysis);
    connect(m_severity, &QComboBox::currentIndexChanged, this, &SpectrumControls::applyAnalysis);
    connect(m_zoom, &QComboBox::currentIndexChanged, this, &SpectrumControls::applyAnalysis);
    connect(m_envLow, &QDoubleSpinBox::valueChanged, this, &SpectrumControls::applyAnalysis);
    connect(m_envHigh, &QDoubleSpinBox::valueChanged, this, &SpectrumControls::applyAnalysis);
    for (QComboBox* c : {m_quantity, m_unit})
        connect(c, &QComboBox::currentIndexChanged, this, &SpectrumControls::applyDisplay);
    for (QCheckBox* c : {m_db, m_logF, m_logY, m_peakHold, m_axis[0], m_axis[1], m_axis[2], m_bearing})
        connect(c, &QCheckBox::toggled, this, &SpectrumControls::applyDisplay);
    for (QSpinBox* s : {m_peaks, m_harmonicCount, m_z, m_bearingHarmonics})
        connect(s, &QSpinBox::valueChanged, this, &SpectrumControls::applyDisplay);
    for (QDoubleSpinBox* s : {m_harmonicHz, m_ballD, m_pitchD, m_angle, m_rpm})
        connect(s, &QDoubleSpinBox::valueChanged, this, &SpectrumControls::applyDisplay);
    connect(&view, &SpectrumView::harmonicPicked, this, [this](double hz) { m_harmonicHz->setValue(hz); });
    connect(&dashboard, &Dashboard::selectionChanged, this, &SpectrumControls::loadDevice);
    loadDevice();
    applyDisplay();
}

void SpectrumControls::loadDevice() {
    const auto all = m_dashboard.settings(m_dashboard.selectedDevice());
    const auto& s = all.spectrum;
    m_loading = true;
    m_envelope->setChecked(all.envelope.has_value());
    const int sev = m_severity->findData(QString::fromStdString(all.severityPreset));
    m_severity->setCurrentIndex(sev >= 0 ? sev : 0);
    m_zoom->setCurrentIndex(std::max(0, m_zoom->findData(all.zoomFactor)));
    // Machine parameters of the newly selected device (defaults for a device seen the first time).
    m_device = m_dashboard.selectedDevice();
    if (m_machine.contains(m_device)) {
        const auto& o = m_machine[m_device];
        m_z->setValue(o.bearing.rollingElements);
        m_ballD->setValue(o.bearing.ballDiameterMm);
        m_pitchD->setValue(o.bearing.pitchDiameterMm);
        m_angle->setValue(o.bearing.contactAngleDeg);
        m_rpm->setValue(o.shaftRpm);
        m_bearing->setChecked(o.showBearing);
    }
    if (all.envelope) {
        m_envLow->setValue(all.envelope->bandLowHz);
        m_envHigh->setValue(all.envelope->bandHighHz);
    }
    m_window->setCurrentIndex(std::max(0, m_window->findData(int(s.window))));
    m_size->setCurrentIndex(std::max(0, m_size->findData(static_cast<int>(s.fftSize))));
    int best = 0;
    for (int i = 0; i < m_overlap->count(); ++i)
        if (std::abs(m_overlap->itemData(i).toDouble() - s.overlap) <
            std::abs(m_overlap->itemData(best).toDouble() - s.overlap))
            best = i;
    m_overlap->setCurrentIndex(best);
    m_averaging->setCurrentIndex(std::max(0, m_averaging->findData(int(s.averaging))));
    m_averages->setValue(static_cast<int>(s.averages));
    m_loading = false;
    applyDisplay(); // envelope mode follows the device
}

void SpectrumControls::setEnvelope(bool on) {
    m_envelope->setChecked(on);
}

void SpectrumControls::setDisplayOptions(const SpectrumViewOptions& o) {
    m_loading = true;
    m_quantity->setCurrentIndex(std::max(0, m_quantity->findData(int(o.quantity))));
    m_unit->setCurrentIndex(std::max(0, m_unit->findData(int(o.unit))));
    m_db->setChecked(o.decibel);
    m_logF->setChecked(o.logFrequency);
    m_logY->setChecked(o.logMagnitude);
    m_peakHold->setChecked(o.showPeakHold);
    m_peaks->setValue(o.peakMarkers);
    for (int a = 0; a < 3; ++a)
        m_axis[a]->setChecked((o.axisMask & (1u << a)) != 0);
    m_harmonicHz->setValue(o.harmonicHz);
    m_harmonicCount->setValue(o.harmonicCount);
    m_bearing->setChecked(o.showBearing);
    m_z->setValue(o.bearing.rollingElements);
    m_ballD->setValue(o.bearing.ballDiameterMm);
    m_pitchD->setValue(o.bearing.pitchDiameterMm);
    m_angle->setValue(o.bearing.contactAngleDeg);
    m_rpm->setValue(o.shaftRpm);
    m_bearingHarmonics->setValue(o.bearingHarmonics);
    m_loading = false;
    applyDisplay();
}

void SpectrumControls::applyAnalysis() {
    if (m_loading)
        return;
    m_dashboard.updateSettings(m_dashboard.selectedDevice(), [this](pipeline::DspSettings& d) {
        d.spectrum.window = static_cast<dsp::WindowType>(m_window->currentData().toInt());
        d.spectrum.fftSize = static_cast<std::size_t>(m_size->currentData().toInt());
        d.spectrum.overlap = m_overlap->currentData().toDouble();
        d.spectrum.averaging = static_cast<dsp::Averaging>(m_averaging->currentData().toInt());
        d.spectrum.averages = static_cast<std::size_t>(m_averages->value());
        d.severityPreset = m_severity->currentData().toString().toStdString();
        d.zoomFactor = m_zoom->currentData().toInt();
        if (m_envelope->isChecked()) {
            dsp::EnvelopeConfig e = d.envelope.value_or(dsp::EnvelopeConfig{});
            e.bandLowHz = m_envLow->value();
            e.bandHighHz = std::max(m_envHigh->value(), m_envLow->value() + 10);
            d.envelope = e;
        } else {
            d.envelope.reset();
        }
    });
    applyDisplay();
}

void SpectrumControls::applyDisplay() {
    if (m_loading)
        return;
    SpectrumViewOptions o = m_view.options();
    o.envelope = m_envelope->isChecked();
    o.envelopeLowHz = m_envLow->value();
    o.envelopeHighHz = std::max(m_envHigh->value(), m_envLow->value() + 10);
    o.zoom = m_zoom->currentData().toInt() > 1;
    o.quantity = static_cast<dsp::SpectrumQuantity>(m_quantity->currentData().toInt());
    o.unit = static_cast<dsp::SpectrumUnit>(m_unit->currentData().toInt());
    o.decibel = m_db->isChecked();
    o.logFrequency = m_logF->isChecked();
    o.logMagnitude = m_logY->isChecked();
    o.showPeakHold = m_peakHold->isChecked();
    o.peakMarkers = m_peaks->value();
    o.axisMask = 0;
    for (int a = 0; a < 3; ++a)
        o.axisMask |= m_axis[a]->isChecked() ? (1u << a) : 0u;
    o.harmonicHz = m_harmonicHz->value();
    o.harmonicCount = m_harmonicCount->value();
    o.showBearing = m_bearing->isChecked();
    o.bearing = {m_z->value(), m_ballD->value(), m_pitchD->value(), m_angle->value()};
    o.shaftRpm = m_rpm->value();
    o.bearingHarmonics = m_bearingHarmonics->value();
    if (!m_device.isEmpty())
        m_machine[m_device] = o;
    m_view.setOptions(o);
}

} // namespace vibra::ui
