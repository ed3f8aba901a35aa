#include "ui/MainWindow.h"

#include "pipeline/Pipeline.h"
#include "pipeline/RedisWatch.h"
#include "ui/AlarmPanel.h"
#include "ui/BandView.h"
#include "ui/Dashboard.h"
#include "ui/DevicePanel.h"
#include "ui/HistoryBrowser.h"
#include "ui/PlotExport.h"
#include "ui/ReadoutPanel.h"
#include "ui/RecordingController.h"
#include "ui/SourceDialog.h"
#include "ui/SpectrogramView.h"
#include "ui/SpectrumControls.h"
#include "ui/SpectrumView.h"
#include "ui/Theme.h"
#include "ui/TimePlotView.h"
#include "ui/TrendView.h"
#include "ui/WorkspaceSettings.h"

#include <QCloseEvent>

#include <QDateTime>
#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

namespace vibra::ui {

MainWindow::MainWindow(pipeline::Pipeline& pipeline, QWidget* parent)
    : QMainWindow(parent)
    , m_pipeline(pipeline)
    , m_dashboard(new Dashboard(pipeline, this))
    , m_devices(new DevicePanel(*m_dashboard))
    , m_time(new TimePlotView)
    , m_spectrum(new SpectrumView)
    , m_spectrumControls(new SpectrumControls(*m_dashboard, *m_spectrum))
    , m_spectrogram(new SpectrogramView)
    , m_readouts(new ReadoutPanel)
    , m_recording(new RecordingController(pipeline, this))
    , m_history(new HistoryBrowser)
    , m_trends(new TrendView(*m_dashboard))
    , m_bands(new BandView)
    , m_alarmPanel(new AlarmPanel(pipeline.events()))
    , m_tabs(new QTabWidget) {
    setWindowTitle(tr("Vibrascope"));
    resize(1280, 820);

    auto* live = new QSplitter(Qt::Vertical);
    live->addWidget(m_time);
    live->addWidget(m_spectrum);
    live->setStretchFactor(0, 2); // the spectrum (with its span bar and readings) gets the larger share
    live->setStretchFactor(1, 3);
    m_tabs->addTab(live, tr("Time && spectrum"));
    m_tabs->addTab(m_spectrogram, tr("Spectrogram"));
    m_tabs->addTab(m_bands, tr("Bands"));
    m_tabs->addTab(m_trends, tr("Trends"));
    m_tabs->addTab(m_history, tr("History"));
    setCentralWidget(m_tabs);

    const auto dock = [this](const QString& title, const char* name, QWidget* w, Qt::DockWidgetArea area) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(QString::fromLatin1(name));
        d->setWidget(w);
        addDockWidget(area, d);
        return d;
    };
    auto* devicesDock = dock(tr("Devices"), "devices", m_devices, Qt::BottomDockWidgetArea);
    auto* readoutsDock = dock(tr("Last second"), "readouts", m_readouts, Qt::BottomDockWidgetArea);
    auto* alarmsDock = dock(tr("Alarms"), "alarms", m_alarmPanel, Qt::BottomDockWidgetArea);
    tabifyDockWidget(readoutsDock, alarmsDock);
    readoutsDock->raise();
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_spectrumControls);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(m_spectrumControls->sizeHint().width() + 24);
    auto* controlsDock = dock(tr("Spectrum settings"), "spectrumSettings", scroll, Qt::RightDockWidgetArea);
    // Tall enough for the Last-second table of three axes (and its tab bar): it never scrolls.
    resizeDocks({devicesDock}, {std::max(170, m_readouts->minimumSizeHint().height() + 56)}, Qt::Vertical);
    resizeDocks({controlsDock}, {290}, Qt::Horizontal);

    m_statusDevices = new QLabel;
    m_statusRecording = new QLabel;
    m_statusFps = new QLabel;
    m_statusFps->setToolTip(tr("Dashboard redraws per second"));
    m_statusWatch = new QLabel;
    m_statusWatch->setObjectName(QStringLiteral("watchStatus"));
    m_statusWatch->setVisible(false);
    statusBar()->addWidget(m_statusDevices, 1);
    statusBar()->addWidget(m_statusWatch);
    statusBar()->addPermanentWidget(m_statusFps);
    statusBar()->addPermanentWidget(m_statusRecording);
    buildMenus();

    connect(m_dashboard, &Dashboard::tick, this, &MainWindow::redraw);
    connect(m_dashboard, &Dashboard::selectionChanged, this, [this] {
        m_time->clear();
        m_spectrum->clear();
        m_spectrogram->clear();
    });
    connect(m_time, &TimePlotView::windowSecondsChanged, this,
            [this](double s) { m_dashboard->setTimeWindow(s, m_time->rawFactor()); });
    connect(m_time, &TimePlotView::rawSamplesWanted, this,
            [this] { m_dashboard->setTimeWindow(m_time->windowSeconds(), m_time->rawFactor()); });
    connect(m_alarmPanel, &AlarmPanel::alarmsChanged, this,
            [alarmsDock](int raised) { alarmsDock->setWindowTitle(tr("Alarms (%1)").arg(raised)); });
    connect(m_devices, &DevicePanel::addRequested, this, &MainWindow::addSource);
    connect(m_devices, &DevicePanel::editRequested, this, &MainWindow::editSource);
    connect(m_devices, &DevicePanel::removeRequested, this, &MainWindow::removeSource);
    connect(m_recording, &RecordingController::started, this, [this](bool ok, const QString& error) {
        if (!ok) {
            m_recordAction->setChecked(false);
            QMessageBox::warning(this, tr("Record"), error);
        }
    });
    connect(m_recording, &RecordingController::recordingChanged, this, [this](bool on) {
        m_recordAction->setChecked(on);
        m_recordAction->setText(on ? tr("■ Stop recording") : tr("● Record"));
        updateStatus();
    });
    m_time->setWindowSeconds(m_dashboard->displaySeconds());
    setDarkTheme(false);
    updateStatus();
    // Without fresh data there is no tick (e.g. every device's link is down): the status bar and the device
    // states (such as "reconnecting") are still refreshed once a second.
    auto* idle = new QTimer(this);
    connect(idle, &QTimer::timeout, this, [this] {
        if (m_statusClock.elapsed() >= 1000) {
            updateStatus();
            m_devices->refresh();
        }
    });
    idle->start(1000);
}

MainWindow::~MainWindow() {
    stopWatches();              // nothing is delivered into devices that stop
    m_recording->stopAndWait(); // the database is complete before the pipeline goes
}

void MainWindow::stopWatches() {
    for (auto& w : m_watches)
        w->stop();
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* add = file->addAction(tr("&Add source…"), this, &MainWindow::addSource);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    auto* edit =
        file->addAction(tr("&Edit source…"), this, [this] { editSource(m_dashboard->selectedDevice()); });
    edit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    auto* remove =
        file->addAction(tr("Re&move source"), this, [this] { removeSource(m_dashboard->selectedDevice()); });
    remove->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Delete));
    file->addSeparator();
    m_recordAction = file->addAction(tr("● Record"), this, &MainWindow::toggleRecording);
    m_recordAction->setCheckable(true);
    m_recordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    file->addSeparator();
    auto* exportTime = file->addAction(tr("Export time plot…"), this, [this] {
        exportPlotInteractive(this, m_time->plot(), QStringLiteral("time.png"));
    });
    exportTime->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    auto* exportSpectrum = file->addAction(tr("Export spectrum plot…"), this, [this] {
        exportPlotInteractive(this, m_spectrum->plot(), QStringLiteral("spectrum.png"));
    });
    exportSpectrum->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    file->addAction(tr("Export spectrogram…"), this, [this] {
        exportPlotInteractive(this, m_spectrogram->plot(), QStringLiteral("spectrogram.png"));
    });
    file->addAction(tr("Export band plot…"), this,
                    [this] { exportPlotInteractive(this, m_bands->plot(), QStringLiteral("bands.png")); });
    file->addAction(tr("Export trend plot…"), this,
                    [this] { exportPlotInteractive(this, m_trends->plot(), QStringLiteral("trends.png")); });
    file->addAction(tr("Export history plot…"), this, [this] {
        exportPlotInteractive(this, m_history->plot(), QStringLiteral("history.png"));
    });
    auto* openHistory = file->addAction(tr("&Open history database…"), this, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Open history database"), QString(),
                                                       tr("SQLite history (*.db);;All files (*)"));
        if (!p.isEmpty()) {
            m_history->openDatabase(p);
            setCurrentTab(HistoryTab);
        }
    });
    openHistory->setShortcut(QKeySequence::Open);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::closeAllWindows);

    auto* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto* a = view->addAction(m_tabs->tabText(i).replace(QStringLiteral("&&"), QStringLiteral("&")), this,
                                  [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | (Qt::Key_1 + i)));
    }
    view->addSeparator();
    for (auto* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());
    view->addSeparator();
    m_darkAction = view->addAction(tr("&Dark theme"), this, [this](bool on) { setDarkTheme(on); });
    m_darkAction->setCheckable(true);
    m_darkAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));

    auto* tb = addToolBar(tr("Main"));
    tb->setObjectName(QStringLiteral("main"));
    tb->addAction(add);
    tb->addAction(tr("Remove source"), this, [this] { removeSource(m_dashboard->selectedDevice()); });
    tb->addSeparator();
    tb->addAction(m_recordAction);
}

void MainWindow::setCurrentTab(Tab tab) {
    m_tabs->setCurrentIndex(tab);
}

MainWindow::Tab MainWindow::currentTab() const {
    return static_cast<Tab>(m_tabs->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (m_settings)
        WorkspaceSettings::save(*this, *m_settings);
    QMainWindow::closeEvent(event);
}

void MainWindow::setDarkTheme(bool dark) {
    m_dark = dark;
    m_darkAction->setChecked(dark);
    applyApplicationTheme(dark);
    for (auto* p : {m_time->plot(), m_spectrum->plot(), m_spectrogram->plot(), m_trends->plot(),
                    m_bands->plot(), m_history->plot()})
        applyPlotTheme(p, dark);
}

void MainWindow::redraw() {
    // Views render only while visible (a hidden one keeps the newest data and renders when shown).
    if (const auto snap = m_dashboard->snapshot(m_dashboard->selectedDevice())) {
        m_time->draw(snap);
        m_spectrum->draw(*snap);
        m_spectrogram->draw(*snap);
        if (m_bands->isVisible())
            m_bands->draw(*snap);
        m_readouts->draw(*snap);
    }
    m_trends->update();
    m_alarmPanel->refresh();
    if (!m_statusClock.isValid() || m_statusClock.elapsed() >= kStatusMs)
        updateStatus();
}

void MainWindow::updateStatus() {
    m_statusClock.restart();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_fpsSinceMs >= 1000) {
        const quint64 frames = m_dashboard->frames();
        if (m_fpsSinceMs > 0)
            m_statusFps->setText(
                tr("%1 redraws/s")
                    .arg(static_cast<double>(frames - m_fpsFrames) * 1000.0 / (now - m_fpsSinceMs), 0, 'f',
                         1));
        m_fpsFrames = frames;
        m_fpsSinceMs = now;
    }
    quint64 received = 0, dropped = 0, gaps = 0;
    for (const auto& ch : m_pipeline.channels()) {
        const auto c = ch->counters().snapshot();
        received += c.samplesReceived;
        dropped += c.droppedTotal();
        gaps += c.gapsDetected + c.gapsInferred;
    }
    m_statusDevices->setText(
        tr("%n device(s)", nullptr, static_cast<int>(m_pipeline.channels().size())) +
        tr(" · received %1 · dropped %2 · gaps %3").arg(received).arg(dropped).arg(gaps));
    m_statusDevices->setStyleSheet(dropped ? QStringLiteral("color: #c00; font-weight: bold") : QString());
    QStringList watch;
    bool watchDown = false;
    for (const auto& w : m_watches) {
        watch << w->statusText();
        watchDown = watchDown || !w->connected();
    }
    m_statusWatch->setVisible(!watch.isEmpty());
    m_statusWatch->setText(watch.join(QStringLiteral(" · ")));
    m_statusWatch->setStyleSheet(watchDown ? QStringLiteral("color: #e08a00; font-weight: bold") : QString());
    m_statusRecording->setText(m_recording->statusText());
    m_statusRecording->setStyleSheet(m_recording->failed() || m_recording->droppedSinceStart() > 0
                                         ? QStringLiteral("color: #c00; font-weight: bold")
                                         : QString());
}

bool MainWindow::addSourceUri(const QString& uri, QString* error) {
    if (pipeline::RedisWatch::isWatchUri(uri)) {
        const QString url = pipeline::RedisWatch::watchUrl(uri);
        for (const auto& w : m_watches)
            if (w->url() == url)
                return true; // already watched (e.g. several saved devices of one watch)
        redis::StreamWatcher::Options options;
        if (!pipeline::RedisWatch::parse(url, &options, error))
            return false;
        m_watches.push_back(std::make_unique<pipeline::RedisWatch>(m_pipeline, url, std::move(options)));
        m_watches.back()->start();
        updateStatus();
        return true;
    }
    auto* ch = m_pipeline.add(uri, error);
    if (!ch)
        return false;
    ch->start();
    return true;
}

void MainWindow::addSource() {
    SourceDialog dialog(this);
    while (dialog.exec() == QDialog::Accepted) {
        QString error;
        if (addSourceUri(dialog.uri(), &error))
            return;
        QMessageBox::warning(this, tr("Add source"), error); // keep the dialog's fields for a retry
    }
}

void MainWindow::editSource(const QString& deviceId) {
    auto* ch = m_pipeline.find(deviceId);
    if (!ch)
        return;
    if (pipeline::RedisWatch::isWatchUri(ch->uri())) {
        QMessageBox::information(
            this, tr("Edit source"),
            tr("'%1' is watched read-only from %2: it comes and goes with its publisher. "
               "Remove it to stop watching it.")
                .arg(deviceId, pipeline::RedisWatch::watchUrl(ch->uri())));
        return;
    }
    SourceDialog dialog(this);
    dialog.setUri(ch->uri());
    while (dialog.exec() == QDialog::Accepted) {
        QString error;
        if (replaceSource(deviceId, dialog.uri(), &error))
            return;
        QMessageBox::warning(this, tr("Edit source"), error);
    }
}

bool MainWindow::replaceSource(const QString& deviceId, const QString& uri, QString* error) {
    auto* ch = m_pipeline.find(deviceId);
    if (!ch) {
        *error = tr("no device '%1'").arg(deviceId);
        return false;
    }
    const QString oldUri = ch->uri();
    if (uri == oldUri)
        return true;
    const bool wasSelected = m_dashboard->selectedDevice() == deviceId;
    m_pipeline.remove(deviceId); // never waits: the core drains and closes its feeds on the pool
    if (!addSourceUri(uri, error)) {
        QString ignored;
        addSourceUri(oldUri, &ignored); // put the old source back
        return false;
    }
    if (wasSelected)
        m_dashboard->setSelectedDevice(m_pipeline.channels().back()->deviceId());
    return true;
}

void MainWindow::removeSource(const QString& deviceId) {
    if (!deviceId.isEmpty())
        m_pipeline.remove(deviceId);
}

void MainWindow::toggleRecording() {
    if (m_recording->isBusy()) { // opening or finishing: the next click acts on the outcome
        m_recordAction->setChecked(m_recording->isRecording());
        return;
    }
    if (m_recording->isRecording()) {
        m_recording->stop();
        return;
    }
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Record to history database"), QStringLiteral("vibrascope.db"),
                                     tr("SQLite history (*.db)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (path.isEmpty()) {
        m_recordAction->setChecked(false);
        return;
    }
    QString error;
    if (!m_recording->start(path, &error)) {
        m_recordAction->setChecked(false);
        QMessageBox::warning(this, tr("Record"), error);
    }
    // The outcome of opening arrives through RecordingController::started.
}

} // namespace vibra::ui
