#pragma once

#include "service/Router.h"

#include <QObject>

#include "pipeline/RollupRecord.h"

#include <QString>

#include <functional>
#include <utility>
#include <vector>

namespace vibra::pipeline {
class Pipeline;
}
namespace vibra::recording {
class Recorder;
}

namespace vibra::service {

class HttpIngest;
class QueryWorkers;
class ServiceMetrics;

/// The routes answered from the live engine (never the database), on the owner thread (GET /api/latest
/// takes each device's newest immutable second there, then sorts and writes the JSON on a query worker when
/// Parts::workers is set, so a burst of requests does not hold the owner thread, which also serves ingest):
///  GET /healthz (no token), GET /readyz, GET /metrics, GET /api/devices,
///  GET /api/latest?count=&offset=&sort=device|time|rms|velocity&order=asc|desc,
///  POST /api/ingest?device=ID, POST /api/recording/start, POST /api/recording/stop.
/// Readiness: the database is open and writable (recording, no write error) and at least one device is
/// configured or ingest is enabled; otherwise 503 with the reasons.
class LiveApi : public QObject {
    Q_OBJECT
public:
    struct Parts {
        pipeline::Pipeline* pipeline = nullptr;
        recording::Recorder* recorder = nullptr;
        HttpIngest* ingest = nullptr;
        ServiceMetrics* metrics = nullptr;
        QueryWorkers* workers = nullptr; ///< where /api/latest builds its reply (null: on the owner thread)
        bool ingestEnabled = true;
    };
    explicit LiveApi(Parts parts, QObject* parent = nullptr)
        : QObject(parent)
        , m_parts(parts) {}
    void addRoutes(Router& router);

private:
    HttpResponse ready() const;
    HttpResponse devices() const;
    void latest(const HttpRequest& r, const HttpResponder& reply);
    /// Any thread: sorts and pages the devices' newest seconds into the /api/latest reply.
    static HttpResponse latestReply(const std::vector<std::pair<QString, pipeline::RollupRecordPtr>>& seconds,
                                    const QString& sort, const QString& order, int count, int offset);
    void recording(bool start, const HttpResponder& reply);

    Parts m_parts;
};

} // namespace vibra::service
