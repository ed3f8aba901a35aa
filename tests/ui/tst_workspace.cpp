// The workspace (sources, per-device analysis settings, view options, theme, tab, layout) survives a restart:
// saved when the window closes, restored into a new window. Uses a temporary settings file.
#include "io/SourceFactory.h"
#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/MainWindow.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"
#include "ui/WorkspaceSettings.h"

#include <QDockWidget>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

class TstWorkspace : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void saveAndRestore() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QSettings settings(dir.filePath(QStringLiteral("workspace.ini")), QSettings::IniFormat);
        QCOMPARE(vibra::ui::WorkspaceSettings::savedSources(settings), QStringList());
        const QStringList uris{QStringLiteral("sim://a?profile=sine"), QStringLiteral("sim://b?rate=8000")};
        {
            vibra::io::SourceFactory factory;
            vibra::pipeline::Pipeline pipeline(factory, {});
            QString error;
            for (const auto& u : uris)
                QVERIFY(pipeline.add(u, &error));
            vibra::ui::MainWindow w(pipeline);
            w.setWorkspaceSettings(&settings);
            w.show();
            w.setDarkTheme(true);
            w.setCurrentTab(vibra::ui::MainWindow::SpectrogramTab);
            w.timeView().setWindowSeconds(5.0);
            w.timeView().setLayoutMode(vibra::ui::TimePlotView::Layout::Stacked);
            auto o = w.spectrumView().options();
            o.unit = vibra::dsp::SpectrumUnit::Velocity;
            o.logFrequency = true;
            o.showBearing = true;
            o.shaftRpm = 1500;
            o.bearing.rollingElements = 12;
            w.spectrumView().setOptions(o);
            w.dashboard().updateSettings(QStringLiteral("b"), [](vibra::pipeline::DspSettings& d) {
                d.spectrum.fftSize = 16384;
                d.spectrum.window = vibra::dsp::WindowType::FlatTop;
                d.envelope = vibra::dsp::EnvelopeConfig{};
                d.envelope->bandLowHz = 1000;
                d.severityPreset = "iso10816-1/class3";
            });
            w.findChild<QDockWidget*>(QStringLiteral("readouts"))->hide();
            w.close(); // saves
        }
        QCOMPARE(vibra::ui::WorkspaceSettings::savedSources(settings), uris);

        vibra::io::SourceFactory factory;
        vibra::pipeline::Pipeline pipeline(factory, {});
        QString error;
        for (const auto& u : vibra::ui::WorkspaceSettings::savedSources(settings))
            QVERIFY(pipeline.add(u, &error));
        vibra::ui::MainWindow w(pipeline);
        vibra::ui::WorkspaceSettings::restore(w, settings);
        w.show();
        QVERIFY(w.isDarkTheme());
        QCOMPARE(w.currentTab(), vibra::ui::MainWindow::SpectrogramTab);
        QCOMPARE(w.timeView().windowSeconds(), 5.0);
        QCOMPARE(w.dashboard().displaySeconds(), 5.0);
        QCOMPARE(w.timeView().layoutMode(), vibra::ui::TimePlotView::Layout::Stacked);
        const auto& o = w.spectrumView().options();
        QCOMPARE(o.unit, vibra::dsp::SpectrumUnit::Velocity);
        QVERIFY(o.logFrequency);
        QVERIFY(o.showBearing);
        QCOMPARE(o.shaftRpm, 1500.0);
        QCOMPARE(o.bearing.rollingElements, 12);
        const auto b = pipeline.find(QStringLiteral("b"))->settings();
        QCOMPARE(b.spectrum.fftSize, std::size_t(16384));
        QCOMPARE(b.spectrum.window, vibra::dsp::WindowType::FlatTop);
        QVERIFY(b.envelope && b.envelope->bandLowHz == 1000.0);
        QCOMPARE(b.severityPreset, std::string("iso10816-1/class3"));
        const auto a = pipeline.find(QStringLiteral("a"))->settings();
        QCOMPARE(a.spectrum.fftSize, std::size_t(4096));
        QVERIFY(!a.envelope);
        QVERIFY(w.findChild<QDockWidget*>(QStringLiteral("readouts"))->isHidden());
        QVERIFY(!w.findChild<QDockWidget*>(QStringLiteral("devices"))->isHidden());
    }
};

QTEST_MAIN(TstWorkspace)
#include "tst_workspace.moc"
