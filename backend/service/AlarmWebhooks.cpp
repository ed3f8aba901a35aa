#include "service/AlarmWebhooks.h"

#include "pipeline/EventLog.h"
#include "service/JsonViews.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <algorithm>
#include <cmath>

namespace vibra::service {

namespace {
constexpr int kPollMs = 100;

QJsonValue number(double v) {
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}

QByteArray eventJson(const core::Event& e, std::uint64_t sequence) {
    QJsonObject o;
    o[QStringLiteral("kind")] = QString::fromStdString(e.kind);
    o[QStringLiteral("state")] = QString::fromStdString(e.state);
    o[QStringLiteral("device")] = QString::fromStdString(e.deviceId);
    o[QStringLiteral("t")] = JsonViews::isoTime(e.tNs);
    o[QStringLiteral("t_ns")] = QString::number(e.tNs);
    o[QStringLiteral("rule")] = QString::fromStdString(e.rule);
    o[QStringLiteral("metric")] = QString::fromStdString(e.metric);
    if (e.axis >= 0)
        o[QStringLiteral("axis")] = QString::fromStdString(e.axisName);
    o[QStringLiteral("value")] = number(e.value);
    o[QStringLiteral("threshold")] = number(e.threshold);
    o[QStringLiteral("detail")] = QString::fromStdString(e.detail);
    o[QStringLiteral("sequence")] = static_cast<double>(sequence);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}
} // namespace

AlarmWebhooks::AlarmWebhooks(pipeline::EventLog& events, Options options, QObject* parent)
    : QObject(parent)
    , m_events(events)
    , m_net(std::make_unique<QNetworkAccessManager>()) {
    setOptions(std::move(options));
    connect(&m_poll, &QTimer::timeout, this, &AlarmWebhooks::poll);
}

AlarmWebhooks::~AlarmWebhooks() {
    stop();
}

QString AlarmWebhooks::labelOf(const QUrl& url) {
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment).toString();
}

std::unique_ptr<AlarmWebhooks::Target> AlarmWebhooks::makeTarget(const QUrl& url) {
    auto t = std::make_unique<Target>();
    t->url = url;
    t->label = labelOf(url);
    t->retry = std::make_unique<QTimer>();
    t->retry->setSingleShot(true);
    Target* raw = t.get();
    connect(t->retry.get(), &QTimer::timeout, this, [this, raw] { send(*raw); });
    return t;
}

void AlarmWebhooks::setOptions(Options options) {
    std::vector<std::unique_ptr<Target>> next;
    for (const QUrl& url : options.urls) {
        auto same = std::find_if(m_targets.begin(), m_targets.end(),
                                 [&](const std::unique_ptr<Target>& t) { return t && t->url == url; });
        if (same != m_targets.end()) {
            next.push_back(std::move(*same));
            continue;
        }
        next.push_back(makeTarget(url));
    }
    m_options = std::move(options);
    for (auto& t : m_targets) { // removed by the reload
        if (!t)
            continue;
        t->retry->stop();
        if (t->reply) {
            QNetworkReply* r = t->reply;
            t->reply = nullptr;
            r->disconnect(this);
            r->abort();
            r->deleteLater();
        }
        for (const auto& item : t->queue)
            deadLetter(*t, item, "webhook removed");
    }
    m_targets = std::move(next);
}

void AlarmWebhooks::start() {
    m_lastEvent = m_events.lastSequence();
    m_started = true;
    m_poll.start(kPollMs);
}

void AlarmWebhooks::stop() {
    m_poll.stop();
    if (!m_started)
        return;
    m_started = false;
    for (auto& t : m_targets) {
        t->retry->stop();
        if (t->reply) {
            QNetworkReply* r = t->reply;
            t->reply = nullptr;
            r->disconnect(this);
            r->abort();
            r->deleteLater();
        }
        for (const auto& item : t->queue)
            deadLetter(*t, item, "shutdown");
        t->queue.clear();
    }
}

void AlarmWebhooks::poll() {
    const auto batch = m_events.since(m_lastEvent, 1000);
    m_lastEvent = batch.last;
    m_missed += batch.missed;
    for (const auto& entry : batch.entries)
        if (entry.event && entry.event->kind == "alarm")
            enqueue(eventJson(*entry.event, entry.sequence));
}

void AlarmWebhooks::enqueue(const QByteArray& body) {
    for (auto& t : m_targets) {
        if (t->queue.size() >= m_options.queueCapacity) {
            ++t->droppedQueueFull; // drop-newest: the queued ones are older and keep their order
            continue;
        }
        t->queue.push_back({body, 0, {}});
        if (!t->reply && !t->retry->isActive())
            send(*t);
    }
}

void AlarmWebhooks::send(Target& t) {
    if (t.reply || t.queue.empty())
        return;
    QNetworkRequest req(t.url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("vibrascope/%1").arg(m_options.version));
    req.setTransferTimeout(m_options.timeoutMs);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    t.reply = m_net->post(req, t.queue.front().body);
    Target* raw = &t;
    QNetworkReply* reply = t.reply;
    connect(reply, &QNetworkReply::finished, this, [this, raw, reply] { finished(raw, reply); });
}

void AlarmWebhooks::finished(Target* t, QNetworkReply* reply) {
    reply->deleteLater();
    if (t->reply != reply)
        return;
    t->reply = nullptr;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (t->queue.empty())
        return;
    Item& item = t->queue.front();
    ++item.attempts;
    if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
        ++t->attemptsOk;
        ++t->delivered;
        t->queue.pop_front();
        send(*t);
        return;
    }
    ++t->attemptsFailed;
    item.lastError = status ? QStringLiteral("HTTP %1").arg(status) : reply->errorString();
    if (item.attempts >= m_options.attempts) {
        deadLetter(*t, item, "attempts exhausted");
        t->queue.pop_front();
        send(*t);
        return;
    }
    const double backoff = static_cast<double>(m_options.backoffMs) * std::pow(2.0, item.attempts - 1);
    t->retry->start(static_cast<int>(std::min(backoff, static_cast<double>(m_options.maxBackoffMs))));
}

void AlarmWebhooks::deadLetter(Target& t, const Item& item, const char* reason) {
    ++t.deadLettered;
    if (m_options.deadLetterFile.isEmpty())
        return;
    QJsonObject o;
    o[QStringLiteral("webhook")] = t.label;
    o[QStringLiteral("reason")] = QString::fromLatin1(reason);
    o[QStringLiteral("attempts")] = item.attempts;
    o[QStringLiteral("last_error")] = item.lastError;
    o[QStringLiteral("at")] = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    o[QStringLiteral("event")] = QJsonDocument::fromJson(item.body).object();
    QFile f(m_options.deadLetterFile);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append) ||
        f.write(QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n') < 0)
        ++m_deadLetterErrors;
}

void AlarmWebhooks::metrics(PrometheusText& t) const {
    t.family("vibrascope_webhook_notifications_total", "counter",
             "Alarm notifications by webhook and outcome: delivered, dead_letter (after every attempt "
             "failed, or left queued at shutdown), dropped (queue full).");
    for (const auto& w : m_targets) {
        t.sample(
            "vibrascope_webhook_notifications_total",
            {{QStringLiteral("webhook"), w->label}, {QStringLiteral("result"), QStringLiteral("delivered")}},
            static_cast<double>(w->delivered));
        t.sample("vibrascope_webhook_notifications_total",
                 {{QStringLiteral("webhook"), w->label},
                  {QStringLiteral("result"), QStringLiteral("dead_letter")}},
                 static_cast<double>(w->deadLettered));
        t.sample(
            "vibrascope_webhook_notifications_total",
            {{QStringLiteral("webhook"), w->label}, {QStringLiteral("result"), QStringLiteral("dropped")}},
            static_cast<double>(w->droppedQueueFull));
    }
    t.family("vibrascope_webhook_attempts_total", "counter",
             "HTTP POSTs to webhooks by result (ok, failed).");
    for (const auto& w : m_targets) {
        t.sample("vibrascope_webhook_attempts_total",
                 {{QStringLiteral("webhook"), w->label}, {QStringLiteral("result"), QStringLiteral("ok")}},
                 static_cast<double>(w->attemptsOk));
        t.sample(
            "vibrascope_webhook_attempts_total",
            {{QStringLiteral("webhook"), w->label}, {QStringLiteral("result"), QStringLiteral("failed")}},
            static_cast<double>(w->attemptsFailed));
    }
    t.family("vibrascope_webhook_queue_depth", "gauge", "Alarm notifications waiting per webhook.");
    for (const auto& w : m_targets)
        t.sample("vibrascope_webhook_queue_depth", {{QStringLiteral("webhook"), w->label}},
                 static_cast<double>(w->queue.size()));
    t.family("vibrascope_webhook_queue_capacity", "gauge", "Most alarm notifications that wait per webhook.");
    for (const auto& w : m_targets)
        t.sample("vibrascope_webhook_queue_capacity", {{QStringLiteral("webhook"), w->label}},
                 static_cast<double>(m_options.queueCapacity));
    t.family("vibrascope_webhook_events_missed_total", "counter",
             "Events that left the engine's event log before the notifier read them.");
    t.sample("vibrascope_webhook_events_missed_total", static_cast<double>(m_missed));
    t.family("vibrascope_webhook_dead_letter_errors_total", "counter",
             "Dead-letter records that could not be written to the dead-letter file.");
    t.sample("vibrascope_webhook_dead_letter_errors_total", static_cast<double>(m_deadLetterErrors));
}

} // namespace vibra::service
