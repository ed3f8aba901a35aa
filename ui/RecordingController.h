#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <memory>

namespace vibra::pipeline {
class Pipeline;
}
namespace vibra::recording {
class Recorder;
}

namespace vibra::ui {

/// The dashboard's Record button: starts and stops a recording::Recorder (the same recorder `vibrascope
/// record` uses, with back-pressure and the same accounting) on every live device, devices added while
/// recording included, and formats its status for the status bar.
///
/// Threads: GUI thread. The recorder opens and finishes the database on a helper thread, so the GUI thread
/// never waits on SQLite; the outcome comes back through started() / recordingChanged().
class RecordingController : public QObject {
    Q_OBJECT
public:
    explicit RecordingController(pipeline::Pipeline& pipeline, QObject* parent = nullptr);
    ~RecordingController() override;

    /// Starts opening the database in the background; started() tells the outcome (recordingChanged(true)
    /// follows on success). Returns false (with *error) only when recording or busy already.
    bool start(const QString& dbPath, QString* error);
    /// Stops storing at once and finishes the database in the background; recordingChanged(false) when
    /// the file is complete.
    void stop();
    /// Stops and waits for the database to be complete (application shutdown, SIGTERM).
    void stopAndWait();
    bool isRecording() const;
    /// Opening or finishing a database right now.
    bool isBusy() const;
    QString path() const { return m_path; }
    /// One line for the status bar: duration, file, size, stored samples per second (average since start)
    /// and, in capitals, any samples dropped since recording started (any reason) or a writer failure.
    QString statusText() const;
    /// Samples (per axis, all devices) dropped since recording started.
    quint64 droppedSinceStart() const;
    /// Samples (per axis, all devices) committed to the database since recording started.
    quint64 storedSinceStart() const;
    bool failed() const;
    const recording::Recorder* recorder() const { return m_recorder.get(); }

signals:
    void started(bool ok, const QString& error);
    void recordingChanged(bool recording);

private:
    pipeline::Pipeline& m_pipeline;
    std::unique_ptr<recording::Recorder> m_recorder; ///< the current (or finishing) recording
    bool m_opening = false;
    bool m_stopping = false;
    QString m_path;
    QElapsedTimer m_clock;
};

} // namespace vibra::ui
