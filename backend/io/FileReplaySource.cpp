#include "io/FileReplaySource.h"

#include <QDateTime>
#include <QFileInfo>
#include <QThread>

#include <cmath>

namespace vibra::io {

std::unique_ptr<FileReplaySource> FileReplaySource::create(const QString& text, QString* error) {
    SourceUri uri(text);
    if (!uri.isValid()) {
        if (error)
            *error = uri.error();
        return nullptr;
    }
    return parse(uri, error);
}

std::unique_ptr<Source> FileReplaySource::fromUri(SourceUri& uri, QString* error) {
    return parse(uri, error);
}

std::unique_ptr<FileReplaySource> FileReplaySource::parse(SourceUri& uri, QString* error) {
    const QString text = uri.text();
    Options o;
    if (uri.isValid() && uri.scheme() != QLatin1String("file"))
        uri.fail(QStringLiteral("%1: not a file:// URI").arg(text));
    o.path = uri.path();
    if (uri.isValid() && o.path.isEmpty())
        uri.fail(QStringLiteral("%1: no file path (expected file:///path/data.csv)").arg(text));
    o.text = CsvSourceOptions::fromUri(uri);
    o.realtime = uri.boolean(QStringLiteral("realtime"), true);
    o.loop = uri.boolean(QStringLiteral("loop"), false);
    const QString name = uri.string(QStringLiteral("id"), QFileInfo(o.path).completeBaseName());
    if (!uri.finish()) {
        if (error)
            *error = uri.error();
        return nullptr;
    }
    return std::make_unique<FileReplaySource>(name, text, std::move(o));
}

FileReplaySource::FileReplaySource(QString deviceId, QString uri, Options options)
    : Source(std::move(deviceId), std::move(uri))
    , m_opt(std::move(options))
    , m_timer(this)
    , m_log(QStringLiteral("file %1:").arg(m_opt.path)) {
    m_timer.setInterval(5);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &FileReplaySource::tick);
}

FileReplaySource::~FileReplaySource() = default;

void FileReplaySource::fail(const QString& message) {
    m_running = false;
    m_timer.stop();
    m_file.close();
    emit stateChanged(State::Failed, message);
}

void FileReplaySource::start(core::BlockOutlet* outlet) {
    m_outlet = outlet;
    m_file.setFileName(m_opt.path);
    if (!m_file.open(QIODevice::ReadOnly)) {
        fail(QStringLiteral("cannot open %1: %2").arg(m_opt.path, m_file.errorString()));
        return;
    }
    m_parser.emplace(m_opt.text.csv);
    core::DeviceInfo base;
    base.id = deviceId().toStdString();
    base.sourceUri = uri().toStdString();
    base.unit = m_opt.text.unit;
    decode::BlockAssembler::Config cfg;
    cfg.rateHz = m_opt.text.rateHz;
    cfg.maxBlockSamples = m_opt.realtime ? 4096 : 1024;
    cfg.utcBaseNs = QDateTime::currentMSecsSinceEpoch() * 1'000'000;
    m_assembler.emplace(base, cfg);
    m_running = true;
    m_eof = false;
    emit stateChanged(State::Live, QStringLiteral("replaying %1").arg(m_opt.path));
    m_clock.start();
    if (m_opt.realtime)
        m_timer.start();
    QTimer::singleShot(0, this, &FileReplaySource::tick);
}

void FileReplaySource::stop() {
    m_running = false;
    m_timer.stop();
    m_file.close();
}

bool FileReplaySource::refill() {
    if (m_eof)
        return false;
    char buf[65536];
    while (m_pending.size() < kMaxPendingRows / 2) {
        const qint64 n = m_file.read(buf, sizeof buf);
        if (n < 0) {
            fail(QStringLiteral("read error in %1: %2").arg(m_opt.path, m_file.errorString()));
            return false;
        }
        const auto onRow = [this](const decode::CsvRow& r) {
            double rel;
            if (m_parser->hasTime()) {
                if (!m_haveFirstTime) {
                    m_haveFirstTime = true;
                    m_firstTime = r.time;
                }
                rel = r.time - m_firstTime;
            } else {
                rel = m_opt.text.rateHz > 0 ? static_cast<double>(m_rowIndex) / m_opt.text.rateHz : 0.0;
            }
            ++m_rowIndex;
            m_pending.push_back({rel + m_loopOffset, r});
            m_lastRel = rel;
        };
        if (n == 0) {
            m_parser->finish(onRow);
            if (!m_opt.loop || m_parser->stats().rows == 0) {
                m_eof = true;
                break;
            }
            // loop: the next pass starts one sample period after the last row
            const double period = m_assembler->rateHz() > 0 ? 1.0 / m_assembler->rateHz() : 0.0;
            m_loopOffset += m_lastRel + period;
            m_haveFirstTime = false;
            m_rowIndex = 0;
            m_file.seek(0);
            m_parser.emplace(m_opt.text.csv);
            continue;
        }
        m_outlet->counters().bytes.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
        m_parser->feed(std::span<const char>(buf, static_cast<std::size_t>(n)), onRow);
        if (const std::uint64_t bad = m_parser->takeNewMalformed()) {
            m_outlet->counters().addDropped(core::DropReason::Malformed, 0, bad);
            m_log.warn(QStringLiteral("%1 malformed line(s) skipped: %2")
                           .arg(bad)
                           .arg(QString::fromStdString(m_parser->lastProblem())));
        }
        if (!m_parser->hasTime() && m_parser->layoutKnown() && m_opt.text.rateHz <= 0) {
            fail(QStringLiteral("%1 has no time column: set rate=... in the URI").arg(m_opt.path));
            return false;
        }
    }
    return true;
}

bool FileReplaySource::deliverReady() {
    m_assembler->take(m_blocks, true);
    std::size_t done = 0;
    for (; done < m_blocks.size(); ++done) {
        if (!m_opt.realtime && !m_outlet->hasRoom(m_blocks[done]->count))
            break; // unpaced: wait for room rather than drop
        m_outlet->deliver(std::move(m_blocks[done]));
    }
    m_blocks.erase(m_blocks.begin(), m_blocks.begin() + static_cast<std::ptrdiff_t>(done));
    return m_blocks.empty();
}

void FileReplaySource::tick() {
    if (!m_running)
        return;
    if (!m_blocks.empty() && !deliverReady()) {
        QTimer::singleShot(1, this, &FileReplaySource::tick); // the engine is behind: look again shortly
        return;
    }
    if (m_pending.size() < kMaxPendingRows / 4 && !refill() && !m_running)
        return;
    if (m_assembler->axisCount() == 0 && m_parser->layoutKnown())
        m_assembler->setAxisNames(m_parser->axisNames());
    const double now = m_opt.realtime ? static_cast<double>(m_clock.nsecsElapsed()) * 1e-9 : HUGE_VAL;
    std::size_t taken = 0;
    while (!m_pending.empty() && m_pending.front().rel <= now) {
        const Row& r = m_pending.front();
        if (!m_assembler->add(r.row.time,
                              std::span<const float>(r.row.values.data(),
                                                     static_cast<std::size_t>(m_parser->axisCount())))) {
            fail(QStringLiteral("%1: %2").arg(m_opt.path, QString::fromStdString(m_assembler->error())));
            return;
        }
        m_pending.pop_front();
        if (++taken % 4096 == 0 && !deliverReady())
            break;
    }
    if (m_pending.empty() && m_eof && !m_assembler->finishEstimation() && m_parser->stats().rows > 0)
        m_log.warn(QString::fromStdString(m_assembler->error()));
    if (!deliverReady()) {
        if (!m_opt.realtime)
            QTimer::singleShot(1, this, &FileReplaySource::tick);
        return;
    }
    if (m_pending.empty() && m_eof) {
        finishRun();
        return;
    }
    if (!m_opt.realtime)
        QTimer::singleShot(0, this, &FileReplaySource::tick); // next slice; stop() can run in between
}

void FileReplaySource::finishRun() {
    m_running = false;
    m_timer.stop();
    m_file.close();
    emit stateChanged(State::Finished, QStringLiteral("end of %1").arg(m_opt.path));
    emit finished();
}

} // namespace vibra::io
