#include "pipeline/RedisWatch.h"

#include "io/PassiveSource.h"
#include "pipeline/DeviceChannel.h"
#include "pipeline/Pipeline.h"

namespace vibra::pipeline {

bool RedisWatch::isWatchUri(const QString& uri) {
    return uri.startsWith(QLatin1String("redis://")) || uri.startsWith(QLatin1String("rediss://"));
}

QString RedisWatch::watchUrl(const QString& uri) {
    const qsizetype hash = uri.indexOf(QLatin1Char('#'));
    return hash < 0 ? uri : uri.left(hash);
}

bool RedisWatch::parse(const QString& uri, redis::StreamWatcher::Options* out, QString* error) {
    const QString url = watchUrl(uri);
    redis::RedisUrl parsed;
    std::string err;
    if (!redis::RedisUrl::parse(url.toStdString(), &parsed, &err) ||
        !redis::StreamWatcher::Options::fromUrl(parsed, out, &err)) {
        *error = QStringLiteral("%1: %2").arg(url, QString::fromStdString(err));
        return false;
    }
    return true;
}

RedisWatch::RedisWatch(Pipeline& pipeline, QString url, redis::StreamWatcher::Options options,
                       QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_url(watchUrl(url)) {
    m_watcher = std::make_unique<redis::StreamWatcher>(std::move(options), [this](const std::string& id) {
        QMetaObject::invokeMethod(
            this, [this, id = QString::fromStdString(id)] { createChannel(id); }, Qt::QueuedConnection);
    });
    connect(&m_pipeline, &Pipeline::aboutToRemove, this, [this](const QString& id) {
        if (m_sources.remove(id) > 0)
            m_watcher->release(id.toStdString()); // returns once nothing more is delivered to it
    });
    connect(&m_poll, &QTimer::timeout, this, &RedisWatch::poll);
}

RedisWatch::~RedisWatch() {
    stop();
}

void RedisWatch::start() {
    m_watcher->start();
    m_poll.start(1000);
}

void RedisWatch::stop() {
    m_poll.stop();
    m_watcher->stop();
}

void RedisWatch::createChannel(const QString& deviceId) {
    // A device of the same name from another source would get a second producer: refused.
    QString err = QStringLiteral("a device with this id already exists here");
    auto source = std::make_unique<io::PassiveSource>(
        deviceId, m_url + QLatin1Char('#') + deviceId,
        QStringLiteral("watching %1 (read-only)")
            .arg(QString::fromStdString(m_watcher->options().url.display())));
    io::PassiveSource* raw = source.get();
    auto* ch = m_pipeline.find(deviceId) ? nullptr : m_pipeline.addSource(std::move(source), &err);
    if (!ch) {
        qWarning("redis watch %s: device '%s' not shown: %s", qPrintable(m_url), qPrintable(deviceId),
                 qPrintable(err));
        m_watcher->provide(deviceId.toStdString(), nullptr);
        return;
    }
    m_sources.insert(deviceId, raw);
    ch->start();
    m_watcher->provide(deviceId.toStdString(), ch->core());
}

void RedisWatch::poll() {
    const auto st = m_watcher->stats();
    const QString host = QString::fromStdString(m_watcher->options().url.display());
    if (st.connected != m_reportedConnected || (!st.connected && st.lastError != m_reportedError)) {
        if (st.connected)
            qInfo("redis watch %s: connected", qPrintable(host));
        else
            qWarning("%s; retrying", st.lastError.empty() ? qPrintable(host + QStringLiteral(": connecting"))
                                                          : st.lastError.c_str());
        m_reportedConnected = st.connected;
        m_reportedError = st.lastError;
    }
    if (st.undecodable > m_reportedUndecodable) {
        qWarning("redis watch %s: %llu undecodable entries skipped (last: %s)", qPrintable(host),
                 static_cast<unsigned long long>(st.undecodable - m_reportedUndecodable),
                 st.lastUndecodable.c_str());
        m_reportedUndecodable = st.undecodable;
    }
    if (st.overflow > m_reportedOverflow) {
        qWarning("redis watch %s: %llu entries dropped: the engine did not keep up (shown as gaps)",
                 qPrintable(host), static_cast<unsigned long long>(st.overflow - m_reportedOverflow));
        m_reportedOverflow = st.overflow;
    }
    if (st.overCap != m_reportedOverCap) {
        if (st.overCap > 0)
            qWarning("redis watch %s: %llu more device streams not watched (max_devices=%zu)",
                     qPrintable(host), static_cast<unsigned long long>(st.overCap),
                     m_watcher->options().maxDevices);
        m_reportedOverCap = st.overCap;
    }
    const auto state = st.connected ? io::Source::State::Live : io::Source::State::Reconnecting;
    const QString message = st.connected
                                ? QStringLiteral("watching %1 (read-only)").arg(host)
                                : QStringLiteral("%1; retrying").arg(QString::fromStdString(st.lastError));
    for (auto it = m_sources.begin(); it != m_sources.end(); ++it) {
        const auto* ch = m_pipeline.find(it.key());
        if (ch && (ch->state() != state || ch->stateMessage() != message))
            it.value()->report(state, message);
    }
}

QString RedisWatch::statusText() const {
    const auto st = m_watcher->stats();
    const QString host = QString::fromStdString(m_watcher->options().url.display());
    if (!st.connected)
        return (st.lastError.empty() ? QStringLiteral("redis %1: connecting").arg(host)
                                     : QString::fromStdString(st.lastError)) +
               QStringLiteral(", retrying");
    QString text = QStringLiteral("redis %1: watching %2 devices (read-only), %3 entries")
                       .arg(host)
                       .arg(m_sources.size())
                       .arg(st.entries);
    if (st.undecodable > 0)
        text += QStringLiteral(", %1 undecodable").arg(st.undecodable);
    if (st.overflow > 0)
        text += QStringLiteral(", %1 dropped").arg(st.overflow);
    if (st.overCap > 0)
        text += QStringLiteral(", %1 not watched (max_devices)").arg(st.overCap);
    return text;
}

} // namespace vibra::pipeline
