#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QString>

#include <memory>

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
/// Threads: GUI thread; the writer has its own thread. start() waits only for the database to open.
class RecordingController : public QObject {
    Q_OBJECT
public:
    explicit RecordingController(pipeline::Pipeline& pipeline, QObject* parent = nullptr);
    ~RecordingController() override;

    bool start(const QString& dbPath, QString* error);
    void stop();
    bool isRecording() const { return m_writer != nullptr; }
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
    void recordingChanged(bool recording);

private:
    void attach(pipeline::DeviceChannel* channel);

    pipeline::Pipeline& m_pipeline;
    std::unique_ptr<storage::SqliteWriter> m_writer;
    QString m_path;
    QElapsedTimer m_clock;
    QHash<QString, quint64> m_droppedAtStart; ///< per device, counters when recording (or the device) started
    QHash<QString, quint64> m_storedAtStart;
};

} // namespace vibra::ui
