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
    connect(&pipeline, &pipeline::Pipeline::deviceRemoved, this, [this](const QString& id) {
        if (m_writer)
            m_writer->detach(id.toStdString());
    });
}

RecordingController::~RecordingController() {
    stop();
}

void RecordingController::attach(pipeline::DeviceChannel* ch) {
    const auto c = ch->counters().snapshot();
    m_droppedAtStart[ch->deviceId()] = c.droppedTotal();
    m_storedAtStart[ch->deviceId()] = c.samplesStored;
    m_writer->attach(
        {ch->deviceId().toStdString(), ch->uri().toStdString(), &ch->storeRing(), &ch->counters()});
    ch->worker().setStoring(true);
}

bool RecordingController::start(const QString& dbPath, QString* error) {
    if (m_writer)
        return true;
    storage::SqliteWriter::Options o;
    o.path = dbPath.toStdString();
    o.appVersion = QCoreApplication::applicationVersion().toStdString();
    o.configJson = R"({"origin":"dashboard"})";
    auto writer = std::make_unique<storage::SqliteWriter>(o);
    std::string err;
    if (!writer->start(&err)) {
        *error = QString::fromStdString(err);
        return false;
    }
    m_writer = std::move(writer);
    m_path = dbPath;
    m_clock.start();
    m_droppedAtStart.clear();
    m_storedAtStart.clear();
    for (const auto& ch : m_pipeline.channels())
        attach(ch.get());
    emit recordingChanged(true);
    return true;
}

void RecordingController::stop() {
    if (!m_writer)
        return;
    for (const auto& ch : m_pipeline.channels())
        ch->worker().setStoring(false);
    m_writer->stop();
    m_writer.reset();
    emit recordingChanged(false);
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
