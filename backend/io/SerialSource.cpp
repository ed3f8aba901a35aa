#include "io/SerialSource.h"

#include "core/Clock.h"

#include <QFileInfo>

namespace vibra::io {

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
    const QString format =
        uri.choice(QStringLiteral("format"), QStringLiteral("auto"),
                   {QStringLiteral("auto"), QStringLiteral("frame"), QStringLiteral("csv")});
    decode::parseInputFormat(format.toStdString(), o.format);
    if (o.format != decode::InputFormat::Frame) // text options apply to csv and to auto (it may find text)
        o.text = CsvSourceOptions::fromUri(uri);
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
    , m_watchdog(this)
    , m_pump(QStringLiteral("serial %1:").arg(m_opt.path)) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &SerialSource::tryOpen);
    m_watchdog.setInterval(1000);
    connect(&m_watchdog, &QTimer::timeout, this, &SerialSource::watch);
}

SerialSource::~SerialSource() = default;

void SerialSource::start(core::BlockOutlet* outlet) {
    m_outlet = outlet;
    m_running = true;
    m_clock.start();
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
    cfg.startsAtBoundary = false; // decided per open (kSilenceMs)
    m_pump.start(decode::StreamDecoder::create(cfg), outlet);
    emit stateChanged(State::Connecting, QStringLiteral("opening %1").arg(m_opt.path));
    m_watchdog.start();
    tryOpen();
}

void SerialSource::stop() {
    m_running = false;
    m_retry.stop();
    m_watchdog.stop();
    if (m_port) {
        m_port->disconnect(this);
        m_port->close();
        m_port->deleteLater();
        m_port = nullptr;
    }
    if (m_pump.started())
        m_pump.close(); // samples held for the rate estimate are delivered too
}

void SerialSource::fail(const QString& message) {
    stop();
    emit stateChanged(State::Failed, message);
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
    m_openedMs = m_clock.elapsed();
    m_firstRead = true;
    if (m_everOpened) {
        m_outlet->counters().reconnects.fetch_add(1, std::memory_order_relaxed);
        m_resumePending = true;
    }
    m_everOpened = true;
    m_reconnecting = false;
    emit stateChanged(State::Live, QStringLiteral("%1 open at %2 baud, format %3")
                                       .arg(m_opt.path)
                                       .arg(m_opt.baud)
                                       .arg(QString::fromStdString(m_pump.decoder().formatName())));
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
    m_pump.decoder().transportLost();
    m_pump.flush(); // deliver what was complete before the loss
    m_pump.deliver();
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
        const qint64 now = m_clock.elapsed();
        decode::StreamDecoder& d = m_pump.decoder();
        if (m_firstRead) {
            m_firstRead = false;
            if (now - m_openedMs >= kSilenceMs)
                d.markBoundary(); // the device was silent after the open: its first byte starts a unit
        }
        if (m_resumePending) {
            m_resumePending = false;
            if (m_lastDataMs >= 0)
                d.transportResumed(static_cast<double>(now - m_lastDataMs) * 1e-3);
        }
        m_pump.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(buf),
                                                  static_cast<std::size_t>(n)),
                    core::utcNowNs());
        m_pump.deliver();
        for (const QString& n : m_pump.takeNotices()) // format detected, layout, rate: say it
            emit stateChanged(State::Live, n);
        m_lastDataMs = now;
        m_resyncs.store(d.stats().resyncs, std::memory_order_relaxed);
        if (!d.fatalError().empty()) {
            fail(QStringLiteral("%1: %2").arg(m_opt.path, QString::fromStdString(d.fatalError())));
            return;
        }
        if (!m_port)
            break;
    }
}

void SerialSource::watch() {
    if (!m_port)
        return;
    if (const auto msg = m_pump.checkProgress(m_clock.elapsed())) {
        qWarning().noquote() << QStringLiteral("serial %1:").arg(m_opt.path) << *msg;
        emit stateChanged(State::Live, *msg);
    }
}

} // namespace vibra::io
