#include "ui/WorkspaceSettings.h"

#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/MainWindow.h"
#include "ui/SpectrumControls.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"

#include <QSettings>

namespace vibra::ui {

namespace {
constexpr int kVersion = 1;
}

void WorkspaceSettings::save(MainWindow& w, QSettings& s) {
    s.setValue(QStringLiteral("version"), kVersion);
    s.setValue(QStringLiteral("window/geometry"), w.saveGeometry());
    s.setValue(QStringLiteral("window/state"), w.saveState(kVersion));
    s.setValue(QStringLiteral("window/dark"), w.isDarkTheme());
    s.setValue(QStringLiteral("window/tab"), static_cast<int>(w.currentTab()));
    s.setValue(QStringLiteral("time/seconds"), w.timeView().windowSeconds());
    s.setValue(QStringLiteral("time/stacked"), w.timeView().layoutMode() == TimePlotView::Layout::Stacked);
    const auto& o = w.spectrumView().options();
    s.beginGroup(QStringLiteral("spectrum"));
    s.setValue(QStringLiteral("quantity"), static_cast<int>(o.quantity));
    s.setValue(QStringLiteral("unit"), static_cast<int>(o.unit));
    s.setValue(QStringLiteral("decibel"), o.decibel);
    s.setValue(QStringLiteral("logFrequency"), o.logFrequency);
    s.setValue(QStringLiteral("logMagnitude"), o.logMagnitude);
    s.setValue(QStringLiteral("peakHold"), o.showPeakHold);
    s.setValue(QStringLiteral("peakMarkers"), o.peakMarkers);
    s.setValue(QStringLiteral("axisMask"), o.axisMask);
    s.setValue(QStringLiteral("harmonicHz"), o.harmonicHz);
    s.setValue(QStringLiteral("harmonicCount"), o.harmonicCount);
    s.setValue(QStringLiteral("showBearing"), o.showBearing);
    s.setValue(QStringLiteral("rollingElements"), o.bearing.rollingElements);
    s.setValue(QStringLiteral("ballDiameterMm"), o.bearing.ballDiameterMm);
    s.setValue(QStringLiteral("pitchDiameterMm"), o.bearing.pitchDiameterMm);
    s.setValue(QStringLiteral("contactAngleDeg"), o.bearing.contactAngleDeg);
    s.setValue(QStringLiteral("shaftRpm"), o.shaftRpm);
    s.setValue(QStringLiteral("bearingHarmonics"), o.bearingHarmonics);
    s.endGroup();
    const auto& channels = w.dashboard().pipeline().channels();
    s.beginWriteArray(QStringLiteral("sources"), static_cast<int>(channels.size()));
    for (int i = 0; i < static_cast<int>(channels.size()); ++i) {
        s.setArrayIndex(i);
        const auto d = channels[i]->settings();
        s.setValue(QStringLiteral("uri"), channels[i]->uri());
        s.setValue(QStringLiteral("fftSize"), static_cast<qulonglong>(d.spectrum.fftSize));
        s.setValue(QStringLiteral("window"), static_cast<int>(d.spectrum.window));
        s.setValue(QStringLiteral("overlap"), d.spectrum.overlap);
        s.setValue(QStringLiteral("averaging"), static_cast<int>(d.spectrum.averaging));
        s.setValue(QStringLiteral("averages"), static_cast<qulonglong>(d.spectrum.averages));
        s.setValue(QStringLiteral("severityPreset"), QString::fromStdString(d.severityPreset));
        s.setValue(QStringLiteral("envelope"), d.envelope.has_value());
        if (d.envelope) {
            s.setValue(QStringLiteral("envelopeLowHz"), d.envelope->bandLowHz);
            s.setValue(QStringLiteral("envelopeHighHz"), d.envelope->bandHighHz);
        }
    }
    s.endArray();
    s.sync();
}

QStringList WorkspaceSettings::savedSources(QSettings& s) {
    QStringList out;
    const int n = s.beginReadArray(QStringLiteral("sources"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        out << s.value(QStringLiteral("uri")).toString();
    }
    s.endArray();
    return out;
}

void WorkspaceSettings::restore(MainWindow& w, QSettings& s) {
    if (s.value(QStringLiteral("version")).toInt() != kVersion)
        return; // nothing saved yet (or an incompatible layout): keep the defaults
    w.restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    w.restoreState(s.value(QStringLiteral("window/state")).toByteArray(), kVersion);
    w.setDarkTheme(s.value(QStringLiteral("window/dark"), false).toBool());
    w.setCurrentTab(static_cast<MainWindow::Tab>(s.value(QStringLiteral("window/tab"), 0).toInt()));
    w.timeView().setWindowSeconds(s.value(QStringLiteral("time/seconds"), 2.0).toDouble());
    w.timeView().setLayoutMode(s.value(QStringLiteral("time/stacked"), false).toBool()
                                   ? TimePlotView::Layout::Stacked
                                   : TimePlotView::Layout::Overlaid);
    SpectrumViewOptions o = w.spectrumView().options();
    s.beginGroup(QStringLiteral("spectrum"));
    o.quantity =
        static_cast<dsp::SpectrumQuantity>(s.value(QStringLiteral("quantity"), int(o.quantity)).toInt());
    o.unit = static_cast<dsp::SpectrumUnit>(s.value(QStringLiteral("unit"), int(o.unit)).toInt());
    o.decibel = s.value(QStringLiteral("decibel"), o.decibel).toBool();
    o.logFrequency = s.value(QStringLiteral("logFrequency"), o.logFrequency).toBool();
    o.logMagnitude = s.value(QStringLiteral("logMagnitude"), o.logMagnitude).toBool();
    o.showPeakHold = s.value(QStringLiteral("peakHold"), o.showPeakHold).toBool();
    o.peakMarkers = s.value(QStringLiteral("peakMarkers"), o.peakMarkers).toInt();
    o.axisMask = s.value(QStringLiteral("axisMask"), o.axisMask).toUInt();
    o.harmonicHz = s.value(QStringLiteral("harmonicHz"), o.harmonicHz).toDouble();
    o.harmonicCount = s.value(QStringLiteral("harmonicCount"), o.harmonicCount).toInt();
    o.showBearing = s.value(QStringLiteral("showBearing"), o.showBearing).toBool();
    o.bearing.rollingElements = s.value(QStringLiteral("rollingElements"), o.bearing.rollingElements).toInt();
    o.bearing.ballDiameterMm = s.value(QStringLiteral("ballDiameterMm"), o.bearing.ballDiameterMm).toDouble();
    o.bearing.pitchDiameterMm =
        s.value(QStringLiteral("pitchDiameterMm"), o.bearing.pitchDiameterMm).toDouble();
    o.bearing.contactAngleDeg =
        s.value(QStringLiteral("contactAngleDeg"), o.bearing.contactAngleDeg).toDouble();
    o.shaftRpm = s.value(QStringLiteral("shaftRpm"), o.shaftRpm).toDouble();
    o.bearingHarmonics = s.value(QStringLiteral("bearingHarmonics"), o.bearingHarmonics).toInt();
    s.endGroup();
    w.spectrumControls().setDisplayOptions(o);
    auto& dashboard = w.dashboard();
    const int n = s.beginReadArray(QStringLiteral("sources"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        const QString uri = s.value(QStringLiteral("uri")).toString();
        for (const auto& ch : dashboard.pipeline().channels()) {
            if (ch->uri() != uri)
                continue;
            dashboard.updateSettings(ch->deviceId(), [&s](pipeline::DspSettings& d) {
                d.spectrum.fftSize =
                    s.value(QStringLiteral("fftSize"), qulonglong(d.spectrum.fftSize)).toULongLong();
                d.spectrum.window = static_cast<dsp::WindowType>(
                    s.value(QStringLiteral("window"), int(d.spectrum.window)).toInt());
                d.spectrum.overlap = s.value(QStringLiteral("overlap"), d.spectrum.overlap).toDouble();
                d.spectrum.averaging = static_cast<dsp::Averaging>(
                    s.value(QStringLiteral("averaging"), int(d.spectrum.averaging)).toInt());
                d.spectrum.averages =
                    s.value(QStringLiteral("averages"), qulonglong(d.spectrum.averages)).toULongLong();
                if (s.contains(QStringLiteral("severityPreset")))
                    d.severityPreset = s.value(QStringLiteral("severityPreset")).toString().toStdString();
                if (s.value(QStringLiteral("envelope"), false).toBool()) {
                    dsp::EnvelopeConfig e;
                    e.bandLowHz = s.value(QStringLiteral("envelopeLowHz"), e.bandLowHz).toDouble();
                    e.bandHighHz = s.value(QStringLiteral("envelopeHighHz"), e.bandHighHz).toDouble();
                    d.envelope = e;
                } else {
                    d.envelope.reset();
                }
            });
        }
    }
    s.endArray();
    w.spectrumControls().loadDevice();
}

} // namespace vibra::ui
