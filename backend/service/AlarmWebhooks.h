#pragma once

#include "service/PrometheusText.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

namespace vibra::pipeline {
class EventLog;
}

namespace vibra::service {

/// Alarm notifications (docs/service.md, "Alarm webhooks"): every alarm event of the engine's EventLog
/// (raised and cleared) is POSTed as one JSON object to each configured URL.
///
/// Per webhook: a queue of at most queueCapacity events (full: the newest is dropped and counted), one
/// request in flight at a time (events arrive in order), each attempt limited to timeoutMs; a failed
/// attempt (no answer, a connection error, a non-2xx status) is retried after a back-off that doubles
/// from backoffMs up to maxBackoffMs; after `attempts` failures the event is appended to the dead-letter
/// file (JSON lines) and counted. At stop() whatever is still queued goes to the dead-letter file too.
/// Nothing here waits: the engine appends to the EventLog and never sees a webhook, so a receiver that
/// hangs only fills this queue.
///
/// Threads: owner thread (polls the EventLog, which is thread-safe, every 100 ms).
class AlarmWebhooks : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::vector<QUrl> urls;
        int attempts = 5;                 ///< tries per event before the dead-letter file
        int timeoutMs = 5000;             ///< per attempt
        std::size_t queueCapacity = 1000; ///< events waiting per webhook
        int backoffMs = 500;              ///< first retry delay; doubles per failure
        int maxBackoffMs = 30000;
        QString deadLetterFile; ///< JSON lines; empty = counted only
        QString version;        ///< for the User-Agent
    };

    AlarmWebhooks(pipeline::EventLog& events, Options options, QObject* parent = nullptr);
    ~AlarmWebhooks() override;

    /// Starts polling from the current end of the event log.
    void start();
    /// Replaces the options (SIGHUP): webhooks whose URL stays keep their queue; removed ones dead-letter
    /// what they still hold.
    void setOptions(Options options);
    /// Aborts what is in flight and dead-letters every queued event.
    void stop();
    void metrics(PrometheusText& t) const;
    std::size_t count() const { return m_targets.size(); }

private:
    struct Item {
        QByteArray body;
        int attempts = 0;
        QString lastError;
    };
    struct Target {
        QUrl url;
        QString label; ///< scheme://host:port/path, no credentials or query (metrics label)
        std::deque<Item> queue;
        QNetworkReply* reply = nullptr;
        std::unique_ptr<QTimer> retry;
        std::uint64_t delivered = 0;
        std::uint64_t deadLettered = 0;
        std::uint64_t droppedQueueFull = 0;
        std::uint64_t attemptsOk = 0;
        std::uint64_t attemptsFailed = 0;
    };

    void poll();
    void enqueue(const QByteArray& body);
    void send(Target& t);
    void finished(Target* t, QNetworkReply* reply);
    void deadLetter(Target& t, const Item& item, const char* reason);
    std::unique_ptr<Target> makeTarget(const QUrl& url);
    static QString labelOf(const QUrl& url);

    pipeline::EventLog& m_events;
    Options m_options;
    std::unique_ptr<QNetworkAccessManager> m_net;
    std::vector<std::unique_ptr<Target>> m_targets;
    QTimer m_poll;
    std::uint64_t m_lastEvent = 0;
    std::uint64_t m_missed = 0;           ///< events evicted from the log before they were seen
    std::uint64_t m_deadLetterErrors = 0; ///< dead-letter file could not be written
    bool m_started = false;
};

} // namespace vibra::service
