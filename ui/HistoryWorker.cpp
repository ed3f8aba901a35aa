#include "ui/HistoryWorker.h"

#include "exporting/CsvExporter.h"
#include "exporting/ParquetExporter.h"
#include "storage/Database.h"
#include "storage/RollupCursor.h"

#include <QElapsedTimer>

#include <limits>

namespace vibra::ui {

HistoryWorker::HistoryWorker() {
    qRegisterMetaType<std::shared_ptr<const HistoryOverview>>();
    qRegisterMetaType<std::shared_ptr<const HistoryRanges>>();
}

HistoryWorker::~HistoryWorker() = default;

void HistoryWorker::open(const QString& path) {
    auto out = std::make_shared<HistoryOverview>();
    out->path = path;
    m_db = std::make_unique<storage::Database>();
    m_path = path;
    std::string error;
    if (!m_db->open(path.toStdString(), storage::Database::Mode::ReadOnly, &error)) {
        out->error = QString::fromStdString(error);
        m_db.reset();
        emit opened(out);
        return;
    }
    out->devices = storage::RollupCursor::listDevices(*m_db, &error);
    if (!error.empty()) {
        out->error = QString::fromStdString(error);
        emit opened(out);
        return;
    }
    // Span: the oldest bucket (first row of a time-ordered cursor) and the newest state per device.
    storage::RollupCursor first;
    storage::RollupRow row;
    if (first.open(*m_db, {}, std::nullopt, std::nullopt, &error) && first.next(&row))
        out->firstNs = row.tNs;
    storage::HistoryQuery q(*m_db);
    std::vector<storage::HistoryQuery::State> states;
    std::uint64_t total = 0;
    storage::HistoryQuery::LatestRequest req;
    req.limit = 1000;
    if (q.latest(req, &states, &total, &error))
        for (const auto& s : states)
            out->lastNs = std::max(out->lastNs, s.tNs + storage::levelBucketNs(storage::RollupLevel::Second));
    if (out->firstNs == 0)
        out->firstNs = out->lastNs;
    emit opened(out);
}

void HistoryWorker::queryRanges(const QStringList& devices, qint64 fromNs, qint64 toNs, int minPoints) {
    auto out = std::make_shared<HistoryRanges>();
    out->fromNs = fromNs;
    out->toNs = toNs;
    if (!m_db) {
        out->error = tr("no database open");
        emit rangesReady(out);
        return;
    }
    storage::HistoryQuery q(*m_db);
    for (const QString& d : devices) {
        storage::HistoryQuery::Range r;
        std::string error;
        if (!q.range(d.toStdString(), fromNs, toNs, minPoints, std::nullopt, &r, &error)) {
            out->error = QString::fromStdString(error);
            break;
        }
        out->ranges.push_back(std::move(r));
    }
    emit rangesReady(out);
}

void HistoryWorker::exportRange(const QStringList& devices, qint64 fromNs, qint64 toNs,
                                const QString& outPath) {
    m_cancel.store(false, std::memory_order_relaxed);
    exporting::ExportRequest req;
    req.dbPath = m_path.toStdString();
    req.outPath = outPath.toStdString();
    for (const QString& d : devices)
        req.devices.push_back(d.toStdString());
    req.fromNs = fromNs;
    req.toNs = toNs;
    exporting::ExportStats stats;
    std::string error;
    QElapsedTimer since;
    since.start();
    // One progress signal per 100 ms at most, so queued order holds and the GUI is not flooded.
    auto progress = [this, &since](std::uint64_t done, std::uint64_t total) {
        if (since.elapsed() >= 100 || done == total) {
            since.restart();
            emit exportProgress(done, total);
        }
    };
    const bool parquet = outPath.endsWith(QLatin1String(".parquet"), Qt::CaseInsensitive);
    const bool ok = parquet ? exporting::ParquetExporter().run(req, &error, &stats, progress, &m_cancel)
                            : exporting::CsvExporter().run(req, &error, &stats, progress, &m_cancel);
    emit exportFinished(ok, QString::fromStdString(error), stats.rows);
}

} // namespace vibra::ui
