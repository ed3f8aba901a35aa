#pragma once

#include "ui/HistoryWorker.h"

#include <QThread>
#include <QWidget>

class QCustomPlot;
class QListWidget;
class QDateTimeEdit;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace vibra::ui {

/// Browses a recorded history database (read-only): pick devices and a time range (editors, or drag a
/// rectangle over the plot), see RMS / peak / velocity per axis at the coarsest rollup level that still
/// shows enough points, and export the range as CSV (the same exporter as `vibrascope export`) with a
/// progress bar and cancel. All SQLite work runs in a HistoryWorker on the browser's own thread; the GUI
/// thread only posts requests and draws results.
///
/// Threads: GUI thread; the worker thread is owned here and joined in the destructor (after cancelling
/// a running export).
class HistoryBrowser : public QWidget {
    Q_OBJECT
public:
    enum class Metric { Rms, Peak, Velocity };

    explicit HistoryBrowser(QWidget* parent = nullptr);
    ~HistoryBrowser() override;

    /// Opens a database (asynchronously; opened() tells when done).
    void openDatabase(const QString& path);
    QStringList deviceNames() const;
    std::int64_t spanFromNs() const { return m_overview ? m_overview->firstNs : 0; }
    std::int64_t spanToNs() const { return m_overview ? m_overview->lastNs : 0; }
    void setSelectedDevices(const QStringList& devices);
    QStringList selectedDevices() const;
    /// The range shown and exported (UTC ns, [from, to)).
    void setRange(std::int64_t fromNs, std::int64_t toNs);
    std::int64_t fromNs() const;
    std::int64_t toNs() const;
    void setMetric(Metric m);
    /// Queries the selected devices over the range (asynchronously; rangesShown() when drawn).
    void query();
    /// Exports the selection (asynchronously; exportFinished() when done).
    /// Exports the shown devices and range: CSV, or Parquet when outPath ends in .parquet.
    void exportRange(const QString& outPath);
    /// Narrows the range to centreNs +- halfWidthNs and queries again: from a trend down to the samples
    /// around a moment (the query layer picks raw samples when they are stored). Double-click on the plot.
    void zoomAround(std::int64_t centreNs, std::int64_t halfWidthNs = 5'000'000'000);
    void cancelExport();
    const HistoryRanges* shownRanges() const { return m_ranges.get(); }
    QCustomPlot* plot() const { return m_plot; }
    /// "pump, fan — velocity RMS (history, plant.db)".
    const QString& title() const { return m_title; }
    QString statusText() const;

signals:
    void opened(bool ok);
    void rangesShown();
    void exportFinished(bool ok, const QString& error);

private:
    void onOpened(std::shared_ptr<const HistoryOverview> overview);
    void onRanges(std::shared_ptr<const HistoryRanges> ranges);
    void draw();

    QThread m_thread;
    HistoryWorker* m_worker; ///< lives on m_thread, deleted there when it finishes
    QCustomPlot* m_plot;
    QLabel* m_path;
    QListWidget* m_devices;
    QDateTimeEdit* m_from;
    QDateTimeEdit* m_to;
    QComboBox* m_metric;
    QPushButton* m_export;
    QPushButton* m_cancel;
    QProgressBar* m_progress;
    QLabel* m_status;
    std::shared_ptr<const HistoryOverview> m_overview;
    std::shared_ptr<const HistoryRanges> m_ranges;
    bool m_exporting = false;
    QString m_title;
};

} // namespace vibra::ui
