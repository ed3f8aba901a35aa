#pragma once

#include "service/PrometheusText.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <vector>

namespace vibra::pipeline {
class Pipeline;
class IngestBridge;
} // namespace vibra::pipeline
namespace vibra::recording {
class Recorder;
}

namespace vibra::service {

class HttpServer;
class Router;
class HttpIngest;
class QueryWorkers;

/// Renders GET /metrics (Prometheus text format 0.0.4) from the live engine: per-device counters and
/// levels, queues, the pool, the database writer, the HTTP server, ingest, and whatever the triggers and
/// notifiers add through addSection(). Labels are bounded: device ids (limited by --max-devices), fixed
/// reason / queue / route names. docs/service.md lists every family.
///
/// Threads: owner thread (reads atomics and owner-thread state of the parts it was given).
class ServiceMetrics {
public:
    struct Parts {
        pipeline::Pipeline* pipeline = nullptr;
        recording::Recorder* recorder = nullptr;
        HttpServer* http = nullptr;
        Router* router = nullptr;
        HttpIngest* httpIngest = nullptr;
        pipeline::IngestBridge* ingest = nullptr;
        QueryWorkers* queries = nullptr;
        QString version;
    };
    explicit ServiceMetrics(Parts parts)
        : m_parts(std::move(parts)) {}

    /// Extra families (triggers, notifiers, uploads), written after the built-in ones.
    void addSection(std::function<void(PrometheusText&)> section) {
        m_sections.push_back(std::move(section));
    }
    QByteArray render() const;

private:
    void devices(PrometheusText& t) const;
    void engine(PrometheusText& t) const;
    void http(PrometheusText& t) const;

    Parts m_parts;
    std::vector<std::function<void(PrometheusText&)>> m_sections;
};

} // namespace vibra::service
