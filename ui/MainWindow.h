#pragma once

#include <QElapsedTimer>
#include <QMainWindow>

#include <memory>
#include <vector>

class QLabel;
class QAction;
class QTabWidget;
class QSettings;

namespace vibra::pipeline {
class Pipeline;
class RedisWatch;
} // namespace vibra::pipeline

namespace vibra::ui {

class Dashboard;
class DevicePanel;
class TimePlotView;
class SpectrumView;
class SpectrumControls;
class SpectrogramView;
class ReadoutPanel;
class HistoryBrowser;
class TrendView;
class BandView;
class AlarmPanel;
class RecordingController;

/// The dashboard window: assembles the views (tabs), the dock panels, menus and toolbar; the work lives
/// in the panels, Dashboard and RecordingController.
///
/// Threads: GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum Tab { LiveTab, SpectrogramTab, BandsTab, TrendsTab, HistoryTab };

    MainWindow(pipeline::Pipeline& pipeline, QWidget* parent = nullptr);
    ~MainWindow() override;

    Dashboard& dashboard() { return *m_dashboard; }
    DevicePanel& devicePanel() { return *m_devices; }
    TimePlotView& timeView() { return *m_time; }
    SpectrumView& spectrumView() { return *m_spectrum; }
    SpectrumControls& spectrumControls() { return *m_spectrumControls; }
    SpectrogramView& spectrogramView() { return *m_spectrogram; }
    ReadoutPanel& readouts() { return *m_readouts; }
    HistoryBrowser& history() { return *m_history; }
    TrendView& trends() { return *m_trends; }
    BandView& bands() { return *m_bands; }
    AlarmPanel& alarmPanel() { return *m_alarmPanel; }
    RecordingController& recording() { return *m_recording; }
    void setCurrentTab(Tab tab);
    Tab currentTab() const;
    /// Where the workspace is saved when the window closes (not owned; null = not saved).
    void setWorkspaceSettings(QSettings* settings) { m_settings = settings; }
    void setDarkTheme(bool dark);
    bool isDarkTheme() const { return m_dark; }
    /// Adds and starts a source; on error returns false and sets *error. A `redis://HOST:PORT/PREFIX` URI
    /// opens a read-only watch of every device published under PREFIX (pipeline::RedisWatch): its devices
    /// come and go with the publishers; the status bar shows the connection.
    bool addSourceUri(const QString& uri, QString* error);
    /// The Redis watches (stop them before the pipeline stops its devices).
    const std::vector<std::unique_ptr<pipeline::RedisWatch>>& watches() const { return m_watches; }
    void stopWatches();
    /// Edit source: replaces a device's source by another URI (the old one is put back when the new one is
    /// refused; *error says why). The selection follows the edited device. Never waits for storage.
    bool replaceSource(const QString& deviceId, const QString& uri, QString* error);
    /// Remove source: stops and removes a device (its recording, if any, is closed by the engine).
    void removeSource(const QString& deviceId);
    static constexpr int kStatusMs = 500; ///< the status bar is refreshed at most this often

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void redraw();
    void addSource();
    void editSource(const QString& deviceId);
    void toggleRecording();
    void updateStatus();

    pipeline::Pipeline& m_pipeline;
    Dashboard* m_dashboard;
    DevicePanel* m_devices;
    TimePlotView* m_time;
    SpectrumView* m_spectrum;
    SpectrumControls* m_spectrumControls;
    SpectrogramView* m_spectrogram;
    ReadoutPanel* m_readouts;
    RecordingController* m_recording;
    HistoryBrowser* m_history;
    TrendView* m_trends;
    BandView* m_bands;
    AlarmPanel* m_alarmPanel;
    QTabWidget* m_tabs;
    QAction* m_recordAction;
    QAction* m_darkAction;
    QLabel* m_statusDevices;
    QLabel* m_statusRecording;
    QLabel* m_statusFps;
    QLabel* m_statusWatch;
    std::vector<std::unique_ptr<pipeline::RedisWatch>> m_watches;
    quint64 m_fpsFrames = 0;
    qint64 m_fpsSinceMs = 0;
    QElapsedTimer m_statusClock;
    bool m_dark = false;
    QSettings* m_settings = nullptr;
};

} // namespace vibra::ui
