#include "io/SerialSource.h"

#include <QDateTime>
#include <QFileInfo>

namespace vibra::io {

namespace {
std::int64_t utcNowNs() {
    return QDateTime::currentMSecsSinceEpoch() * 1'000'000;
}
} // namespace

std::unique_ptr<SerialSource> SerialSource::create(const QString& text, QString* error) {
    SourceUri uri(text);
    if (!uri.isValid()) {
        if (error)
            *error = uri.error();
        return nullptr;
    }
    return parse(uri, error);
}

std::unique_ptr<Source> SerialSource::fromUri(SourceUri& uri, QString* error) {
    return parse(uri, error);
}

std::unique_ptr<SerialSource> SerialSource::parse(SourceUri& uri, QString* error) {
    const QString text = uri.text();
    Options o;
    if (uri.isValid() && uri.scheme() != QLatin1String("serial"))
        uri.fail(QStringLiteral("%1: not a serial:// URI").arg(text));
    o.path = uri.path();
    if (uri.isValid() && o.path.isEmpty())
        uri.fail(QStringLiteral("%1: no port (expected serial:///dev/ttyACM0)").arg(text));
    o.baud = static_cast<qint32>(uri.integer(QStringLiteral("baud"), 921600, 50, 16'000'000));
    const qint64 bits = uri.integer(QStringLiteral("databits"), 8, 5, 8);
    o.dataBits = static_cast<QSerialPort::DataBits>(bits);
    const QString parity =
        uri.choice(QStringLiteral("parity"), QStringLiteral("none"),
                   {QStringLiteral("none"), QStringLiteral("even"), QStringLiteral("odd")});
    o.parity = parity == QLatin1String("even")  ? QSerialPort::EvenParity
               : parity == QLatin1String("odd") ? QSerialPort::OddParity
                                                : QSerialPort::NoParity;
    o.stopBits =
        uri.integer(QStringLiteral("stopbits"), 1, 1, 2) == 2 ? QSerialPort::TwoStop : QSerialPort::OneStop;
    const QString format = uri.choice(QStringLiteral("format"), QStringLiteral("frame"),
                                      {QStringLiteral("frame"), QStringLiteral("csv")});
    o.format = format == QLatin1String("csv") ? Format::Csv : Format::Frame;
    if (o.format == Format::Csv) {
        o.text = CsvSourceOptions::fromUri(uri);
        o.text.csv.dropFirstLine = true;
    }
    const QString name = uri.string(QStringLiteral("id"), QFileInfo(o.path).fileName());
    if (!uri.finish()) {
        if (error)
            *error = uri.error();
        return nullptr;
    }
    return std::make_unique<SerialSource>(name, text, std::move(o));
}

SerialSource::SerialSource(QString deviceId, QString uri, Options options)
    : Source(std::move(deviceId), std::move(uri))
    , m_opt(std::move(options))
    , m_retry(this)
    , m_log(QStringLiteral("serial %1:").arg(m_opt.path)) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &SerialSource::tryOpen);
}

SerialSource::~SerialSource() = default;

void SerialSource::start(core::BlockOutlet* outlet) {
    m_outlet = outlet;
    m_running = true;
    m_clock.start();
    core::DeviceInfo base;
    base.id = deviceId().toStdString();
    base.sourceUri = uri().toStdString();
    if (m_opt.format == Format::Csv) {
        m_csv.emplace(m_opt.text.csv);
        base.unit = m_opt.text.unit;
        decode::BlockAssembler::Config cfg;
        cfg.rateHz = m_opt.text.rateHz;
        cfg.utcBaseNs = utcNowNs();
        m_assembler.emplace(base, cfg);
    } else {
        m_cobs.emplace(decode::FrameCodec::kMaxFrameBytes, false);
        m_frames.emplace(base, decode::FrameStream::Policy::Rebase);
    }
    emit stateChanged(State::Connecting, QStringLiteral("opening %1").arg(m_opt.path));
    tryOpen();
}

void SerialSource::stop() {
    m_running = false;
    m_retry.stop();
    if (m_port) {
        m_port->disconnect(this);
        m_port->close();
        m_port->deleteLater();
        m_port = nullptr;
    }
}

void SerialSource::tryOpen() {
    if (!m_running)
        return;
    auto* port = new QSerialPort(this);
    port->setPortName(m_opt.path);
    port->setBaudRate(m_opt.baud);
    port->setDataBits(m_opt.dataBits);
    port->setParity(m_opt.parity);
    port->setStopBits(m_opt.stopBits);
    port->setFlowControl(QSerialPort::NoFlowControl);
    port->setReadBufferSize(1 << 20); // bounded: 1 MiB of unread bytes at most
    if (!port->open(QIODevice::ReadOnly)) {
        const QString why = port->errorString();
        delete port;
        if (!m_everOpened && !m_reconnecting)
            emit stateChanged(State::Reconnecting,
                              QStringLiteral("cannot open %1 (%2), retrying").arg(m_opt.path, why));
        m_reconnecting = true;
        m_retry.start(m_retryMs);
        m_retryMs = std::min(m_retryMs * 2, kMaxRetryMs);
        return;
    }
    m_port = port;
    connect(m_port, &QSerialPort::readyRead, this, &SerialSource::onReadyRead);
    connect(m_port, &QSerialPort::errorOccurred, this, &SerialSource::onError);
    m_retryMs = kMinRetryMs;
    if (m_everOpened) {
        m_outlet->counters().reconnects.fetch_add(1, std::memory_order_relaxed);
        if (m_csv) {
            m_csv->resync();
            m_pendingSkip = true;
        } else {
            m_cobs->reset();
            m_frames->noteReconnect();
        }
    }
    m_everOpened = true;
    m_reconnecting = false;
    emit stateChanged(State::Live, QStringLiteral("%1 open at %2 baud").arg(m_opt.path).arg(m_opt.baud));
}

void SerialSource::onError(QSerialPort::SerialPortError error) {
    if (error == QSerialPort::NoError || error == QSerialPort::TimeoutError)
        return;
    if (m_port)
        lost(m_port->errorString());
}

void SerialSource::lost(const QString& why) {
    if (!m_port)
        return;
    // deliver what was complete before the loss
    if (m_assembler) {
        m_assembler->take(m_blocks, true);
        deliver(m_blocks);
    }
    m_port->disconnect(this);
    m_port->close();
    m_port->deleteLater();
    m_port = nullptr;
    m_reconnecting = true;
    emit stateChanged(State::Reconnecting, QStringLiteral("%1 lost (%2), reopening").arg(m_opt.path, why));
    m_retryMs = kMinRetryMs;
    m_retry.start(m_retryMs);
}

void SerialSource::onReadyRead() {
    if (!m_port)
        return;
    char buf[65536];
    for (;;) {
        const qint64 n = m_port->read(buf, sizeof buf);
        if (n <= 0)
            break;
        m_outlet->counters().bytes.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
        if (m_csv)
            handleCsv(std::span<const char>(buf, static_cast<std::size_t>(n)));
        else
            handleFrames(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf),
                                                       static_cast<std::size_t>(n)));
        m_lastDataMs = m_clock.elapsed();
        if (!m_port)
            break;
    }
}

void SerialSource::handleCsv(std::span<const char> bytes) {
    const qint64 now = m_clock.elapsed();
    m_csv->feed(bytes, [&](const decode::CsvRow& row) {
        if (m_assembler->axisCount() == 0)
            m_assembler->setAxisNames(m_csv->axisNames());
        if (m_pendingSkip) {
            m_pendingSkip = false;
            if (std::isnan(row.time) && m_lastDataMs >= 0)
                m_assembler->skipSeconds(static_cast<double>(now - m_lastDataMs) * 1e-3);
        }
        if (!m_assembler->add(row.time, std::span<const float>(row.values.data(),
                                                               static_cast<std::size_t>(m_csv->axisCount()))))
            m_log.warn(QString::fromStdString(m_assembler->error()));
    });
    if (const std::uint64_t bad = m_csv->takeNewMalformed()) {
        m_outlet->counters().addDropped(core::DropReason::Malformed, 0, bad);
        m_log.warn(QStringLiteral("%1 malformed line(s) skipped: %2")
                       .arg(bad)
                       .arg(QString::fromStdString(m_csv->lastProblem())));
    }
    m_assembler->take(m_blocks, true);
    deliver(m_blocks);
}

void SerialSource::handleFrames(std::span<const std::uint8_t> bytes) {
    const std::int64_t now = utcNowNs();
    m_cobs->feed(bytes, [&](std::span<const std::uint8_t> frame) {
        const decode::FrameError e = decode::FrameCodec::decode(frame, m_frame);
        if (e != decode::FrameError::None) {
            m_outlet->counters().addDropped(
                e == decode::FrameError::Crc ? core::DropReason::Crc : core::DropReason::Malformed, 0, 1);
            m_log.warn(QStringLiteral("frame rejected: %1")
                           .arg(QString::fromUtf8(decode::frameErrorName(e).data())));
            return;
        }
        const auto restarts = m_frames->stats().restarts;
        if (auto block = m_frames->accept(m_frame, now))
            m_blocks.push_back(std::move(block));
        if (m_frames->stats().restarts != restarts)
            m_log.warn(QStringLiteral("device restarted its sequence; indices rebased"));
    });
    countDecoderStats();
    deliver(m_blocks);
}

void SerialSource::countDecoderStats() {
    const auto& s = m_cobs->stats();
    if (const auto bad = s.decodeErrors - m_cobsSeen.decodeErrors) {
        m_outlet->counters().addDropped(core::DropReason::Malformed, 0, bad);
        m_log.warn(QStringLiteral("%1 undecodable COBS piece(s) skipped").arg(bad));
    }
    if (const auto big = s.oversized - m_cobsSeen.oversized) {
        m_outlet->counters().addDropped(core::DropReason::Malformed, 0, big);
        m_log.warn(QStringLiteral("%1 oversized piece(s) without delimiter skipped").arg(big));
    }
    if (s.resyncs != m_cobsSeen.resyncs) {
        m_resyncs.store(s.resyncs, std::memory_order_relaxed);
        m_log.warn(QStringLiteral("resynchronised at a frame delimiter (%1 resyncs so far)").arg(s.resyncs));
    }
    m_cobsSeen = s;
}

void SerialSource::deliver(std::vector<core::MutableBlockPtr>& blocks) {
    for (auto& b : blocks)
        m_outlet->deliver(std::move(b));
    blocks.clear();
}

} // namespace vibra::io
