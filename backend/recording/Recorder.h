#pragma once

#include "core/DeviceCounters.h"
#include "exporting/ParquetRecordingSink.h"
#include "pipeline/ChannelCore.h"
#include "pipeline/StoreFeed.h"
#include "pipeline/TapFeed.h"
#include "redis/FeatureConsumer.h"
#include "redis/StreamPublisher.h"
#include "storage/Database.h"
#include "storage/Retention.h"
#include "storage/SqliteWriter.h"

#include <QObject>
#include <QString>

#include <atomic>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vibra::pipeline {
class Pipeline;
class DeviceChannel;
} // namespace vibra::pipeline

namespace vibra::recording {

/// The one recorder, shared by `vibrascope record` (and `serve`) and the dashboard: owns the SQLite writer
/// and the Parquet recording sink, attaches every device of the pipeline (those present at start and those
/// that appear later, e.g. through the ingest server) and keeps the per-device accounting for the final
/// report.
///
/// Attach/detach is safe by construction: each device gets a pipeline::StoreFeed (and a TapFeed for Parquet)
/// shared by its DSP processor and the writer; the processor closes them when the device is removed or
/// recording stops, the writer drains them and lets go. Nothing on the owner's thread waits for that.
/// Back-pressure (Options::backpressure, the default for both the CLI and the dashboard): when the database
/// falls behind, processors wait instead of dropping rollups; real-time sources then drop (counted) at their
/// input queue, sources that can wait (files, unpaced simulators) wait.
///
/// Threads: owner thread (the pipeline's) for everything; the writer and sink run their own threads; the
/// asynchronous start/stop use one helper thread at a time, whose results come back as queued signals.
class Recorder : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::string dbPath; ///< empty: no SQLite history (Parquet only)
        storage::Database::Durability durability = storage::Database::Durability::Normal;
        bool raw = false; ///< store every sample in the database too
        storage::RetentionPolicy retention;
        std::int64_t maxPageCount = 0; ///< testing: simulate a full disk
        std::string configJson = "{}";
        std::string appVersion;
        std::string parquetDir; ///< empty: no Parquet
        std::int64_t rotateNs = 600'000'000'000;
        bool backpressure = true;
        /// `--publish redis://…`: every processed block also goes to Redis Streams (docs/scaling.md).
        std::optional<redis::StreamPublisher::Options> publish;
    };
    /// One device's accounting over this recording (all of its feeds).
    struct DeviceReport {
        std::string id;
        core::CounterSnapshot counters; ///< received, stored, dropped by reason, gaps (this session only)
        bool balanced() const {
            return counters.samplesReceived == counters.samplesStored + counters.droppedTotal();
        }
        bool hasParquet = false;
        exporting::ParquetRecordingSink::DeviceAccounting parquet;
        bool hasPublish = false;
        redis::StreamPublisher::DeviceAccounting publish;
    };
    struct Report {
        std::vector<DeviceReport> devices;
        bool balanced = true; ///< every device balances (database and Parquet)
        bool failed = false;  ///< a write error happened (database or Parquet)
        std::string error;    ///< the database's error message, if any
        std::vector<std::string> parquetErrors;
    };

    Recorder(pipeline::Pipeline& pipeline, Options options, QObject* parent = nullptr);
    ~Recorder() override;

    /// Opens the database (creating or migrating it) and the Parquet directory, then attaches every device.
    /// Blocks while the database is opened (CLI). Returns false with a message when it cannot record.
    bool start(std::string* error);
    /// The same without blocking the caller (dashboard): started(ok, error) follows.
    void startAsync();
    /// Stops recording: every feed is closed by its processor, the writer drains and commits, closes the
    /// session, the sink closes its files. Blocks (CLI; call after Pipeline::stopAll so every device has
    /// flushed its last partial second).
    void stop();
    /// The same without blocking (dashboard): stopped() follows when the files are complete.
    void stopAsync();

    bool isRecording() const { return m_recording; }
    bool isBusy() const { return m_op.joinable() && !m_opDone; }
    const Options& options() const { return m_options; }
    /// Live (while recording) or final (after stop) accounting.
    Report report() const;
    /// What happened when the database was opened (valid after a successful start).
    const storage::SqliteWriter::Recovery* recovery() const;
    /// Parquet partial files left by an earlier crash (after start).
    std::vector<std::string> leftoverPartials() const;
    /// Any thread-safe status: a write error happened in the database or the sink.
    bool failed() const;
    std::string errorMessage() const;
    /// Parquet error messages since the last call.
    std::vector<std::string> takeErrors();
    const storage::SqliteWriter* writer() const { return m_writer.get(); }
    /// The Redis publisher (with Options::publish, while open), else null.
    const redis::StreamPublisher* publisher() const { return m_publisher.get(); }
    /// Any thread: a store feed that does not come from a pipeline device (a redis::FeatureConsumer's relayed
    /// rollups and events) goes to the writer and into this recording's accounting. Ignored without a
    /// database.
    void attachRelayFeed(pipeline::StoreFeedPtr feed);
    /// What a redis::FeatureConsumer stores through: attachRelayFeed, commits, failed (this recorder must
    /// outlive the consumer).
    redis::FeatureConsumer::Sink relaySink();
    /// Any thread: transactions the writer has committed (0 without a database).
    std::uint64_t commits() const { return m_writer ? m_writer->commits() : 0; }
    /// Fill level of one device's open feeds (for `serve`'s /metrics). Owner thread.
    struct FeedLevel {
        std::string device;
        std::size_t storeDepth = 0, storeCapacity = 0; ///< StoreFeed (0/0 without a database)
        std::size_t tapDepth = 0, tapCapacity = 0;     ///< Parquet TapFeed (0/0 without Parquet)
    };
    /// The open (not yet closed) feeds of this recording, one entry per device. Owner thread.
    std::vector<FeedLevel> feedLevels() const;

signals:
    void started(bool ok, const QString& error);
    void stopped();

private:
    bool open(std::string* error);
    void attachAll();
    void attach(pipeline::DeviceChannel* channel);
    void detachAll();
    void finish();
    void joinOp();

    pipeline::Pipeline& m_pipeline;
    const Options m_options;
    std::unique_ptr<storage::SqliteWriter> m_writer;
    std::unique_ptr<exporting::ParquetRecordingSink> m_sink;
    std::unique_ptr<redis::StreamPublisher> m_publisher;
    bool m_recording = false; ///< devices are attached (owner thread)
    bool m_open = false;      ///< writer / sink opened and not finished yet
    struct Attached {
        pipeline::StoreFeedPtr feed;
        pipeline::TapFeedPtr tap;
        pipeline::TapFeedPtr publishTap;
        pipeline::FeatureTapPtr featureTap;
        std::weak_ptr<pipeline::ChannelCore> core;
    };
    std::map<std::string, std::vector<Attached>> m_attached; ///< every attachment of this session, by device
    mutable std::mutex m_relayMutex;
    std::vector<pipeline::StoreFeedPtr> m_relayFeeds; ///< attachRelayFeed (guarded by m_relayMutex)
    std::thread m_op;                                 ///< helper for startAsync/stopAsync
    std::atomic<bool> m_opDone{true};
};

} // namespace vibra::recording
