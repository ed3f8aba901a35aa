#include "ui/AlarmMonitor.h"

#include <cmath>

namespace vibra::ui {

void AlarmMonitor::setThreshold(TrendStore::Metric m, std::optional<double> threshold) {
    m_thresholds[static_cast<int>(m)] = threshold;
}

int AlarmMonitor::check(const QString& device, const TrendStore::Series& series) {
    if (series.points.empty())
        return 0;
    const auto& p = series.points.back();
    int raised = 0;
    const auto raise = [&](const QString& key, bool above, const QString& metric, double value,
                           double threshold, const QString& text) {
        bool& active = m_active[device + QLatin1Char('/') + key];
        if (above && !active) {
            m_alarms.append({p.tNs, device, metric, value, threshold, text});
            ++raised;
        }
        active = above;
    };
    for (int m = 0; m < 4; ++m) {
        const auto metric = static_cast<TrendStore::Metric>(m);
        const auto& t = m_thresholds[m];
        for (int a = 0; a < static_cast<int>(p.rms.size()); ++a) {
            const double v = TrendStore::value(p, metric, a);
            const QString axis = a < static_cast<int>(series.axisNames.size())
                                     ? QString::fromStdString(series.axisNames[a])
                                     : QString::number(a);
            const QString name = TrendStore::metricName(metric) + QLatin1Char(' ') + axis;
            raise(QString::number(m) + QLatin1Char('/') + axis, t && std::isfinite(v) && v > *t, name, v,
                  t.value_or(0), QStringLiteral("%1 > %2").arg(v, 0, 'g', 4).arg(t.value_or(0), 0, 'g', 4));
        }
    }
    const bool bad = p.zone == dsp::SeverityZone::C || p.zone == dsp::SeverityZone::D;
    raise(QStringLiteral("zone"), bad, QStringLiteral("zone"), static_cast<double>(p.zone), 0,
          QStringLiteral("zone %1 (%2)")
              .arg(QString::fromUtf8(dsp::severityZoneName(p.zone).data()),
                   QString::fromStdString(series.severityPreset)));
    while (m_alarms.size() > kMaxAlarms)
        m_alarms.removeFirst();
    return raised;
}

} // namespace vibra::ui
