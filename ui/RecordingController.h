#pragma once

#include <QElapsedTimer>
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
    /// One line for the status bar: duration, file size, drops.
    QString statusText() const;
    bool failed() const;

signals:
    void recordingChanged(bool recording);

private:
    void attach(pipeline::DeviceChannel* channel);

    pipeline::Pipeline& m_pipeline;
    std::unique_ptr<storage::SqliteWriter> m_writer;
    QString m_path;
    QElapsedTimer m_clock;
};

} // namespace vibra::ui
