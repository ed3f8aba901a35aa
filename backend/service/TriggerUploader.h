#pragma once

#include "service/PrometheusText.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

class QNetworkAccessManager;
class QNetworkReply;

namespace vibra::service {

/// Periodic uploads of an external trigger while it is ON (docs/service.md, "Triggered recording"): one JSON
/// document per (trigger, device, window start), to a directory or an http(s) URL, exactly once:
///  - directory: DEST/TRIGGER/DEVICE_<window start ns>.json, written as .partial and renamed; a window whose
///    file exists is not written again (also after a restart);
///  - URL: POSTed with `Idempotency-Key: TRIGGER/DEVICE/<window start ns>`; after a 2xx a marker file
///    STATE/sent/TRIGGER/DEVICE_<start>.json is written, and a window with a marker is not sent again; a
///    failure is retried after 0.5 s, 1 s, 2 s, ... (at most 30 s); after `attempts` failures the document is
///    parked in STATE/dead-letter/TRIGGER/DEVICE_<start>.json. At most 256 uploads wait (beyond: dropped and
///    counted); one request is in flight.
///
/// Threads: owner thread; network I/O is asynchronous (never blocks the caller).
class TriggerUploader : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString stateDir; ///< markers and dead letters (the trigger directory)
        int attempts = 5;
        int timeoutMs = 5000;
        int backoffMs = 500;
        int maxBackoffMs = 30000;
        std::size_t queueCapacity = 256;
    };
    explicit TriggerUploader(Options options, QObject* parent = nullptr);
    ~TriggerUploader() override;

    /// dest: a directory or an http(s) URL.
    void upload(const QString& dest, const std::string& trigger, const std::string& device,
                std::int64_t windowStartNs, const QByteArray& json);
    void metrics(PrometheusText& t) const;
    /// Aborts what is in flight and parks every waiting upload in the dead-letter directory.
    void stop();

private:
    struct Item {
        QUrl url;
        std::string trigger;
        QString name; ///< DEVICE_<start>.json
        QByteArray key;
        QByteArray body;
        int attempts = 0;
    };
    struct Counts {
        std::uint64_t stored = 0;   ///< written to a directory, or delivered to a URL
        std::uint64_t existing = 0; ///< already uploaded (file or marker present)
        std::uint64_t failedAttempts = 0;
        std::uint64_t deadLetter = 0;
        std::uint64_t dropped = 0;
        std::uint64_t writeErrors = 0;
    };
    void send();
    void finished(QNetworkReply* reply);
    void park(const Item& item);
    static bool writeOnce(const QString& dir, const QString& name, const QByteArray& body, bool* existed);

    Options m_options;
    std::unique_ptr<QNetworkAccessManager> m_net;
    std::deque<Item> m_queue;
    QNetworkReply* m_reply = nullptr;
    QTimer m_retry;
    std::map<std::string, Counts> m_counts; ///< by trigger
};

} // namespace vibra::service
