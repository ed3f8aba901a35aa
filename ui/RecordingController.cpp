#include "ui/RecordingController.h"

#include "pipeline/Pipeline.h"
#include "storage/SqliteWriter.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <algorithm>

namespace vibra::ui {

RecordingController::RecordingController(pipeline::Pipeline& pipeline, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline) {
    connect(&pipeline, &pipeline::Pipeline::deviceAdded, this, [this](pipeline::DeviceChannel* ch) {
        if (m_writer)
            attach(ch);
    });
    // A removed device's channel closes its store feed; the writer drains it and lets go by itself.
}

RecordingController::~RecordingController() {
    joinOp(); // an open or a final stop in flight completes here
    m_opening.reset();
    if (m_writer) {
        for (const auto& ch : m_pipeline.channels())
            ch->worker().setStoring(false);
        m_writer->stop(); // shutdown: the one place that waits for the database
        m_writer.reset();
    }
}

void RecordingController::joinOp() {
    if (m_op.joinable())
        m_op.join();
}

void RecordingController::attach(pipeline::DeviceChannel* ch) {
    const auto c = ch->counters().snapshot();
    m_droppedAtStart[ch->deviceId()] = c.droppedTotal();
    m_storedAtStart[ch->deviceId()] = c.samplesStored;
    m_writer->attach(ch->storeFeed());
    ch->worker().setStoring(true);
}

bool RecordingController::start(const QString& dbPath, QString* error) {
    if (m_writer || m_busy) {
        *error = m_writer ? tr("already recording to %1").arg(m_path)
                          : tr("busy finishing the previous recording");
        return false;
    }
    joinOp();
    storage::SqliteWriter::Options o;
    o.path = dbPath.toStdString();
    o.appVersion = QCoreApplication::applicationVersion().toStdString();
    o.configJson = R"({"origin":"dashboard"})";
    m_opening = std::make_unique<storage::SqliteWriter>(o);
    m_path = dbPath;
    m_busy = true;
    m_op = std::thread([this, writer = m_opening.get()] {
        std::string err;
        const bool ok = writer->start(&err);
        // Dropped by Qt if this object is gone by then (the destructor joined this thread first).
        QMetaObject::invokeMethod(
            this, [this, ok, err] { onStarted(ok, QString::fromStdString(err)); }, Qt::QueuedConnection);
    });
    return true;
}

void RecordingController::onStarted(bool ok, const QString& error) {
    joinOp();
    m_busy = false;
    if (!ok) {
        m_opening.reset();
        emit started(false, error);
        return;
    }
    m_writer = std::move(m_opening);
    m_clock.start();
    m_droppedAtStart.clear();
    m_storedAtStart.clear();
    for (const auto& ch : m_pipeline.channels())
        attach(ch.get());
    emit started(true, {});
    emit recordingChanged(true);
}

void RecordingController::stop() {
    if (!m_writer || m_busy)
        return;
    for (const auto& ch : m_pipeline.channels())
        ch->worker().setStoring(false);
    m_busy = true;
    joinOp();
    m_op = std::thread([this, writer = m_writer.get()] {
        writer->stop();
        QMetaObject::invokeMethod(
            this,
            [this] {
                joinOp();
                m_busy = false;
                m_writer.reset();
                emit recordingChanged(false);
            },
            Qt::QueuedConnection);
    });
}

quint64 RecordingController::droppedSinceStart() const {
    if (!m_writer)
        return 0;
    quint64 n = 0;
    for (const auto& ch : m_pipeline.channels()) {
        const auto c = ch->counters().snapshot();
        n += c.droppedTotal() - std::min<quint64>(c.droppedTotal(), m_droppedAtStart.value(ch->deviceId()));
    }
    return n;
}

quint64 RecordingController::storedSinceStart() const {
    if (!m_writer)
        return 0;
    quint64 n = 0;
    for (const auto& ch : m_pipeline.channels()) {
        const auto c = ch->counters().snapshot();
        n += c.samplesStored - std::min<quint64>(c.samplesStored, m_storedAtStart.value(ch->deviceId()));
    }
    return n;
}

bool RecordingController::failed() const {
    return m_writer && m_writer->failed();
}

QString RecordingController::statusText() const {
    if (!m_writer)
        return tr("not recording");
    if (m_writer->failed())
        return tr("RECORDING FAILED: %1").arg(QString::fromStdString(m_writer->errorMessage()));
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
