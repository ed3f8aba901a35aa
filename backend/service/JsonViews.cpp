#include "service/JsonViews.h"

#include "dsp/SeverityZone.h"
#include "storage/TimeText.h"

#include <cmath>

namespace vibra::service {

namespace {
QString zoneText(int zone) {
    return zone >= 0 && zone <= 3 ? QString(QChar('A' + zone)) : QString();
}
QJsonValue zoneValue(std::optional<int> zone) {
    return zone && *zone >= 0 && *zone <= 3 ? QJsonValue(zoneText(*zone)) : QJsonValue();
}
} // namespace

QJsonValue JsonViews::number(double v) {
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}

QString JsonViews::isoTime(std::int64_t ns) {
    return QString::fromStdString(storage::TimeText::isoMicros(ns));
}

QJsonObject JsonViews::axisValues(const storage::HistoryQuery::AxisValues& a, const std::string& name) {
    QJsonObject o;
    o[QStringLiteral("axis")] = QString::fromStdString(name);
    o[QStringLiteral("min")] = number(a.min);
    o[QStringLiteral("max")] = number(a.max);
    o[QStringLiteral("mean")] = number(a.mean);
    o[QStringLiteral("rms")] = number(a.rms);
    o[QStringLiteral("peak")] = number(a.peak);
    o[QStringLiteral("crest")] = number(a.crest);
    o[QStringLiteral("velocity_rms_mm_s")] = a.velocityRms ? number(*a.velocityRms) : QJsonValue();
    o[QStringLiteral("zone")] = zoneValue(a.zone);
    return o;
}

QJsonObject JsonViews::state(const storage::HistoryQuery::State& s) {
    QJsonObject o;
    o[QStringLiteral("device")] = QString::fromStdString(s.device.name);
    o[QStringLiteral("unit")] = QString::fromStdString(s.device.unit);
    o[QStringLiteral("t")] = isoTime(s.tNs);
    o[QStringLiteral("t_ns")] = QString::number(s.tNs);
    o[QStringLiteral("level")] = QString::fromLatin1(storage::levelName(s.level).data());
    o[QStringLiteral("samples")] = static_cast<qint64>(s.samples);
    o[QStringLiteral("rms")] = number(s.rms);
    o[QStringLiteral("velocity_rms_mm_s")] = s.velocityRms ? number(*s.velocityRms) : QJsonValue();
    o[QStringLiteral("zone")] = zoneValue(s.zone);
    QJsonArray axes;
    for (std::size_t i = 0; i < s.axes.size(); ++i)
        axes.append(
            axisValues(s.axes[i], i < s.device.axisNames.size() ? s.device.axisNames[i] : std::to_string(i)));
    o[QStringLiteral("axes")] = axes;
    return o;
}

QJsonObject JsonViews::point(const storage::HistoryQuery::Point& p, const storage::StoredDevice& d) {
    QJsonObject o;
    o[QStringLiteral("t")] = isoTime(p.tNs);
    o[QStringLiteral("t_ns")] = QString::number(p.tNs);
    o[QStringLiteral("samples")] = static_cast<qint64>(p.samples);
    o[QStringLiteral("gaps")] = static_cast<qint64>(p.gaps);
    QJsonArray axes;
    for (std::size_t i = 0; i < p.axes.size(); ++i)
        axes.append(axisValues(p.axes[i], i < d.axisNames.size() ? d.axisNames[i] : std::to_string(i)));
    o[QStringLiteral("axes")] = axes;
    return o;
}

QJsonObject JsonViews::event(const storage::HistoryQuery::EventRecord& e) {
    QJsonObject o;
    o[QStringLiteral("id")] = static_cast<qint64>(e.id);
    o[QStringLiteral("device")] =
        e.device.empty() ? QJsonValue() : QJsonValue(QString::fromStdString(e.device));
    o[QStringLiteral("t")] = isoTime(e.tNs);
    o[QStringLiteral("t_ns")] = QString::number(e.tNs);
    o[QStringLiteral("type")] = QString::fromStdString(e.kind);
    if (!e.state.empty())
        o[QStringLiteral("state")] = QString::fromStdString(e.state);
    if (!e.rule.empty())
        o[QStringLiteral("rule")] = QString::fromStdString(e.rule);
    if (!e.metric.empty())
        o[QStringLiteral("metric")] = QString::fromStdString(e.metric);
    if (e.axis && *e.axis >= 0 && static_cast<std::size_t>(*e.axis) < e.axisNames.size())
        o[QStringLiteral("axis")] = QString::fromStdString(e.axisNames[static_cast<std::size_t>(*e.axis)]);
    if (e.value)
        o[QStringLiteral("value")] = number(*e.value);
    if (e.threshold)
        o[QStringLiteral("threshold")] = number(*e.threshold);
    if (e.firstSample)
        o[QStringLiteral("first_sample")] = static_cast<qint64>(*e.firstSample);
    if (e.samples)
        o[QStringLiteral("samples")] = static_cast<qint64>(*e.samples);
    o[QStringLiteral("detail")] = QString::fromStdString(e.detail);
    return o;
}

JsonViews::Summary JsonViews::summarize(const pipeline::RollupRecord& r) {
    Summary s;
    for (std::size_t i = 0; i < r.axes.size(); ++i) {
        s.rms = std::max(s.rms, r.axes[i].rms);
        if (i < r.velocityRmsMmS.size() && std::isfinite(r.velocityRmsMmS[i]))
            s.velocity =
                std::isfinite(s.velocity) ? std::max(s.velocity, r.velocityRmsMmS[i]) : r.velocityRmsMmS[i];
    }
    s.zone = r.zone == dsp::SeverityZone::Unknown ? -1 : static_cast<int>(r.zone);
    return s;
}

QJsonObject JsonViews::liveSecond(const pipeline::RollupRecord& r) {
    QJsonObject o;
    const Summary s = summarize(r);
    o[QStringLiteral("t")] = isoTime(r.bucketStartNs);
    o[QStringLiteral("t_ns")] = QString::number(r.bucketStartNs);
    o[QStringLiteral("samples")] = static_cast<qint64>(r.samples);
    o[QStringLiteral("gaps")] = static_cast<qint64>(r.gaps);
    o[QStringLiteral("rms")] = number(s.rms);
    o[QStringLiteral("velocity_rms_mm_s")] = number(s.velocity);
    o[QStringLiteral("zone")] = s.zone >= 0 ? QJsonValue(zoneText(s.zone)) : QJsonValue();
    QJsonArray axes;
    for (std::size_t i = 0; i < r.axes.size(); ++i) {
        const auto& m = r.axes[i];
        QJsonObject a;
        a[QStringLiteral("axis")] = r.device && i < r.device->axisNames.size()
                                        ? QString::fromStdString(r.device->axisNames[i])
                                        : QString::number(i);
        a[QStringLiteral("min")] = number(m.min);
        a[QStringLiteral("max")] = number(m.max);
        a[QStringLiteral("mean")] = number(m.mean);
        a[QStringLiteral("rms")] = number(m.rms);
        a[QStringLiteral("peak")] = number(m.peak);
        a[QStringLiteral("crest")] = number(m.crestFactor);
        a[QStringLiteral("kurtosis")] = number(m.kurtosis);
        a[QStringLiteral("velocity_rms_mm_s")] =
            i < r.velocityRmsMmS.size() ? number(r.velocityRmsMmS[i]) : QJsonValue();
        axes.append(a);
    }
    o[QStringLiteral("axes")] = axes;
    return o;
}

} // namespace vibra::service
