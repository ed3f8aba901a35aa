#include "service/HistoryApi.h"

#include "exporting/CsvExporter.h"
#include "exporting/ParquetExporter.h"
#include "service/JsonViews.h"
#include "storage/HistoryQuery.h"
#include "storage/TimeText.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

namespace vibra::service {

namespace {
HttpResponse ok(const QJsonObject& o) {
    return HttpResponse::json(200, QJsonDocument(o).toJson(QJsonDocument::Compact));
}
/// Reads a time parameter; *error names it when present but unreadable.
bool timeParam(const HttpRequest& r, const QString& name, bool required, std::optional<std::int64_t>* out,
               HttpResponse* error) {
    const QString v = r.param(name);
    if (v.isEmpty()) {
        if (required) {
            *error = HttpResponse::error(
                400, QStringLiteral("'%1' is required (ISO-8601 or epoch seconds)").arg(name), name);
            return false;
        }
        return true;
    }
    *out = storage::TimeText::parse(v);
    if (!*out) {
        *error = HttpResponse::error(
            400,
            QStringLiteral("'%1' must be ISO-8601 (2026-01-02T03:04:05Z) or epoch seconds, got '%2'")
                .arg(name, v),
            name);
        return false;
    }
    return true;
}
bool intParam(const HttpRequest& r, const QString& name, int lo, int hi, int* out, HttpResponse* error) {
    const QString v = r.param(name);
    if (v.isEmpty())
        return true;
    bool okNum = false;
    const int n = v.toInt(&okNum);
    if (!okNum || n < lo || n > hi) {
        *error = HttpResponse::error(400,
                                     QStringLiteral("'%1' must be a whole number in %2..%3, got '%4'")
                                         .arg(name)
                                         .arg(lo)
                                         .arg(hi)
                                         .arg(v),
                                     name);
        return false;
    }
    *out = n;
    return true;
}
HttpResponse queryError(const std::string& e) {
    // An unknown device is the client's mistake; anything else is ours.
    const bool unknown =
        e.find("unknown device") != std::string::npos || e.find("no device") != std::string::npos;
    return HttpResponse::error(unknown ? 404 : 500, QString::fromStdString(e),
                               unknown ? QStringLiteral("device") : QString());
}
} // namespace

HistoryApi::HistoryApi(Options options, QueryWorkers& workers, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_workers(workers) {}

void HistoryApi::addRoutes(Router& router) {
    using A = Router::Access;
    router.add("GET", QStringLiteral("/api/asof"), A::Read,
               [this](const HttpRequest& r, const QStringList&, HttpResponder rep) { asOf(r, rep); });
    router.add("GET", QStringLiteral("/api/history"), A::Read,
               [this](const HttpRequest& r, const QStringList&, HttpResponder rep) { history(r, rep); });
    router.add("GET", QStringLiteral("/api/events"), A::Read,
               [this](const HttpRequest& r, const QStringList&, HttpResponder rep) { events(r, rep); });
    router.add("GET", QStringLiteral("/api/export"), A::Read,
               [this](const HttpRequest& r, const QStringList&, HttpResponder rep) { exportData(r, rep); });
}

void HistoryApi::run(const HttpResponder& reply,
                     std::function<HttpResponse(storage::Database*, const std::string&)> job) {
    const bool queued =
        m_workers.submit([this, reply, job = std::move(job)](storage::Database* db, const std::string& err) {
            HttpResponse res =
                (!db && !err.empty()) ? HttpResponse::error(503, QString::fromStdString(err)) : job(db, err);
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

void HistoryApi::asOf(const HttpRequest& r, const HttpResponder& reply) {
    HttpResponse err;
    const std::string device = r.param(QStringLiteral("device")).toStdString();
    if (device.empty())
        return reply.send(
            HttpResponse::error(400, QStringLiteral("'device' is required"), QStringLiteral("device")));
    std::optional<std::int64_t> t;
    if (!timeParam(r, QStringLiteral("t"), true, &t, &err))
        return reply.send(err);
    run(reply, [device, at = *t](storage::Database* db, const std::string&) {
        storage::HistoryQuery q(*db);
        storage::HistoryQuery::State s;
        bool found = false;
        std::string e;
        if (!q.asOf(device, at, &s, &found, &e))
            return queryError(e);
        if (!found)
            return HttpResponse::error(404, QStringLiteral("no data for '%1' at or before that time")
                                                .arg(QString::fromStdString(device)));
        return ok(JsonViews::state(s));
    });
}

void HistoryApi::history(const HttpRequest& r, const HttpResponder& reply) {
    HttpResponse err;
    const std::string device = r.param(QStringLiteral("device")).toStdString();
    if (device.empty())
        return reply.send(
            HttpResponse::error(400, QStringLiteral("'device' is required"), QStringLiteral("device")));
    std::optional<std::int64_t> from, to;
    int points = 500;
    if (!timeParam(r, QStringLiteral("from"), true, &from, &err) ||
        !timeParam(r, QStringLiteral("to"), true, &to, &err) ||
        !intParam(r, QStringLiteral("points"), 1, m_options.maxPoints, &points, &err))
        return reply.send(err);
    if (*to <= *from)
        return reply.send(
            HttpResponse::error(400, QStringLiteral("'to' must be after 'from'"), QStringLiteral("to")));
    std::optional<storage::RollupLevel> level;
    if (const QString l = r.param(QStringLiteral("level")); !l.isEmpty()) {
        level = storage::parseLevel(l.toStdString());
        if (!level)
            return reply.send(HttpResponse::error(400, QStringLiteral("'level' must be raw, 1s, 1m or 1h"),
                                                  QStringLiteral("level")));
    }
    run(reply, [device, f = *from, t = *to, points, level](storage::Database* db, const std::string&) {
        storage::HistoryQuery q(*db);
        storage::HistoryQuery::Range range;
        std::string e;
        if (!q.range(device, f, t, points, level, &range, &e))
            return queryError(e);
        QJsonObject o;
        o[QStringLiteral("device")] = QString::fromStdString(range.device.name);
        o[QStringLiteral("unit")] = QString::fromStdString(range.device.unit);
        o[QStringLiteral("level")] = QString::fromLatin1(storage::levelName(range.level).data());
        o[QStringLiteral("bucket_s")] = static_cast<double>(range.bucketNs) / 1e9;
        o[QStringLiteral("from")] = JsonViews::isoTime(f);
        o[QStringLiteral("to")] = JsonViews::isoTime(t);
        QJsonArray pts;
        for (const auto& p : range.points)
            pts.append(JsonViews::point(p, range.device));
        o[QStringLiteral("points")] = pts;
        return ok(o);
    });
}

void HistoryApi::events(const HttpRequest& r, const HttpResponder& reply) {
    HttpResponse err;
    storage::HistoryQuery::EventRequest req;
    req.device = r.param(QStringLiteral("device")).toStdString();
    req.kind = r.param(QStringLiteral("type")).toStdString();
    if (!timeParam(r, QStringLiteral("from"), false, &req.fromNs, &err) ||
        !timeParam(r, QStringLiteral("to"), false, &req.toNs, &err) ||
        !intParam(r, QStringLiteral("limit"), 1, m_options.maxEvents, &req.limit, &err) ||
        !intParam(r, QStringLiteral("offset"), 0, 1 << 30, &req.offset, &err))
        return reply.send(err);
    run(reply, [req](storage::Database* db, const std::string&) {
        storage::HistoryQuery q(*db);
        std::vector<storage::HistoryQuery::EventRecord> out;
        std::uint64_t total = 0;
        std::string e;
        if (!q.events(req, &out, &total, &e))
            return queryError(e);
        QJsonObject o;
        o[QStringLiteral("total")] = static_cast<qint64>(total);
        QJsonArray list;
        for (const auto& ev : out)
            list.append(JsonViews::event(ev));
        o[QStringLiteral("events")] = list;
        return ok(o);
    });
}

void HistoryApi::exportData(const HttpRequest& r, const HttpResponder& reply) {
    HttpResponse err;
    exporting::ExportRequest req;
    req.dbPath = m_options.dbPath;
    if (const QString d = r.param(QStringLiteral("device")); !d.isEmpty())
        req.devices.push_back(d.toStdString());
    if (!timeParam(r, QStringLiteral("from"), false, &req.fromNs, &err) ||
        !timeParam(r, QStringLiteral("to"), false, &req.toNs, &err))
        return reply.send(err);
    const QString levelText = r.param(QStringLiteral("level"), QStringLiteral("1s"));
    const auto level = storage::parseLevel(levelText.toStdString());
    if (!level)
        return reply.send(HttpResponse::error(400, QStringLiteral("'level' must be raw, 1s, 1m or 1h"),
                                              QStringLiteral("level")));
    req.level = *level;
    const QString format = r.param(QStringLiteral("format"), QStringLiteral("csv"));
    if (format != QLatin1String("csv") && format != QLatin1String("parquet"))
        return reply.send(HttpResponse::error(400, QStringLiteral("'format' must be csv or parquet"),
                                              QStringLiteral("format")));
    if (m_options.dbPath.empty())
        return reply.send(HttpResponse::error(503, QStringLiteral("no history database")));
    if (m_exports.fetch_add(1) >= m_options.maxExports) {
        m_exports.fetch_sub(1);
        HttpResponse res = HttpResponse::error(
            503, QStringLiteral("%1 exports running; try again later").arg(m_options.maxExports));
        res.addHeader("Retry-After", "5");
        return reply.send(std::move(res));
    }
    const QString path = QDir(m_options.tempDir)
                             .filePath(QStringLiteral("vibrascope-export-%1-%2.%3")
                                           .arg(QCoreApplication::applicationPid())
                                           .arg(++m_exportSeq)
                                           .arg(format));
    req.outPath = path.toStdString();
    const bool parquet = format == QLatin1String("parquet");
    const bool queued = m_workers.submit([this, reply, req, parquet, path, levelText](storage::Database*,
                                                                                      const std::string&) {
        std::string e;
        exporting::ExportStats stats;
        const bool done = parquet ? exporting::ParquetExporter().run(req, &e, &stats)
                                  : exporting::CsvExporter().run(req, &e, &stats);
        QMetaObject::invokeMethod(
            this,
            [this, reply, done, e, path, parquet, levelText]() {
                m_exports.fetch_sub(1);
                if (!done) {
                    QFile::remove(path);
                    const bool unknown = e.find("unknown device") != std::string::npos ||
                                         e.find("no such device") != std::string::npos;
                    return reply.send(HttpResponse::error(unknown ? 404 : 500, QString::fromStdString(e)));
                }
                auto file = std::make_shared<QFile>(path);
                if (!file->open(QIODevice::ReadOnly)) {
                    QFile::remove(path);
                    return reply.send(HttpResponse::error(500, QStringLiteral("cannot read the export")));
                }
                ::unlink(path.toLocal8Bit()
                             .constData()); // the open file stays readable; nothing to clean up later
                HttpResponse res;
                res.contentType = parquet ? "application/vnd.apache.parquet" : "text/csv; charset=utf-8";
                res.addHeader("Content-Disposition", "attachment; filename=\"vibrascope-" +
                                                         levelText.toLatin1() +
                                                         (parquet ? ".parquet\"" : ".csv\""));
                res.stream = file;
                reply.send(std::move(res));
            },
            Qt::QueuedConnection);
    });
    if (!queued) {
        m_exports.fetch_sub(1);
        reply.send(HttpResponse::error(503, QStringLiteral("too many queries waiting; try again")));
    }
}

} // namespace vibra::service
