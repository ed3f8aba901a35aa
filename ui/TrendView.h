#pragma once

#include "ui/AlarmMonitor.h"
#include "ui/TrendStore.h"

#include <QWidget>

class QCustomPlot;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QComboBox;
class QDoubleSpinBox;

namespace vibra::ui {

class Dashboard;

/// Trends of the selected device over the last hour: RMS, velocity RMS, peak or crest factor per axis, one
/// point per second, with the severity zones A-D of the device's preset drawn as bands behind the
/// velocity trend and the user's alarm threshold of the metric as a line. Collects the per-second values
/// of every device (TrendStore) and checks them against the thresholds (AlarmMonitor).
///
/// Threads: GUI thread only; update() runs on the dashboard tick and does work only when a device
/// completed a new second.
class TrendView : public QWidget {
    Q_OBJECT
public:
    explicit TrendView(Dashboard& dashboard, QWidget* parent = nullptr);
    /// Collects new seconds from the dashboard's snapshots, checks alarms, redraws if needed.
    void update();
    void setMetric(TrendStore::Metric m);
    TrendStore::Metric metric() const;
    void setThreshold(TrendStore::Metric m, std::optional<double> threshold);
    const TrendStore& store() const { return m_store; }
    const AlarmMonitor& alarms() const { return m_alarms; }
    /// Points drawn for an axis (tests).
    int pointCount(int axis) const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    void alarmsRaised(int count);

private:
    void draw();
    void loadThreshold();

    Dashboard& m_dashboard;
    TrendStore m_store;
    AlarmMonitor m_alarms;
    QCustomPlot* m_plot;
    QComboBox* m_metric;
    QDoubleSpinBox* m_threshold;
    QCPItemRect* m_zones[4];
    QCPItemText* m_zoneLabels[4];
    QCPItemStraightLine* m_thresholdLine;
    bool m_dirty = true;
    bool m_loading = false;
};

} // namespace vibra::ui
