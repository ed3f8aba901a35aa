#include "alarms/AlarmEvaluator.h"

#include "core/Unit.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace vibra::alarms {

AlarmEvaluator::AlarmEvaluator(std::string deviceId, std::shared_ptr<const AlarmRules> rules)
    : m_deviceId(std::move(deviceId)) {
    setRules(std::move(rules));
}

void AlarmEvaluator::setRules(std::shared_ptr<const AlarmRules> rules) {
    std::map<std::string, std::vector<State>> kept;
    if (m_rules)
        for (std::size_t i = 0; i < m_rules->size() && i < m_states.size(); ++i)
            kept[(*m_rules)[i].text] = m_states[i];
    m_rules = rules ? std::move(rules) : std::make_shared<const AlarmRules>();
    m_states.assign(m_rules->size(), {});
    for (std::size_t i = 0; i < m_rules->size(); ++i)
        if (auto it = kept.find((*m_rules)[i].text); it != kept.end())
            m_states[i] = it->second;
}

std::size_t AlarmEvaluator::activeCount() const {
    std::size_t n = 0;
    for (const auto& perRule : m_states)
        for (const auto& s : perRule)
            n += s.active ? 1 : 0;
    return n;
}

double AlarmEvaluator::valueOf(const AlarmRule& rule, const pipeline::RollupRecord& r, int axis) {
    const auto nan = std::nan("");
    switch (rule.metric) {
    case AlarmRule::Metric::Rms:
        return r.axes[axis].rms;
    case AlarmRule::Metric::Peak:
        return r.axes[axis].peak;
    case AlarmRule::Metric::Crest:
        return r.axes[axis].crestFactor;
    case AlarmRule::Metric::Kurtosis:
        return r.axes[axis].kurtosis;
    case AlarmRule::Metric::Velocity:
        return axis < static_cast<int>(r.velocityRmsMmS.size()) ? r.velocityRmsMmS[axis] : nan;
    case AlarmRule::Metric::Zone:
        return r.zone == dsp::SeverityZone::Unknown ? nan : static_cast<double>(static_cast<int>(r.zone));
    case AlarmRule::Metric::Band:
        for (const auto& b : r.bandRms)
            if (b.lowHz == rule.bandLowHz && b.highHz == rule.bandHighHz)
                return axis < static_cast<int>(b.perAxis.size()) ? b.perAxis[axis] : nan;
        return nan; // not computed for this device (rules changed, processor not told yet)
    }
    return nan;
}

void AlarmEvaluator::evaluate(const pipeline::RollupRecord& second, std::vector<core::EventPtr>& out) {
    const int axes = static_cast<int>(second.axes.size());
    for (std::size_t i = 0; i < m_rules->size(); ++i) {
        const AlarmRule& rule = (*m_rules)[i];
        if (!rule.device.empty() && rule.device != m_deviceId)
            continue;
        const int n = rule.isZone() ? 1 : axes;
        auto& states = m_states[i];
        if (static_cast<int>(states.size()) != n)
            states.assign(n, {});
        for (int a = 0; a < n; ++a)
            step(rule, rule.isZone() ? -1 : a, valueOf(rule, second, rule.isZone() ? 0 : a), states[a],
                 second, out);
    }
}

void AlarmEvaluator::step(const AlarmRule& rule, int axis, double value, State& st,
                          const pipeline::RollupRecord& second, std::vector<core::EventPtr>& out) {
    if (!std::isfinite(value))
        return; // unknown: neither raises nor clears
    const bool towards = st.active ? rule.clears(value) : rule.exceeds(value);
    if (!towards) {
        st.held = 0;
        return;
    }
    if (++st.held <= rule.delaySeconds)
        return;
    st.held = 0;
    st.active = !st.active;
    out.push_back(makeEvent(rule, axis, value, st.active, second));
}

core::EventPtr AlarmEvaluator::makeEvent(const AlarmRule& rule, int axis, double value, bool raised,
                                         const pipeline::RollupRecord& second) const {
    auto e = std::make_shared<core::Event>();
    e->deviceId = m_deviceId;
    e->tNs = second.bucketStartNs;
    e->kind = "alarm";
    e->state = raised ? "raised" : "cleared";
    e->rule = rule.text;
    e->metric = rule.metricText();
    e->axis = axis;
    e->value = value;
    e->threshold = rule.threshold;
    char buf[256];
    if (rule.isZone()) {
        const char zone = static_cast<char>('A' + static_cast<int>(value));
        std::snprintf(buf, sizeof buf, "%s: zone %c (%s)", raised ? "raised" : "cleared", zone,
                      rule.text.c_str());
    } else {
        const std::string axisName = second.device && axis >= 0 && axis < second.device->axisCount()
                                         ? second.device->axisNames[axis]
                                         : std::to_string(axis);
        e->axisName = axisName;
        const std::string unit = AlarmRule::unitOf(
            rule.metric, second.device ? std::string(core::unitName(second.device->unit)) : std::string());
        std::snprintf(buf, sizeof buf, "%s: %s %s %.4g%s%s (%s)", raised ? "raised" : "cleared",
                      rule.metricText().c_str(), axisName.c_str(), value, unit.empty() ? "" : " ",
                      unit.c_str(), rule.text.c_str());
    }
    e->detail = buf;
    return e;
}

} // namespace vibra::alarms
