#include "ui/MainWindow.h"

#include "pipeline/Pipeline.h"
#include "ui/Dashboard.h"
#include "ui/DevicePanel.h"
#include "ui/ReadoutPanel.h"
#include "ui/RecordingController.h"
#include "ui/SpectrumView.h"
#include "ui/TimePlotView.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>

namespace vibra::ui {

MainWindow::MainWindow(pipeline::Pipeline& pipeline, QWidget* parent)
    : QMainWindow(parent)
    , m_pipeline(pipeline)
    , m_dashboard(new Dashboard(pipeline, this))
    , m_devices(new DevicePanel(*m_dashboard))
    , m_time(new TimePlotView)
    , m_spectrum(new SpectrumView)
    , m_readouts(new ReadoutPanel)
    , m_recording(new RecordingController(pipeline, this)) {
    setWindowTitle(tr("Vibrascope"));
    resize(1280, 820);

    auto* plots = new QSplitter(Qt::Vertical);
    plots->addWidget(m_time);
    plots->addWidget(m_spectrum);
    setCentralWidget(plots);

    auto* devicesDock = new QDockWidget(tr("Devices"), this);
    devicesDock->setObjectName(QStringLiteral("devices"));
    devicesDock->setWidget(m_devices);
    addDockWidget(Qt::BottomDockWidgetArea, devicesDock);
    auto* readoutDock = new QDockWidget(tr("Last second"), this);
    readoutDock->setObjectName(QStringLiteral("readouts"));
    readoutDock->setWidget(m_readouts);
    addDockWidget(Qt::BottomDockWidgetArea, readoutDock);
    resizeDocks({devicesDock}, {180}, Qt::Vertical);

    auto* tb = addToolBar(tr("Main"));
    tb->setObjectName(QStringLiteral("main"));
    auto* add = tb->addAction(tr("Add source…"), this, &MainWindow::addSource);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    tb->addAction(tr("Remove source"), this, &MainWindow::removeSource);
    tb->addSeparator();
    m_recordAction = tb->addAction(tr("● Record"), this, &MainWindow::toggleRecording);
    m_recordAction->setCheckable(true);
    m_recordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));

    m_statusDevices = new QLabel;
    m_statusRecording = new QLabel;
    statusBar()->addWidget(m_statusDevices, 1);
    statusBar()->addPermanentWidget(m_statusRecording);

    connect(m_dashboard, &Dashboard::tick, this, &MainWindow::redraw);
    connect(m_dashboard, &Dashboard::selectionChanged, this, [this] {
        m_time->clear();
        m_spectrum->clear();
    });
    connect(m_recording, &RecordingController::recordingChanged, this, [this](bool on) {
        m_recordAction->setChecked(on);
        m_recordAction->setText(on ? tr("■ Stop recording") : tr("● Record"));
        updateStatus();
    });
    updateStatus();
}

MainWindow::~MainWindow() {
    m_recording->stop();
}

void MainWindow::redraw() {
    if (const auto snap = m_dashboard->snapshot(m_dashboard->selectedDevice())) {
        m_time->draw(*snap);
        m_spectrum->draw(*snap);
        m_readouts->draw(*snap);
    }
    updateStatus();
}

void MainWindow::updateStatus() {
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
    m_statusRecording->setText(m_recording->statusText());
    m_statusRecording->setStyleSheet(m_recording->failed() ? QStringLiteral("color: #c00; font-weight: bold")
                                                           : QString());
}

void MainWindow::addSource() {
    bool ok = false;
    const QString uri = QInputDialog::getText(
        this, tr("Add source"), tr("Source URI (e.g. sim://b?profile=bearing, serial:///dev/ttyACM0):"),
        QLineEdit::Normal, QStringLiteral("sim://b"), &ok);
    if (!ok || uri.trimmed().isEmpty())
        return;
    QString error;
    auto* ch = m_pipeline.add(uri.trimmed(), &error);
    if (!ch) {
        QMessageBox::warning(this, tr("Add source"), error);
        return;
    }
    ch->start();
}

void MainWindow::removeSource() {
    const QString id = m_dashboard->selectedDevice();
    if (!id.isEmpty())
        m_pipeline.remove(id);
}

void MainWindow::toggleRecording() {
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
}

} // namespace vibra::ui
