#pragma once

#include "service/QueryWorkers.h"
#include "service/Router.h"

#include <QObject>
#include <QString>

#include <atomic>

namespace vibra::service {

/// The history routes, answered from the database on QueryWorkers (never on the owner thread):
///  GET /api/asof?device=&t=                       a device's state at a time
///  GET /api/history?device=&from=&to=&points=     buckets over a range (level chosen by HistoryQuery)
///  GET /api/events?device=&from=&to=&type=&limit=&offset=
///  GET /api/export?device=&from=&to=&level=&format=csv|parquet
/// Export runs CsvExporter / ParquetExporter into a temporary file (unlinked as soon as it is open), which
/// the connection then streams in chunks: constant memory whatever the size; at most maxExports at once.
///
/// Threads: routes are registered and answered on the owner thread; the work runs on the query workers.
class HistoryApi : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::string dbPath;
        QString tempDir;    ///< where exports are staged
        int maxExports = 2; ///< concurrent exports (beyond: 503)
        int maxPoints = 10000;
        int maxEvents = 10000;
    };
    HistoryApi(Options options, QueryWorkers& workers, QObject* parent = nullptr);
    void addRoutes(Router& router);
    int exportsRunning() const { return m_exports.load(); }

private:
    void asOf(const HttpRequest& r, const HttpResponder& reply);
    void history(const HttpRequest& r, const HttpResponder& reply);
    void events(const HttpRequest& r, const HttpResponder& reply);
    void exportData(const HttpRequest& r, const HttpResponder& reply);
    /// Runs job on a worker; its result is sent from the owner thread. 503 when the queue is full.
    void run(const HttpResponder& reply,
             std::function<HttpResponse(storage::Database* db, const std::string& openError)> job);

    const Options m_options;
    QueryWorkers& m_workers;
    std::atomic<int> m_exports{0};
    std::atomic<std::uint64_t> m_exportSeq{0};
};

} // namespace vibra::service
