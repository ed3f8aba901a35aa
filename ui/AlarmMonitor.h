#pragma once

#include "ui/TrendStore.h"

#include <QDateTime>
#include <QList>

#include <array>
#include <optional>

namespace vibra::ui {

/// User alarm thresholds per metric (RMS, velocity RMS, peak, crest factor; off by default) and the
/// severity zones C and D, checked on every new second of every device. An alarm is raised when a
/// value rises above its threshold (or the zone enters C or D) and re-armed when it falls back, so a
/// steady excess gives one entry, not one per second.
///
/// Threads: GUI thread only. Bounded: the newest kMaxAlarms entries are kept.
class AlarmMonitor {
public:
    static constexpr int kMaxAlarms = 1000;
    struct Alarm {
        std::int64_t tNs = 0;
        QString device;
        QString metric; ///< e.g. "velocity RMS x" or "zone"
        double value = 0;
        double threshold = 0;
        QString text; ///< human readable, e.g. "7.75 mm/s > 4.50"
    };

    void setThreshold(TrendStore::Metric m, std::optional<double> threshold);
    std::optional<double> threshold(TrendStore::Metric m) const { return m_thresholds[static_cast<int>(m)]; }
    /// Checks the newest point of a device; returns the number of new alarms.
    int check(const QString& device, const TrendStore::Series& series);
    const QList<Alarm>& alarms() const { return m_alarms; }
    void clear() { m_alarms.clear(); }

private:
    std::array<std::optional<double>, 4> m_thresholds{};
    QHash<QString, bool> m_active; ///< key device/metric/axis: above threshold now
    QList<Alarm> m_alarms;
};

} // namespace vibra::ui
