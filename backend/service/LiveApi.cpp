#include "service/LiveApi.h"

#include "pipeline/Pipeline.h"
#include "recording/Recorder.h"
#include "service/HttpIngest.h"
#include "service/JsonViews.h"
#include "service/QueryWorkers.h"
#include "service/ServiceMetrics.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace vibra::service {

namespace {
HttpResponse ok(const QJsonObject& o, int status = 200) {
    return HttpResponse::json(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
}
} // namespace

void LiveApi::addRoutes(Router& router) {
    using A = Router::Access;
    router.add("GET", QStringLiteral("/healthz"), A::Public,
               [](const HttpRequest&, const QStringList&, HttpResponder rep) {
                   rep.send(HttpResponse::json(200, "{\"status\":\"alive\"}"));
               });
    router.add("GET", QStringLiteral("/readyz"), A::Read,
               [this](const HttpRequest&, const QStringList&, HttpResponder rep) { rep.send(ready()); });
    router.add("GET", QStringLiteral("/metrics"), A::Read,
               [this](const HttpRequest&, const QStringList&, HttpResponder rep) {
                   HttpResponse r;
                   r.contentType = PrometheusText::kContentType;
                   r.body = m_parts.metrics ? m_parts.metrics->render() : QByteArray();
                   rep.send(std::move(r));
               });
    router.add("GET", QStringLiteral("/api/devices"), A::Read,
               [this](const HttpRequest&, const QStringList&, HttpResponder rep) { rep.send(devices()); });
    router.add("GET", QStringLiteral("/api/latest"), A::Read,
               [this](const HttpRequest& r, const QStringList&, HttpResponder rep) { latest(r, rep); });
    if (m_parts.ingest)
        router.add("POST", QStringLiteral("/api/ingest"), A::Control,
                   [this](const HttpRequest& r, const QStringList&, HttpResponder rep) {
                       rep.send(m_parts.ingest->handle(r));
                   });
    router.add("POST", QStringLiteral("/api/recording/start"), A::Control,
               [this](const HttpRequest&, const QStringList&, HttpResponder rep) { recording(true, rep); });
    router.add("POST", QStringLiteral("/api/recording/stop"), A::Control,
               [this](const HttpRequest&, const QStringList&, HttpResponder rep) { recording(false, rep); });
}

HttpResponse LiveApi::ready() const {
    QJsonArray reasons;
    const auto* rec = m_parts.recorder;
    if (!rec || !rec->isRecording())
        reasons.append(QStringLiteral("not recording"));
    else if (rec->failed())
        reasons.append(QStringLiteral("storage failed: ") + QString::fromStdString(rec->errorMessage()));
    if (m_parts.pipeline && m_parts.pipeline->channels().empty() && !m_parts.ingestEnabled)
        reasons.append(QStringLiteral("no sources configured"));
    QJsonObject o;
    o[QStringLiteral("ready")] = reasons.isEmpty();
    if (!reasons.isEmpty())
        o[QStringLiteral("reasons")] = reasons;
    o[QStringLiteral("devices")] =
        m_parts.pipeline ? static_cast<qint64>(m_parts.pipeline->channels().size()) : 0;
    return ok(o, reasons.isEmpty() ? 200 : 503);
}

HttpResponse LiveApi::devices() const {
    QJsonArray list;
    for (const auto& ch : m_parts.pipeline->channels()) {
        const auto c = ch->counters().snapshot();
        QJsonObject d;
        d[QStringLiteral("device")] = ch->deviceId();
        d[QStringLiteral("uri")] = ch->uri();
        d[QStringLiteral("state")] = io::Source::stateName(ch->state());
        if (!ch->stateMessage().isEmpty())
            d[QStringLiteral("message")] = ch->stateMessage();
        if (const auto last = ch->core()->lastSecond(); last && last->device) {
            d[QStringLiteral("rate_hz")] = last->device->sampleRate;
            QJsonArray axes;
            for (const auto& a : last->device->axisNames)
                axes.append(QString::fromStdString(a));
            d[QStringLiteral("axes")] = axes;
            d[QStringLiteral("unit")] =
                last->device->unit == core::Unit::G ? QStringLiteral("g") : QStringLiteral("m/s2");
        }
        QJsonObject counters;
        counters[QStringLiteral("received")] = static_cast<qint64>(c.samplesReceived);
        counters[QStringLiteral("processed")] = static_cast<qint64>(c.samplesProcessed);
        counters[QStringLiteral("stored")] = static_cast<qint64>(c.samplesStored);
        counters[QStringLiteral("dropped")] = static_cast<qint64>(c.droppedTotal());
        counters[QStringLiteral("gaps")] = static_cast<qint64>(c.gapsDetected + c.gapsInferred);
        d[QStringLiteral("counters")] = counters;
        list.append(d);
    }
    QJsonObject o;
    o[QStringLiteral("devices")] = list;
    return ok(o);
}

void LiveApi::latest(const HttpRequest& r, const HttpResponder& reply) {
    bool okNum = true;
    const int count = r.param(QStringLiteral("count"), QStringLiteral("100")).toInt(&okNum);
    if (!okNum || count < 1 || count > 10000)
        return reply.send(HttpResponse::error(
            400, QStringLiteral("'count' must be a whole number in 1..10000"), QStringLiteral("count")));
    const int offset = r.param(QStringLiteral("offset"), QStringLiteral("0")).toInt(&okNum);
    if (!okNum || offset < 0)
        return reply.send(HttpResponse::error(400, QStringLiteral("'offset' must be a whole number >= 0"),
                                              QStringLiteral("offset")));
    const QString sort = r.param(QStringLiteral("sort"), QStringLiteral("device"));
    if (!QStringList{QStringLiteral("device"), QStringLiteral("time"), QStringLiteral("rms"),
                     QStringLiteral("velocity")}
             .contains(sort))
        return reply.send(HttpResponse::error(
            400, QStringLiteral("'sort' must be device, time, rms or velocity"), QStringLiteral("sort")));
    const QString order = r.param(QStringLiteral("order"), QStringLiteral("asc"));
    if (order != QLatin1String("asc") && order != QLatin1String("desc"))
        return reply.send(
            HttpResponse::error(400, QStringLiteral("'order' must be asc or desc"), QStringLiteral("order")));
    // On this thread only what needs the pipeline: each device's newest second (immutable, shared).
    std::vector<std::pair<QString, pipeline::RollupRecordPtr>> seconds;
    for (const auto& ch : m_parts.pipeline->channels())
        if (auto last = ch->core()->lastSecond())
            seconds.emplace_back(ch->deviceId(), std::move(last));
    auto build = [seconds = std::move(seconds), sort, order, count, offset] {
        return latestReply(seconds, sort, order, count, offset);
    };
    if (!m_parts.workers)
        return reply.send(build());
    const bool queued = m_parts.workers->submit([this, reply, build](storage::Database*, const std::string&) {
        HttpResponse res = build();
        QMetaObject::invokeMethod(
            this, [reply, res = std::move(res)]() mutable { reply.send(std::move(res)); },
            Qt::QueuedConnection);
    });
    if (!queued) {
        HttpResponse res = HttpResponse::error(503, QStringLiteral("too many queries waiting; try again"));
        res.addHeader("Retry-After", "1");
        reply.send(std::move(res));
    }
}

HttpResponse LiveApi::latestReply(const std::vector<std::pair<QString, pipeline::RollupRecordPtr>>& seconds,
                                  const QString& sort, const QString& order, int count, int offset) {
    struct Row {
        QString id;
        pipeline::RollupRecordPtr last;
        JsonViews::Summary s;
    };
    std::vector<Row> rows;
    rows.reserve(seconds.size());
    for (const auto& [id, last] : seconds)
        rows.push_back({id, last, JsonViews::summarize(*last)});
    const bool desc = order == QLatin1String("desc");
    auto key = [&](const Row& a, const Row& b) {
        // NaN velocities sort last whatever the order.
        if (sort == QLatin1String("time") && a.last->bucketStartNs != b.last->bucketStartNs)
            return desc ? a.last->bucketStartNs > b.last->bucketStartNs
                        : a.last->bucketStartNs < b.last->bucketStartNs;
        if (sort == QLatin1String("rms") && a.s.rms != b.s.rms)
            return desc ? a.s.rms > b.s.rms : a.s.rms < b.s.rms;
        if (sort == QLatin1String("velocity") && !(a.s.velocity == b.s.velocity)) {
            if (std::isnan(a.s.velocity) != std::isnan(b.s.velocity))
                return std::isnan(b.s.velocity);
            if (!std::isnan(a.s.velocity))
                return desc ? a.s.velocity > b.s.velocity : a.s.velocity < b.s.velocity;
        }
        return sort == QLatin1String("device") && desc ? a.id > b.id : a.id < b.id;
    };
    std::sort(rows.begin(), rows.end(), key);
    QJsonArray list;
    for (int i = offset; i < static_cast<int>(rows.size()) && list.size() < count; ++i) {
        QJsonObject o = JsonViews::liveSecond(*rows[static_cast<std::size_t>(i)].last);
        o[QStringLiteral("device")] = rows[static_cast<std::size_t>(i)].id;
        list.append(o);
    }
    QJsonObject o;
    o[QStringLiteral("total")] = static_cast<qint64>(rows.size());
    o[QStringLiteral("offset")] = offset;
    o[QStringLiteral("devices")] = list;
    return ok(o);
}

void LiveApi::recording(bool start, const HttpResponder& reply) {
    auto* rec = m_parts.recorder;
    if (!rec)
        return reply.send(HttpResponse::error(503, QStringLiteral("no recorder")));
    if (rec->isBusy())
        return reply.send(
            HttpResponse::error(409, QStringLiteral("the recorder is busy starting or stopping; try again")));
    if (start == rec->isRecording()) {
        QJsonObject o;
        o[QStringLiteral("recording")] = start;
        o[QStringLiteral("changed")] = false;
        return reply.send(ok(o));
    }
    // Answer once the asynchronous start/stop has finished.
    auto conn = std::make_shared<QMetaObject::Connection>();
    if (start) {
        *conn = connect(rec, &recording::Recorder::started, this,
                        [reply, conn](bool okStart, const QString& err) {
                            QObject::disconnect(*conn);
                            if (!okStart)
                                return reply.send(HttpResponse::error(500, err));
                            reply.send(HttpResponse::json(200, "{\"recording\":true,\"changed\":true}"));
                        });
        rec->startAsync();
    } else {
        *conn = connect(rec, &recording::Recorder::stopped, this, [reply, conn] {
            QObject::disconnect(*conn);
            reply.send(HttpResponse::json(200, "{\"recording\":false,\"changed\":true}"));
        });
        rec->stopAsync();
    }
}

} // namespace vibra::service
