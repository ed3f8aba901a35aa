#include "io/SimulatorSource.h"

#include "core/Clock.h"
#include "io/SourceUri.h"

#include <QDateTime>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vibra::io {

namespace {
constexpr int kPacedTickMs = 10;
constexpr double kMaxLagSeconds = 0.25; ///< a paced source further behind than this skips ahead (a gap)

/// Default noise seed from the device name, so sim://a and sim://b differ (stable across runs).
std::uint64_t seedFromName(const QString& name) {
    std::uint64_t h = 1469598103934665603ULL; // FNV-1a
    for (const QChar c : name) {
        h ^= c.unicode();
        h *= 1099511628211ULL;
    }
    return h & 0x7fffffffffffffffULL;
}

bool parseT0(const QString& raw, qint64* out) {
    bool ok = false;
    const qint64 ns = raw.toLongLong(&ok);
    if (ok) {
        *out = ns;
        return true;
    }
    QDateTime dt = QDateTime::fromString(raw, Qt::ISODateWithMs);
    if (!dt.isValid())
        return false;
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC); // no zone given: read as UTC
    *out = dt.toMSecsSinceEpoch() * 1'000'000;
    return true;
}
} // namespace

std::unique_ptr<Source> SimulatorSource::fromUri(SourceUri& uri, QString* error) {
    SimSignalGenerator::Config c;
    const QString id = uri.string(QStringLiteral("id"), uri.host());
    if (id.isEmpty())
        uri.fail(QStringLiteral("%1: the simulated device needs a name, e.g. sim://a").arg(uri.text()));
    c.sampleRate = uri.number(QStringLiteral("rate"), 16000.0, 1.0, 1'000'000.0);
    c.axes = static_cast<int>(uri.integer(QStringLiteral("axes"), 3, 1, 3));
    const QString profile =
        uri.choice(QStringLiteral("profile"), QStringLiteral("machine"),
                   {QStringLiteral("sine"), QStringLiteral("machine"), QStringLiteral("bearing")});
    SimSignalGenerator::parseProfile(profile.toStdString(), &c.profile);
    c.seed =
        static_cast<std::uint64_t>(uri.integer(QStringLiteral("seed"), static_cast<qint64>(seedFromName(id)),
                                               0, std::numeric_limits<qint64>::max()));
    const QString unit = uri.choice(QStringLiteral("unit"), QStringLiteral("g"),
                                    {QStringLiteral("g"), QStringLiteral("m/s2")});
    const bool unitIsG = unit == QLatin1String("g");
    c.unitScale = unitIsG ? 1.0 : core::kStandardGravity;
    const double nyquist = c.sampleRate / 2.0;
    const auto toArray = [](const QList<double>& l, std::array<double, 3> def) {
        for (int i = 0; i < std::min<int>(3, static_cast<int>(l.size())); ++i)
            def[i] = l[i];
        return def;
    };
    c.frequency =
        toArray(uri.numberList(QStringLiteral("freq"), {100, 200, 300}, c.axes, 0.0, nyquist), c.frequency);
    c.amplitude =
        toArray(uri.numberList(QStringLiteral("amp"), {1.0, 0.5, 0.25}, c.axes, 0.0, 1e6), c.amplitude);
    c.offset = toArray(uri.numberList(QStringLiteral("offset"), {0, 0, 0}, c.axes, -1e6, 1e6), c.offset);
    c.noiseRms = uri.number(QStringLiteral("noise"),
                            c.profile == SimSignalGenerator::Profile::Sine ? 0.0 : 0.02, 0.0, 1e6);
    c.shaftHz = uri.number(QStringLiteral("shaft"), 29.5, 0.1, nyquist / 3.0);
    c.shaftAmplitude = toArray(
        uri.numberList(QStringLiteral("shaftamp"), {0.05, 0.04, 0.03}, c.axes, 0.0, 1e6), c.shaftAmplitude);
    const auto harm = uri.numberList(QStringLiteral("harm"), {0.5, 0.25}, 2, 0.0, 100.0);
    if (harm.size() >= 2)
        c.harmonicRatio = {harm[0], harm[1]};
    c.gravity = uri.number(QStringLiteral("gravity"), 1.0, -100.0, 100.0);
    c.defectHz = uri.number(QStringLiteral("defect"), 3.5848 * c.shaftHz, 0.1, nyquist);
    c.resonanceHz =
        uri.number(QStringLiteral("resonance"), std::min(3000.0, 0.4 * c.sampleRate), 1.0, nyquist);
    c.damping = uri.number(QStringLiteral("damping"), 0.05, 0.001, 0.9);
    c.impactAmplitude = uri.number(QStringLiteral("impact"), 0.8, 0.0, 1e6);
    const auto block =
        static_cast<std::uint32_t>(uri.integer(QStringLiteral("block"), 256, 1, core::kMaxBlockSamples));
    const bool paced = uri.boolean(QStringLiteral("paced"), true);
    const double duration = uri.number(QStringLiteral("duration"), 0.0, 0.0, 10.0 * 365 * 86400);
    qint64 t0 = core::utcNowNs();
    if (uri.has(QStringLiteral("t0"))) {
        const QString raw = uri.string(QStringLiteral("t0"));
        if (!parseT0(raw, &t0))
            uri.fail(
                QStringLiteral("%1: parameter 't0' must be epoch nanoseconds or an ISO-8601 time, got '%2'")
                    .arg(uri.text(), raw));
    }
    if (!uri.finish()) {
        *error = uri.error();
        return nullptr;
    }
    return std::make_unique<SimulatorSource>(id, uri.text(), c, block, paced, duration, t0, unitIsG);
}

SimulatorSource::SimulatorSource(QString deviceId, QString uri, const SimSignalGenerator::Config& config,
                                 std::uint32_t blockSize, bool paced, double durationSeconds, qint64 t0Ns,
                                 bool unitIsG)
    : Source(std::move(deviceId), std::move(uri))
    , m_blockSize(blockSize)
    , m_paced(paced)
    , m_totalSamples(static_cast<std::uint64_t>(std::llround(durationSeconds * config.sampleRate)))
    , m_t0Ns(t0Ns)
    , m_gen(config) {
    auto info = std::make_shared<core::DeviceInfo>();
    info->id = this->deviceId().toStdString();
    info->sourceUri = this->uri().toStdString();
    info->sampleRate = config.sampleRate;
    static const char* kNames[] = {"x", "y", "z"};
    for (int a = 0; a < config.axes; ++a)
        info->axisNames.emplace_back(kNames[a]);
    info->unit = unitIsG ? core::Unit::G : core::Unit::MetersPerSecond2;
    m_info = std::move(info);
}

SimulatorSource::~SimulatorSource() = default;

void SimulatorSource::start(core::BlockOutlet* outlet) {
    m_outlet = outlet;
    m_running = true;
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        connect(m_timer, &QTimer::timeout, this, &SimulatorSource::tick);
    }
    m_clock.start();
    emit stateChanged(State::Live, {});
    m_timer->start(m_paced ? kPacedTickMs : 0);
}

void SimulatorSource::stop() {
    m_running = false;
    if (m_timer)
        m_timer->stop();
    if (m_gen.nextSample() != m_totalSamples || m_totalSamples == 0)
        emit stateChanged(State::Idle, QStringLiteral("stopped"));
}

bool SimulatorSource::emitBlock(std::uint32_t n) {
    auto block = std::make_shared<core::SampleBlock>();
    block->device = m_info;
    block->sequence = m_sequence++;
    block->firstSample = m_gen.nextSample();
    block->count = n;
    block->startTimeNs =
        m_t0Ns +
        static_cast<qint64>(std::llround(static_cast<double>(block->firstSample) * 1e9 / m_info->sampleRate));
    block->data.resize(static_cast<std::size_t>(n) * m_info->axisCount());
    m_gen.generate(block->firstSample, n, block->data);
    return m_outlet->deliver(std::move(block));
}

void SimulatorSource::tick() {
    if (!m_running)
        return;
    const std::uint64_t end = m_totalSamples ? m_totalSamples : std::numeric_limits<std::uint64_t>::max();
    if (m_paced) {
        // Emit every whole block that is due by now (wall clock paces, sample index stamps time). A source
        // that fell far behind (its thread was starved) skips to now instead of catching up with a burst:
        // the skipped samples are a gap, counted by the outlet like any other.
        const auto due = static_cast<std::uint64_t>(static_cast<double>(m_clock.nsecsElapsed()) * 1e-9 *
                                                    m_info->sampleRate);
        const std::uint64_t maxLag = std::max<std::uint64_t>(
            4ULL * m_blockSize, static_cast<std::uint64_t>(kMaxLagSeconds * m_info->sampleRate));
        if (due > m_gen.nextSample() + maxLag && due - m_blockSize < end) {
            m_gen.skipTo(due - m_blockSize);
            ++m_skips;
        }
        while (m_running && m_gen.nextSample() < end) {
            const std::uint64_t left = end - m_gen.nextSample();
            const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(m_blockSize, left));
            if (m_gen.nextSample() + n > due)
                break;
            emitBlock(n);
        }
    } else {
        // Unpaced: fill what the queue can take now, never dropping and never blocking the (shared) thread;
        // when it is full, look again in a millisecond.
        int budget = 64;
        while (m_running && m_gen.nextSample() < end && budget-- > 0) {
            const std::uint64_t left = end - m_gen.nextSample();
            const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(m_blockSize, left));
            if (!m_outlet->hasRoom(n))
                break;
            emitBlock(n);
        }
        m_timer->setInterval(m_outlet->hasRoom(m_blockSize) ? 0 : 1);
    }
    if (m_totalSamples && m_gen.nextSample() >= m_totalSamples) {
        m_running = false;
        m_timer->stop();
        emit stateChanged(State::Finished, {});
        emit finished();
    }
}

} // namespace vibra::io
