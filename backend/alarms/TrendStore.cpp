#include "alarms/TrendStore.h"

#include <cmath>
#include <limits>

namespace vibra::alarms {

bool TrendStore::add(const pipeline::DeviceSnapshot& s) {
    if (!s.device || s.lastSecond.empty() || s.lastSecondStartNs == 0)
        return false;
    auto& series = m_series[QString::fromStdString(s.device->id)];
    if (!series.points.empty() && series.points.back().tNs >= s.lastSecondStartNs)
        return false;
    series.axisNames = s.device->axisNames;
    series.unit = QString::fromUtf8(core::unitName(s.device->unit).data());
    series.severityPreset = s.severityPreset;
    Point p;
    p.tNs = s.lastSecondStartNs;
    for (std::size_t a = 0; a < s.lastSecond.size(); ++a) {
        const auto& m = s.lastSecond[a];
        p.rms.push_back(m.rms);
        p.peak.push_back(m.peak);
        p.crest.push_back(m.crestFactor);
        p.velocity.push_back(a < s.lastSecondVelocityMmS.size() ? s.lastSecondVelocityMmS[a]
                                                                : std::numeric_limits<double>::quiet_NaN());
    }
    p.zone = s.lastSecondZone;
    series.points.push_back(std::move(p));
    while (series.points.size() > kCapacity)
        series.points.pop_front();
    return true;
}

const TrendStore::Series* TrendStore::series(const QString& deviceId) const {
    const auto it = m_series.constFind(deviceId);
    return it == m_series.cend() ? nullptr : &*it;
}

double TrendStore::value(const Point& p, Metric m, int axis) {
    const std::vector<double>* v = nullptr;
    switch (m) {
    case Metric::Rms:
        v = &p.rms;
        break;
    case Metric::Velocity:
        v = &p.velocity;
        break;
    case Metric::Peak:
        v = &p.peak;
        break;
    case Metric::Crest:
        v = &p.crest;
        break;
    }
    return axis >= 0 && axis < static_cast<int>(v->size()) ? (*v)[axis]
                                                           : std::numeric_limits<double>::quiet_NaN();
}

QString TrendStore::metricName(Metric m) {
    switch (m) {
    case Metric::Rms:
        return QStringLiteral("RMS");
    case Metric::Velocity:
        return QStringLiteral("velocity RMS");
    case Metric::Peak:
        return QStringLiteral("peak");
    case Metric::Crest:
        return QStringLiteral("crest factor");
    }
    return {};
}

} // namespace vibra::alarms
