// ingest_bench: sustained samples/s (no loss) into the Vibrascope ingest paths, against a floor measured in
// the same run by a bare reader that only receives the same bytes.
//
//  ws:  N devices (QWebSocket clients on one thread) push 16 kHz x 3 int16 frames of 256 samples to
//       IngestServer /ingest (validate, CRC, de-duplicate, ack, deliver into per-device rings drained by a
//       consumer thread). Floor: a bare QWebSocketServer that only answers each message with the same small
//       ack. Each client keeps at most --window frames unacknowledged (the protocol's flow control).
//  pty: one writer thread pushes COBS frames into a socat pty pair as fast as the pty allows; SerialSource
//       (COBS + frame decode + outlet) vs a bare QSerialPort that only reads the bytes.
//
// Usage: ingest_bench [--devices 1,4,16] [--frames 1500] [--window 32] [--pty-frames 4000]
// Output: one line per case and a summary with devices sustained at 16 kHz and the ratio to the floor.
#include "decode/Cobs.h"
#include "decode/Frame.h"
#include "io/IngestServer.h"
#include "io/SerialSource.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QSerialPort>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

using namespace vibra;

namespace {

constexpr int kBlock = 256;
constexpr int kAxes = 3;
constexpr double kRate = 16000.0;

std::vector<QByteArray> makeFrames(int count) {
    std::vector<QByteArray> out;
    out.reserve(static_cast<std::size_t>(count));
    std::vector<double> raw(kBlock * kAxes);
    for (int f = 0; f < count; ++f) {
        decode::FrameHeader h;
        h.sequence = static_cast<std::uint32_t>(f);
        h.firstSample = static_cast<std::uint64_t>(f) * kBlock;
        h.count = kBlock;
        h.rateHz = kRate;
        h.scale = 1.0f / 16384;
        for (int i = 0; i < kBlock * kAxes; ++i)
            raw[static_cast<std::size_t>(i)] = ((f * kBlock * kAxes + i) * 37) % 65536 - 32768;
        std::vector<std::uint8_t> bytes;
        decode::FrameCodec::encode(h, raw, bytes);
        out.emplace_back(reinterpret_cast<const char*>(bytes.data()), static_cast<qsizetype>(bytes.size()));
    }
    return out;
}

// One pushing device: sends frames keeping at most `window` unacknowledged.
class Pusher : public QObject {
public:
    Pusher(const std::vector<QByteArray>& frames, int window, std::atomic<int>& doneCount)
        : m_frames(frames)
        , m_window(window)
        , m_done(doneCount)
        , m_ws(QString(), QWebSocketProtocol::VersionLatest, this) { // child: moves with the pusher
        connect(&m_ws, &QWebSocket::textMessageReceived, this, [this](const QString& m) {
            // {"ack":N}
            const int i = m.indexOf(QLatin1Char(':'));
            m_acked = m.mid(i + 1, m.size() - i - 2).toLongLong();
            pump();
        });
    }
    void open(const QUrl& url) { m_ws.open(url); }
    void pump() {
        while (m_next < static_cast<qint64>(m_frames.size()) && m_next - m_acked - 1 < m_window)
            m_ws.sendBinaryMessage(m_frames[static_cast<std::size_t>(m_next++)]);
        if (!m_finished && m_acked == static_cast<qint64>(m_frames.size()) - 1) {
            m_finished = true;
            m_done.fetch_add(1);
        }
    }
    void close() { m_ws.close(); }

private:
    const std::vector<QByteArray>& m_frames;
    const int m_window;
    std::atomic<int>& m_done;
    QWebSocket m_ws;
    qint64 m_next = 0;
    qint64 m_acked = -2; // until the hello
    bool m_finished = false;
};

// Bare floor: receives messages and answers each with an ack, nothing else.
class BareServer : public QObject {
public:
    BareServer()
        : m_server(QStringLiteral("bare"), QWebSocketServer::NonSecureMode, this) {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket* ws = m_server.nextPendingConnection()) {
                ws->setParent(this);
                auto* seq = new qint64(-1);
                connect(ws, &QWebSocket::binaryMessageReceived, this, [this, ws, seq](const QByteArray& m) {
                    m_bytes.fetch_add(static_cast<std::uint64_t>(m.size()));
                    ws->sendTextMessage(QStringLiteral("{\"ack\":%1}").arg(++*seq));
                });
                connect(ws, &QObject::destroyed, this, [seq] { delete seq; });
                ws->sendTextMessage(QStringLiteral("{\"ack\":-1}"));
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    std::atomic<std::uint64_t> m_bytes{0};

private:
    QWebSocketServer m_server;
};

struct Sinks {
    std::mutex mutex;
    struct Sink {
        core::InputQueue ring{1024, 1u << 24};
        core::DeviceCounters counters;
        core::BlockOutlet outlet{ring, counters};
    };
    std::map<QString, std::unique_ptr<Sink>> map;
    std::atomic<std::uint64_t> drained{0};
    std::atomic<bool> stop{false};
    std::thread consumer;

    Sinks() {
        consumer = std::thread([this] {
            while (!stop.load()) {
                std::unique_lock lock(mutex);
                for (auto& [id, s] : map) {
                    core::SampleBlockPtr b;
                    while (s->ring.tryPop(b))
                        drained.fetch_add(b->count);
                }
                lock.unlock();
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        });
    }
    ~Sinks() {
        stop.store(true);
        consumer.join();
    }
    core::BlockOutlet* make(const QString& id) {
        std::lock_guard lock(mutex);
        auto& s = map[id];
        s = std::make_unique<Sink>();
        return &s->outlet;
    }
    std::uint64_t dropped() {
        std::lock_guard lock(mutex);
        std::uint64_t d = 0;
        for (auto& [id, s] : map) {
            const auto c = s->counters.snapshot();
            d += c.droppedTotal() + c.samplesMissing;
        }
        return d;
    }
};

// Runs `devices` pushers against url(i) on a client thread; returns seconds until every frame was acked.
double runPushers(int devices, const std::vector<QByteArray>& frames, int window,
                  const std::function<QUrl(int)>& url) {
    QThread clientThread;
    clientThread.start();
    std::atomic<int> done{0};
    std::vector<std::unique_ptr<Pusher>> pushers;
    for (int i = 0; i < devices; ++i) {
        pushers.push_back(std::make_unique<Pusher>(frames, window, done));
        pushers.back()->moveToThread(&clientThread);
    }
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < devices; ++i) {
        Pusher* p = pushers[static_cast<std::size_t>(i)].get();
        const QUrl u = url(i);
        QMetaObject::invokeMethod(p, [p, u] { p->open(u); });
    }
    while (done.load() < devices && t.elapsed() < 120000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    const double secs = static_cast<double>(t.nsecsElapsed()) * 1e-9;
    for (auto& p : pushers) {
        Pusher* raw = p.release();
        QMetaObject::invokeMethod(raw, [raw] {
            raw->close();
            delete raw;
        });
    }
    clientThread.quit();
    clientThread.wait();
    if (done.load() < devices)
        std::fprintf(stderr, "ingest_bench: timeout, %d of %d devices finished\n", done.load(), devices);
    return secs;
}

struct Result {
    double samplesPerSec;
    double floorPerSec;
    std::uint64_t lost;
};

Result benchWs(int devices, int framesPerDevice, int window) {
    const auto frames = makeFrames(framesPerDevice);
    const double samples = static_cast<double>(devices) * framesPerDevice * kBlock;
    // floor
    QThread bareThread;
    auto* bare = new BareServer;
    bare->moveToThread(&bareThread);
    bareThread.start();
    const quint16 barePort = bare->port();
    const double bareSecs = runPushers(devices, frames, window, [&](int) {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/ingest").arg(barePort));
    });
    QMetaObject::invokeMethod(
        bare, [bare] { delete bare; }, Qt::BlockingQueuedConnection);
    bareThread.quit();
    bareThread.wait();
    // ingest server
    Sinks sinks;
    io::IngestServer::Options o;
    o.port = 0;
    o.token = QStringLiteral("bench");
    o.maxConnections = devices + 8;
    o.maxDevices = devices + 8;
    QThread serverThread;
    auto* server = new io::IngestServer(o, [&](const QString& id, const QString&) { return sinks.make(id); });
    server->moveToThread(&serverThread);
    serverThread.start();
    QMetaObject::invokeMethod(
        server, [server] { server->listen(nullptr); }, Qt::BlockingQueuedConnection);
    const quint16 port = server->port();
    const double secs = runPushers(devices, frames, window, [&](int i) {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/ingest?device=d%2&token=bench").arg(port).arg(i));
    });
    QElapsedTimer wait;
    wait.start();
    while (sinks.drained.load() < static_cast<std::uint64_t>(samples) && wait.elapsed() < 5000)
        QThread::msleep(1);
    QMetaObject::invokeMethod(
        server, [server] { delete server; }, Qt::BlockingQueuedConnection);
    serverThread.quit();
    serverThread.wait();
    const std::uint64_t lost = static_cast<std::uint64_t>(samples) - sinks.drained.load() + sinks.dropped();
    return {samples / secs, samples / bareSecs, lost};
}

// PTY path -------------------------------------------------------------------------------------------------

bool startSocat(QProcess& socat, const QString& dir) {
    socat.start(QStringLiteral("socat"), {QStringLiteral("pty,raw,echo=0,link=%1/dev").arg(dir),
                                          QStringLiteral("pty,raw,echo=0,link=%1/host").arg(dir)});
    if (!socat.waitForStarted(5000))
        return false;
    for (int i = 0; i < 500; ++i) {
        if (QFileInfo::exists(dir + "/dev") && QFileInfo::exists(dir + "/host"))
            return true;
        QThread::msleep(10);
    }
    return false;
}

std::thread startWriter(const QString& path, const QByteArray& stream) {
    return std::thread([path, stream] {
        const int fd = ::open(path.toLocal8Bit().constData(), O_WRONLY | O_NOCTTY);
        if (fd < 0)
            return;
        qsizetype off = 0;
        while (off < stream.size()) {
            const ssize_t n = ::write(fd, stream.constData() + off,
                                      static_cast<size_t>(std::min<qsizetype>(65536, stream.size() - off)));
            if (n <= 0)
                break;
            off += n;
        }
        ::close(fd);
    });
}

Result benchPty(int frameCount) {
    const auto frames = makeFrames(frameCount);
    QByteArray stream(1, '\0');
    for (const auto& f : frames) {
        std::vector<std::uint8_t> enc;
        decode::Cobs::encode(
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(f.constData()),
                                          static_cast<std::size_t>(f.size())),
            enc);
        stream.append(reinterpret_cast<const char*>(enc.data()), static_cast<qsizetype>(enc.size()));
        stream.append('\0');
    }
    const double samples = static_cast<double>(frameCount) * kBlock;
    QTemporaryDir dir;
    // floor: a bare QSerialPort reader on its own thread (like the source), reading into a fixed buffer
    double bareSecs = 0;
    {
        QProcess socat;
        if (!startSocat(socat, dir.path()))
            return {0, 0, 0};
        QThread readerThread;
        auto* port = new QSerialPort(dir.path() + "/host");
        std::atomic<qint64> got{0};
        QObject::connect(port, &QSerialPort::readyRead, port, [port, &got] {
            char buf[65536];
            qint64 n;
            while ((n = port->read(buf, sizeof buf)) > 0)
                got.fetch_add(n);
        });
        port->moveToThread(&readerThread);
        readerThread.start();
        QMetaObject::invokeMethod(
            port, [port] { port->open(QIODevice::ReadOnly); }, Qt::BlockingQueuedConnection);
        QElapsedTimer t;
        t.start();
        std::thread w = startWriter(dir.path() + "/dev", stream);
        while (got.load() < stream.size() && t.elapsed() < 60000)
            QThread::usleep(200);
        bareSecs = static_cast<double>(t.nsecsElapsed()) * 1e-9;
        w.join();
        QMetaObject::invokeMethod(
            port, [port] { delete port; }, Qt::BlockingQueuedConnection);
        readerThread.quit();
        readerThread.wait();
        socat.terminate();
        socat.waitForFinished();
    }
    // SerialSource on its own thread, sink drained here
    core::InputQueue ring(4096, 1u << 24);
    core::DeviceCounters counters;
    core::BlockOutlet outlet(ring, counters);
    QProcess socat;
    if (!startSocat(socat, dir.path()))
        return {0, 0, 0};
    auto src = io::SerialSource::create("serial://" + dir.path() + "/host?format=frame", nullptr);
    QThread io;
    src->moveToThread(&io);
    io.start();
    io::SerialSource* s = src.get();
    QMetaObject::invokeMethod(
        s, [s, &outlet] { s->start(&outlet); }, Qt::BlockingQueuedConnection);
    std::uint64_t got = 0;
    QElapsedTimer t;
    t.start();
    std::thread w = startWriter(dir.path() + "/dev", stream);
    while (got < static_cast<std::uint64_t>(samples) && t.elapsed() < 60000) {
        core::SampleBlockPtr b;
        while (ring.tryPop(b))
            got += b->count;
        QThread::usleep(200);
    }
    const double secs = static_cast<double>(t.nsecsElapsed()) * 1e-9;
    w.join();
    QMetaObject::invokeMethod(
        s,
        [&src] {
            src->stop();
            src.reset();
        },
        Qt::BlockingQueuedConnection);
    io.quit();
    io.wait();
    socat.terminate();
    socat.waitForFinished();
    const auto c = counters.snapshot();
    return {samples / secs, samples / bareSecs,
            static_cast<std::uint64_t>(samples) - got + c.droppedTotal() + c.samplesMissing};
}

QList<int> intList(const QString& s) {
    QList<int> out;
    for (const QString& p : s.split(QLatin1Char(',')))
        out.append(p.toInt());
    return out;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QList<int> devices{1, 4, 16};
    int frames = 1500, window = 32, ptyFrames = 4000;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == "--devices")
            devices = intList(args[i + 1]);
        else if (args[i] == "--frames")
            frames = args[i + 1].toInt();
        else if (args[i] == "--window")
            window = args[i + 1].toInt();
        else if (args[i] == "--pty-frames")
            ptyFrames = args[i + 1].toInt();
    }
    qputenv("QT_LOGGING_RULES", "*.warning=false");
    std::printf("ingest_bench: frames of %d samples x %d axes int16 (%.0f Hz per device); %d frames/device, "
                "window %d\n",
                kBlock, kAxes, kRate, frames, window);
    for (int n : devices) {
        const Result r = benchWs(n, frames, window);
        std::printf("ws  devices=%-3d ingest %12.0f samples/s  bare %12.0f samples/s  ratio %.2f  lost %llu  "
                    "=> %.0f devices at 16 kHz\n",
                    n, r.samplesPerSec, r.floorPerSec, r.samplesPerSec / r.floorPerSec,
                    static_cast<unsigned long long>(r.lost), r.samplesPerSec / kRate);
    }
    const Result p = benchPty(ptyFrames);
    std::printf("pty devices=1   serial %12.0f samples/s  bare %12.0f samples/s  ratio %.2f  lost %llu  "
                "=> %.1f devices at 16 kHz\n",
                p.samplesPerSec, p.floorPerSec, p.samplesPerSec / p.floorPerSec,
                static_cast<unsigned long long>(p.lost), p.samplesPerSec / kRate);
    return 0;
}
