#pragma once

#include <QMainWindow>

class QLabel;
class QAction;

namespace vibra::pipeline {
class Pipeline;
}

namespace vibra::ui {

class Dashboard;
class DevicePanel;
class TimePlotView;
class SpectrumView;
class ReadoutPanel;
class RecordingController;

/// The dashboard window: assembles the panels and the toolbar; the work lives in the panels, Dashboard
/// and RecordingController.
///
/// Threads: GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(pipeline::Pipeline& pipeline, QWidget* parent = nullptr);
    ~MainWindow() override;

    Dashboard& dashboard() { return *m_dashboard; }
    DevicePanel& devicePanel() { return *m_devices; }
    TimePlotView& timeView() { return *m_time; }
    SpectrumView& spectrumView() { return *m_spectrum; }
    ReadoutPanel& readouts() { return *m_readouts; }
    RecordingController& recording() { return *m_recording; }

private:
    void redraw();
    void addSource();
    void removeSource();
    void toggleRecording();
    void updateStatus();

    pipeline::Pipeline& m_pipeline;
    Dashboard* m_dashboard;
    DevicePanel* m_devices;
    TimePlotView* m_time;
    SpectrumView* m_spectrum;
    ReadoutPanel* m_readouts;
    RecordingController* m_recording;
    QAction* m_recordAction;
    QLabel* m_statusDevices;
    QLabel* m_statusRecording;
};

} // namespace vibra::ui
