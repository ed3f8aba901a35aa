#pragma once

#include "service/AlarmWebhooks.h"
#include "service/DisplayStream.h"
#include "service/HistoryApi.h"
#include "service/HttpIngest.h"
#include "service/HttpServer.h"
#include "service/LiveApi.h"
#include "service/QueryWorkers.h"
#include "service/Router.h"
#include "service/ServiceMetrics.h"
#include "service/TokenSet.h"
#include "service/TriggerManager.h"
#include "service/TriggerSpec.h"
#include "service/WebUi.h"

#include <QObject>

#include <memory>

namespace vibra::pipeline {
class Pipeline;
class IngestBridge;
} // namespace vibra::pipeline
namespace vibra::recording {
class Recorder;
}

namespace vibra::service {

/// The HTTP face of `vibrascope serve`, composed around a running Pipeline and Recorder: the HTTP server
/// (with /ingest and /stream WebSocket upgrades handed to the ingest server on the same port, and
/// /stream?view=display to the browser view's DisplayStream), the route table and its APIs, the browser
/// view's files (WebUi), the query workers and the metrics.
///
/// Threads: owner thread (the pipeline's); query workers run their own threads.
class Service : public QObject {
    Q_OBJECT
public:
    struct Options {
        HttpServer::Options http;
        TokenSet tokens;
        std::string dbPath;
        QString tempDir;
        int queryThreads = 2;
        std::size_t queryQueue = 64;
        QString version;
        qint64 ingestMaxMessageBytes = 1 << 20;
        int maxDevices = 1000;
        std::vector<TriggerSpec> triggers;
        std::string triggerDir; ///< where triggered windows go (required with triggers)
        AlarmWebhooks::Options webhooks;
        int maxViewers = 64;               ///< browser view connections (/stream?view=display)
        qint64 viewerQueueBytes = 1 << 20; ///< unsent bytes per viewer before frames are dropped
    };
    Service(pipeline::Pipeline& pipeline, recording::Recorder& recorder, Options options,
            QObject* parent = nullptr);
    ~Service() override;

    /// Binds the HTTP port and starts the WebSocket ingest behind it. False with a message.
    bool start(QString* error);
    /// Stops accepting: closes HTTP connections and ingest (call before stopping the pipeline).
    void close();
    /// After the pipeline stopped: the trigger engine drains its taps, completes the windows that have all
    /// their data and stops.
    void stopTriggers();

    /// Configuration reload (owner thread): tokens for new requests and WebSocket connections; webhooks;
    /// the user's alarm rules (the alarm triggers' own rules stay).
    void setTokens(const TokenSet& tokens);
    void setWebhooks(AlarmWebhooks::Options options) { m_webhooks->setOptions(std::move(options)); }
    void setAlarmRules(const alarms::AlarmRules& rules);
    /// Replaces the triggers: the running ones stop (windows with all their data are completed, open ones
    /// end where their data ends), their taps come off, the new ones start with fresh counters. userRules
    /// are the engine's alarm rules without any trigger's. False with *error when a new trigger cannot start
    /// (then no trigger runs).
    bool setTriggers(std::vector<TriggerSpec> specs, const std::string& dir,
                     const alarms::AlarmRules& userRules, std::string* error);

    quint16 port() const { return m_http ? m_http->port() : 0; }
    Router& router() { return m_router; }
    ServiceMetrics& metrics() { return *m_metrics; }
    pipeline::IngestBridge& ingest() { return *m_ingest; }
    const HttpServer& http() const { return *m_http; }

private:
    pipeline::Pipeline& m_pipeline;
    recording::Recorder& m_recorder;
    const Options m_options;
    Router m_router;
    std::unique_ptr<QueryWorkers> m_queries;
    std::unique_ptr<pipeline::IngestBridge> m_ingest;
    std::unique_ptr<HttpIngest> m_httpIngest;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<ServiceMetrics> m_metrics;
    std::unique_ptr<LiveApi> m_live;
    std::unique_ptr<HistoryApi> m_history;
    std::unique_ptr<TriggerManager> m_triggers;
    std::unique_ptr<AlarmWebhooks> m_webhooks;
    std::unique_ptr<DisplayStream> m_display;
    std::unique_ptr<WebUi> m_web;
};

} // namespace vibra::service
