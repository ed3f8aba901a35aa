#pragma once

#include "exporting/CsvExporter.h"
#include "storage/HistoryQuery.h"

#include <QObject>
#include <QStringList>

#include <atomic>
#include <memory>

namespace vibra::storage {
class Database;
}

namespace vibra::ui {

/// What a history database holds: its devices and the time span of their 1-second rollups.
struct HistoryOverview {
    QString path;
    std::vector<storage::StoredDevice> devices;
    std::int64_t firstNs = 0; ///< start of the oldest bucket
    std::int64_t lastNs = 0;  ///< end of the newest 1 s bucket
    QString error;            ///< non-empty when the database could not be read
};

/// Buckets of the selected devices over a time range.
struct HistoryRanges {
    std::int64_t fromNs = 0, toNs = 0;
    std::vector<storage::HistoryQuery::Range> ranges;
    QString error;
};

/// The history browser's SQLite side. Lives on the browser's worker thread: opens the database read-only
/// there, answers range queries and runs CSV exports, and reports back by queued signals. Nothing here
/// ever runs on the GUI thread.
///
/// Threads: every slot runs on the worker thread (call through queued invocations); cancelExport() is
/// thread-safe (an atomic flag polled by the exporter).
class HistoryWorker : public QObject {
    Q_OBJECT
public:
    HistoryWorker();
    ~HistoryWorker() override;

    /// Any thread.
    void cancelExport() { m_cancel.store(true, std::memory_order_relaxed); }

public slots:
    void open(const QString& path);
    void queryRanges(const QStringList& devices, qint64 fromNs, qint64 toNs, int minPoints);
    /// CSV, or Parquet when outPath ends in .parquet (the same exporters as `vibrascope export`).
    void exportRange(const QStringList& devices, qint64 fromNs, qint64 toNs, const QString& outPath);

signals:
    void opened(std::shared_ptr<const vibra::ui::HistoryOverview> overview);
    void rangesReady(std::shared_ptr<const vibra::ui::HistoryRanges> ranges);
    void exportProgress(quint64 done, quint64 total);
    void exportFinished(bool ok, const QString& error, quint64 rows);

private:
    // worker thread only
    std::unique_ptr<storage::Database> m_db;
    QString m_path;
    // any thread
    std::atomic<bool> m_cancel{false};
};

} // namespace vibra::ui

Q_DECLARE_METATYPE(std::shared_ptr<const vibra::ui::HistoryOverview>)
Q_DECLARE_METATYPE(std::shared_ptr<const vibra::ui::HistoryRanges>)
