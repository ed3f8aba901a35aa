#include "service/TriggerUploader.h"

#include <QDir>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <algorithm>
#include <cmath>

namespace vibra::service {

TriggerUploader::TriggerUploader(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_net(std::make_unique<QNetworkAccessManager>()) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &TriggerUploader::send);
}

TriggerUploader::~TriggerUploader() {
    stop();
}

bool TriggerUploader::writeOnce(const QString& dir, const QString& name, const QByteArray& body,
                                bool* existed) {
    *existed = false;
    if (!QDir().mkpath(dir))
        return false;
    const QString path = QDir(dir).filePath(name);
    if (QFile::exists(path)) {
        *existed = true;
        return true;
    }
    QFile f(path + QStringLiteral(".partial"));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(body) != body.size() || !f.flush())
        return false;
    f.close();
    return QFile::rename(path + QStringLiteral(".partial"), path);
}

void TriggerUploader::upload(const QString& dest, const std::string& trigger, const std::string& device,
                             std::int64_t windowStartNs, const QByteArray& json) {
    Counts& c = m_counts[trigger];
    const QString name = QStringLiteral("%1_%2.json").arg(QString::fromStdString(device)).arg(windowStartNs);
    const QString t = QString::fromStdString(trigger);
    const QUrl url(dest);
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) {
        bool existed = false;
        if (!writeOnce(QDir(dest).filePath(t), name, json, &existed))
            ++c.writeErrors;
        else
            ++(existed ? c.existing : c.stored);
        return;
    }
    if (QFile::exists(QDir(m_options.stateDir).filePath(QStringLiteral("sent/%1/%2").arg(t, name)))) {
        ++c.existing;
        return;
    }
    const QByteArray key =
        QStringLiteral("%1/%2/%3").arg(t, QString::fromStdString(device)).arg(windowStartNs).toUtf8();
    for (const auto& item : m_queue)
        if (item.key == key) {
            ++c.existing;
            return;
        }
    if (m_queue.size() >= m_options.queueCapacity) {
        ++c.dropped;
        return;
    }
    m_queue.push_back({url, trigger, name, key, json, 0});
    if (!m_reply && !m_retry.isActive())
        send();
}

void TriggerUploader::send() {
    if (m_reply || m_queue.empty())
        return;
    const Item& item = m_queue.front();
    QNetworkRequest req(item.url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    req.setRawHeader(QByteArrayLiteral("Idempotency-Key"), item.key);
    req.setTransferTimeout(m_options.timeoutMs);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    m_reply = m_net->post(req, item.body);
    QNetworkReply* reply = m_reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finished(reply); });
}

void TriggerUploader::finished(QNetworkReply* reply) {
    reply->deleteLater();
    if (reply != m_reply || m_queue.empty())
        return;
    m_reply = nullptr;
    Item& item = m_queue.front();
    Counts& c = m_counts[item.trigger];
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    ++item.attempts;
    if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
        bool existed = false;
        if (!writeOnce(QDir(m_options.stateDir)
                           .filePath(QStringLiteral("sent/") + QString::fromStdString(item.trigger)),
                       item.name, QByteArray(), &existed))
            ++c.writeErrors; // delivered, but a restart may send it again (the receiver has the key)
        ++c.stored;
        m_queue.pop_front();
        send();
        return;
    }
    ++c.failedAttempts;
    if (item.attempts >= m_options.attempts) {
        park(item);
        m_queue.pop_front();
        send();
        return;
    }
    const double backoff = static_cast<double>(m_options.backoffMs) * std::pow(2.0, item.attempts - 1);
    m_retry.start(static_cast<int>(std::min(backoff, static_cast<double>(m_options.maxBackoffMs))));
}

void TriggerUploader::park(const Item& item) {
    Counts& c = m_counts[item.trigger];
    ++c.deadLetter;
    bool existed = false;
    if (!writeOnce(QDir(m_options.stateDir)
                       .filePath(QStringLiteral("dead-letter/") + QString::fromStdString(item.trigger)),
                   item.name, item.body, &existed))
        ++c.writeErrors;
}

void TriggerUploader::stop() {
    m_retry.stop();
    if (m_reply) {
        QNetworkReply* r = m_reply;
        m_reply = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
    for (const auto& item : m_queue)
        park(item);
    m_queue.clear();
}

void TriggerUploader::metrics(PrometheusText& t) const {
    t.family(
        "vibrascope_trigger_uploads_total", "counter",
        "Periodic uploads of external triggers by result: stored (written or delivered), existing (already "
        "uploaded), dead_letter, dropped (queue full), write_error.");
    for (const auto& [trigger, c] : m_counts) {
        const QString name = QString::fromStdString(trigger);
        const std::pair<const char*, std::uint64_t> r[] = {{"stored", c.stored},
                                                           {"existing", c.existing},
                                                           {"dead_letter", c.deadLetter},
                                                           {"dropped", c.dropped},
                                                           {"write_error", c.writeErrors}};
        for (const auto& [k, v] : r)
            t.sample("vibrascope_trigger_uploads_total",
                     {{QStringLiteral("trigger"), name}, {QStringLiteral("result"), QString::fromLatin1(k)}},
                     static_cast<double>(v));
    }
    t.family("vibrascope_trigger_upload_attempts_failed_total", "counter",
             "Upload POSTs that failed (each is retried until the attempts run out).");
    for (const auto& [trigger, c] : m_counts)
        t.sample("vibrascope_trigger_upload_attempts_failed_total",
                 {{QStringLiteral("trigger"), QString::fromStdString(trigger)}},
                 static_cast<double>(c.failedAttempts));
    t.family("vibrascope_trigger_upload_queue_depth", "gauge", "Uploads waiting to be POSTed.");
    t.sample("vibrascope_trigger_upload_queue_depth", static_cast<double>(m_queue.size()));
}

} // namespace vibra::service
