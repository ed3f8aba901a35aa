#include "ui/RecordingController.h"

#include "pipeline/Pipeline.h"
#include "recording/Recorder.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <algorithm>

namespace vibra::ui {

RecordingController::RecordingController(pipeline::Pipeline& pipeline, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline) {}

RecordingController::~RecordingController() {
    stopAndWait();
}

bool RecordingController::isRecording() const {
    return m_recorder && m_recorder->isRecording();
}

bool RecordingController::isBusy() const {
    return m_opening || m_stopping;
}

bool RecordingController::start(const QString& dbPath, QString* error) {
    if (isRecording() || isBusy()) {
        *error = isRecording() ? tr("already recording to %1").arg(m_path)
                               : tr("busy finishing the previous recording");
        return false;
    }
    recording::Recorder::Options o;
    o.dbPath = dbPath.toStdString();
    o.appVersion = QCoreApplication::applicationVersion().toStdString();
    o.configJson = R"({"origin":"dashboard"})";
    m_recorder = std::make_unique<recording::Recorder>(m_pipeline, o);
    m_path = dbPath;
    m_opening = true;
    connect(m_recorder.get(), &recording::Recorder::started, this, [this](bool ok, const QString& err) {
        m_opening = false;
        if (!ok) {
            m_recorder.reset();
            emit started(false, err);
            return;
        }
        m_clock.start();
        emit started(true, {});
        emit recordingChanged(true);
    });
    connect(m_recorder.get(), &recording::Recorder::stopped, this, [this] {
        m_stopping = false;
        emit recordingChanged(false);
    });
    m_recorder->startAsync();
    return true;
}

void RecordingController::stop() {
    if (!isRecording() || isBusy())
        return;
    m_stopping = true;
    m_recorder->stopAsync();
}

void RecordingController::stopAndWait() {
    if (!m_recorder)
        return;
    const bool wasRecording = isRecording() || m_stopping;
    m_recorder->stop(); // joins a start or stop in flight, then finishes synchronously if still recording
    m_opening = m_stopping = false;
    if (wasRecording)
        emit recordingChanged(false);
}

quint64 RecordingController::droppedSinceStart() const {
    if (!isRecording())
        return 0;
    quint64 n = 0;
    for (const auto& d : m_recorder->report().devices)
        n += d.counters.droppedTotal();
    return n;
}

quint64 RecordingController::storedSinceStart() const {
    if (!isRecording())
        return 0;
    quint64 n = 0;
    for (const auto& d : m_recorder->report().devices)
        n += d.counters.samplesStored;
    return n;
}

bool RecordingController::failed() const {
    return m_recorder && m_recorder->failed();
}

QString RecordingController::statusText() const {
    if (!isRecording())
        return tr("not recording");
    if (m_recorder->failed())
        return tr("RECORDING FAILED: %1").arg(QString::fromStdString(m_recorder->errorMessage()));
    const qint64 s = m_clock.elapsed() / 1000;
    const double mb =
        static_cast<double>(QFileInfo(m_path).size() + QFileInfo(m_path + QStringLiteral("-wal")).size()) /
        1e6;
    const double seconds = std::max(1e-3, static_cast<double>(m_clock.elapsed()) / 1000.0);
    QString text = tr("recording %1:%2:%3 to %4 (%5 MB, %6 samples/s stored)")
                       .arg(s / 3600)
                       .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                       .arg(s % 60, 2, 10, QLatin1Char('0'))
                       .arg(QFileInfo(m_path).fileName())
                       .arg(mb, 0, 'f', 2)
                       .arg(static_cast<double>(storedSinceStart()) / seconds, 0, 'f', 0);
    if (const quint64 dropped = droppedSinceStart())
        text += tr(" · WARNING: %1 SAMPLES DROPPED").arg(dropped);
    return text;
}

} // namespace vibra::ui
