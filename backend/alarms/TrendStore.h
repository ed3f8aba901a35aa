#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <QHash>
#include <QString>

#include <deque>
#include <vector>

namespace vibra::alarms {

/// Per-second metrics of every device over the last hour, collected from the snapshots' "last second"
/// readouts, for the trend plot and the alarm monitor.
///
/// Threads: GUI thread only. Bounded: at most kCapacity seconds per device (oldest dropped).
class TrendStore {
public:
    static constexpr std::size_t kCapacity = 3600;

    enum class Metric { Rms, Velocity, Peak, Crest };
    struct Point {
        std::int64_t tNs = 0;                           ///< start of the second
        std::vector<double> rms, velocity, peak, crest; ///< per axis (velocity NaN when unknown)
        dsp::SeverityZone zone = dsp::SeverityZone::Unknown;
    };
    struct Series {
        std::vector<std::string> axisNames;
        QString unit;
        std::string severityPreset;
        std::deque<Point> points;
    };

    /// Appends the snapshot's last second if it is new for its device; returns true when it appended.
    bool add(const pipeline::DeviceSnapshot& snapshot);
    void remove(const QString& deviceId) { m_series.remove(deviceId); }
    const Series* series(const QString& deviceId) const;
    QStringList devices() const { return m_series.keys(); }

    static double value(const Point& p, Metric m, int axis);
    static QString metricName(Metric m);

private:
    QHash<QString, Series> m_series;
};

} // namespace vibra::alarms
