#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>

#include <memory>
#include <thread>

namespace vibra::storage {
class SqliteWriter;
}
namespace vibra::pipeline {
class Pipeline;
class DeviceChannel;
} // namespace vibra::pipeline

namespace vibra::ui {

/// Starts and stops recording of every live device into a history database from the dashboard (the same
/// SqliteWriter the headless recorder uses). Devices added while recording are recorded too.
///
/// Threads: GUI thread; the writer has its own thread. Opening the database (start) and the final drain,
/// commit and checkpoint (stop) run on a helper thread (m_op), so the GUI thread never waits on SQLite
/// for them; results come back as queued calls. The destructor joins whatever is still running.
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
    bool isRecording() const { return m_writer != nullptr; }
    /// Opening or finishing a database right now.
    bool isBusy() const { return m_busy; }
    QString path() const { return m_path; }
    /// One line for the status bar: duration, file, size, stored samples per second (average since start)
    /// and, in capitals, any samples dropped since recording started (any reason: transport, DSP or
    /// storage overflow) or a writer failure.
    QString statusText() const;
    /// Samples (per axis, all devices) dropped since recording started.
    quint64 droppedSinceStart() const;
    /// Samples (per axis, all devices) committed to the database since recording started.
    quint64 storedSinceStart() const;
    bool failed() const;

signals:
    void started(bool ok, const QString& error);
    void recordingChanged(bool recording);

private:
    void attach(pipeline::DeviceChannel* channel);
    void onStarted(bool ok, const QString& error);
    void joinOp();

    pipeline::Pipeline& m_pipeline;
    std::unique_ptr<storage::SqliteWriter> m_writer;  ///< running (or stopping) writer
    std::unique_ptr<storage::SqliteWriter> m_opening; ///< being opened by m_op
    std::thread m_op;                                 ///< helper for start()/stop(); joined before reuse
    bool m_busy = false;
    QString m_path;
    QElapsedTimer m_clock;
    QHash<QString, quint64> m_droppedAtStart; ///< per device, counters when recording (or the device) started
    QHash<QString, quint64> m_storedAtStart;
};

} // namespace vibra::ui
