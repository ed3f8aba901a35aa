#include "io/FileReplaySource.h"

#include "core/Clock.h"

#include <QDebug>
#include <QFileInfo>

#include <cmath>

namespace vibra::io {

namespace {

// Splits the first n samples of b off into a new block (b keeps the rest).
core::MutableBlockPtr splitFront(core::SampleBlock& b, std::uint32_t n) {
    auto head = std::make_shared<core::SampleBlock>();
    head->device = b.device;
    head->sequence = b.sequence;
    head->firstSample = b.firstSample;
    head->startTimeNs = b.startTimeNs;
    head->count = n;
    head->indexInferred = b.indexInferred;
    const auto axes = static_cast<std::size_t>(b.axisCount());
    const std::uint32_t rest = b.count - n;
    head->data.resize(axes * n);
    std::vector<float> tail(axes * rest);
    for (std::size_t a = 0; a < axes; ++a) {
        const float* src = b.data.data() + a * b.count;
        std::copy(src, src + n, head->data.data() + a * n);
        std::copy(src + n, src + b.count, tail.data() + a * rest);
    }
    b.data = std::move(tail);
    b.startTimeNs = b.timeOfSampleNs(n);
    b.firstSample += n;
    b.count = rest;
    b.indexInferred = false; // the rest follows the head contiguously
    return head;
}

} // namespace

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
    const QString format =
        uri.choice(QStringLiteral("format"), QStringLiteral("auto"),
                   {QStringLiteral("auto"), QStringLiteral("csv"), QStringLiteral("frame")});
    decode::parseInputFormat(format.toStdString(), o.format);
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
    , m_pump(QStringLiteral("file %1:").arg(m_opt.path))
    , m_timer(this) {
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
    emit finished(); // a finite source is over either way (record and analyze stop waiting)
}

void FileReplaySource::start(core::BlockOutlet* outlet) {
    m_outlet = outlet;
    m_file.setFileName(m_opt.path);
    if (!m_file.open(QIODevice::ReadOnly)) {
        fail(QStringLiteral("cannot open %1: %2").arg(m_opt.path, m_file.errorString()));
        return;
    }
    decode::StreamDecoder::Config cfg;
    cfg.format = m_opt.format;
    cfg.transport = decode::StreamDecoder::Transport::Bytes;
    cfg.base.id = deviceId().toStdString();
    cfg.base.sourceUri = uri().toStdString();
    cfg.base.unit = m_opt.text.unit;
    cfg.unitExplicit = m_opt.text.unitExplicit;
    cfg.csv = m_opt.text.csv;
    cfg.rateHz = m_opt.text.rateHz;
    cfg.sequencePolicy = decode::FrameStream::Policy::Rebase;
    cfg.startsAtBoundary = true;
    cfg.maxBlockSamples = m_opt.realtime ? 4096 : 1024;
    m_pump.start(decode::StreamDecoder::create(cfg), outlet);
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

bool FileReplaySource::readAhead() {
    char buf[65536];
    decode::StreamDecoder& d = m_pump.decoder();
    while (!m_eof && m_queuedSamples < kMaxPendingSamples) {
        const qint64 n = m_file.read(buf, sizeof buf);
        if (n < 0) {
            fail(QStringLiteral("read error in %1: %2").arg(m_opt.path, m_file.errorString()));
            return false;
        }
        if (n == 0) {
            if (m_opt.loop && d.stats().samples > 0) {
                m_pump.flush();
                d.rewind();
                m_file.seek(0);
            } else {
                m_eof = true;
                m_pump.finish();
                qInfo().noquote() << QStringLiteral("file %1:").arg(m_opt.path) << m_pump.describe();
            }
        } else {
            m_pump.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf),
                                                      static_cast<std::size_t>(n)),
                        core::utcNowNs());
        }
        for (const QString& note : m_pump.takeNotices())
            emit stateChanged(State::Live, note);
        for (auto& b : m_pump.blocks()) {
            m_queuedSamples += b->count;
            m_queue.push_back(std::move(b));
        }
        m_pump.blocks().clear();
        if (!d.fatalError().empty()) {
            fail(QStringLiteral("%1: %2").arg(m_opt.path, QString::fromStdString(d.fatalError())));
            return false;
        }
    }
    return true;
}

bool FileReplaySource::deliverDue() {
    const double now = static_cast<double>(m_clock.nsecsElapsed()) * 1e-9;
    while (!m_queue.empty()) {
        core::SampleBlock& b = *m_queue.front();
        if (!m_haveT0) {
            m_haveT0 = true;
            m_t0Ns = b.startTimeNs;
        }
        std::uint32_t n = b.count;
        if (m_opt.realtime) {
            // samples whose time has come: rel(k) = start + k / rate <= now
            const double rel = static_cast<double>(b.startTimeNs - m_t0Ns) * 1e-9;
            const double due = std::floor((now - rel) * b.sampleRate()) + 1;
            n = static_cast<std::uint32_t>(std::clamp(due, 0.0, static_cast<double>(b.count)));
            if (n == 0)
                return true;
        } else if (!m_outlet->hasRoom(n)) {
            return false; // unpaced: wait for room rather than drop
        }
        core::MutableBlockPtr out;
        if (n == b.count) {
            out = std::move(m_queue.front());
            m_queue.pop_front();
        } else {
            out = splitFront(b, n);
        }
        m_queuedSamples -= n;
        m_outlet->deliver(std::move(out));
    }
    return true;
}

void FileReplaySource::tick() {
    if (!m_running)
        return;
    if (m_queuedSamples < kMaxPendingSamples / 2 && !m_eof && !readAhead())
        return;
    const bool open = deliverDue();
    if (m_queue.empty() && m_eof) {
        finishRun();
        return;
    }
    if (!m_opt.realtime)
        QTimer::singleShot(open ? 0 : 1, this, &FileReplaySource::tick); // next slice; stop() can run between
}

void FileReplaySource::finishRun() {
    m_running = false;
    m_timer.stop();
    m_file.close();
    emit stateChanged(State::Finished, QStringLiteral("end of %1: %2").arg(m_opt.path, m_pump.describe()));
    emit finished();
}

} // namespace vibra::io
