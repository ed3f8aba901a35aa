#pragma once

#include "alarms/TrendStore.h"

#include <QHash>

#include <optional>

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
/// of every device (alarms::TrendStore). A threshold set here becomes an alarm rule of the engine
/// (METRIC>VALUE for every device), so alarms are evaluated in the backend like the recorder's.
///
/// Threads: GUI thread only; update() runs on the dashboard tick and does work only when a device
/// completed a new second.
class TrendView : public QWidget {
    Q_OBJECT
public:
    explicit TrendView(Dashboard& dashboard, QWidget* parent = nullptr);
    /// Collects new seconds from the dashboard's snapshots, checks alarms, redraws if needed.
    void update();
    void setMetric(alarms::TrendStore::Metric m);
    alarms::TrendStore::Metric metric() const;
    void setThreshold(alarms::TrendStore::Metric m, std::optional<double> threshold);
    std::optional<double> threshold(alarms::TrendStore::Metric m) const;
    const alarms::TrendStore& store() const { return m_store; }
    /// Points drawn for an axis (tests).
    int pointCount(int axis) const;
    QCustomPlot* plot() const { return m_plot; }
    /// "pump — velocity per second, last hour".
    const QString& title() const { return m_title; }

private:
    void draw();
    void loadThreshold();

    Dashboard& m_dashboard;
    alarms::TrendStore m_store;
    QHash<int, double> m_thresholds; ///< by metric: the rule this view added to the engine
    QCustomPlot* m_plot;
    QComboBox* m_metric;
    QDoubleSpinBox* m_threshold;
    QCPItemRect* m_zones[4];
    QCPItemText* m_zoneLabels[4];
    QCPItemStraightLine* m_thresholdLine;
    QString m_title;
    bool m_dirty = true;
    bool m_loading = false;
};

} // namespace vibra::ui
