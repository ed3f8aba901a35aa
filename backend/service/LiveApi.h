#pragma once

#include "service/Router.h"

#include <QObject>

#include <functional>

namespace vibra::pipeline {
class Pipeline;
}
namespace vibra::recording {
class Recorder;
}

namespace vibra::service {

class HttpIngest;
class ServiceMetrics;

/// The routes answered from the live engine (never the database), on the owner thread:
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
        bool ingestEnabled = true;
    };
    explicit LiveApi(Parts parts, QObject* parent = nullptr)
        : QObject(parent)
        , m_parts(parts) {}
    void addRoutes(Router& router);

private:
    HttpResponse ready() const;
    HttpResponse devices() const;
    HttpResponse latest(const HttpRequest& r) const;
    void recording(bool start, const HttpResponder& reply);

    Parts m_parts;
};

} // namespace vibra::service
