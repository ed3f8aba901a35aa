#pragma once

#include "redis/StreamConsumer.h"

#include <QObject>

#include <memory>

namespace vibra::pipeline {

class Pipeline;

/// Connects a redis::StreamConsumer (`--consume redis://…`) to a Pipeline: every device stream it reads
/// becomes a DeviceChannel with a PassiveSource (the recorder attaches it like any new device), whose core's
/// outlet the consumer thread feeds. The consumer asks from its thread; the channel is created on the owner
/// thread (queued call) and handed back with StreamConsumer::provide. The consumer keeps the core alive while
/// it may use its outlet.
///
/// Threads: owner thread (the pipeline's), except the request callback (consumer thread, posts only).
class RedisIngest : public QObject {
    Q_OBJECT
public:
    RedisIngest(Pipeline& pipeline, redis::StreamConsumer::Options options, QObject* parent = nullptr);
    ~RedisIngest() override;

    /// Before start(), with raw storage: re-delivered entries found in the relay ledger of the database at
    /// dbPath are acknowledged without passing the engine again (StreamConsumer::setStoredCheck; a read-only
    /// connection of the consumer thread).
    void setLedger(const std::string& dbPath);
    void start();
    /// Stop reading (before the pipeline stops).
    void stopReading();
    /// After the recorder's final commit: acknowledge what it holds, then stop (bounded).
    void finish();
    const redis::StreamConsumer& consumer() const { return *m_consumer; }
    /// "consume: connected, 3 streams, lag 0, pending 12, acked 1.2 k, dead 0" for the status line.
    QString statusText() const;

private:
    void createChannel(const QString& deviceId, const QString& uri);

    Pipeline& m_pipeline;
    std::unique_ptr<redis::StreamConsumer> m_consumer;
};

} // namespace vibra::pipeline
