#pragma once

#include "alarms/AlarmRule.h"
#include "core/Event.h"
#include "pipeline/RollupRecord.h"

#include <memory>
#include <string>
#include <vector>

namespace vibra::alarms {

/// Evaluates alarm rules on the completed seconds of ONE device and turns crossings into events.
///
/// Per (rule, axis) it keeps a small state machine: Normal -> (condition held for delay seconds) -> Active,
/// Active -> (clear condition held for delay seconds) -> Normal. Raising emits an "alarm"/"raised" event,
/// clearing an "alarm"/"cleared" event; a value hovering around the threshold stays Active until it is back
/// past the hysteresis band, so it produces one event pair, not one per second (no chatter). Seconds whose
/// value is unknown (NaN: velocity or band RMS of a too-short partial second, a band the second does not
/// carry) neither raise nor clear. Band rules read RollupRecord::bandRms: the DSP processor must be told the
/// bands (alarms::bandsFor), which ChannelCore does whenever the rules change.
///
/// Threads: owned by the device's DSP processor (one pool worker at a time). Memory: one state per rule
/// and axis.
class AlarmEvaluator {
public:
    AlarmEvaluator(std::string deviceId, std::shared_ptr<const AlarmRules> rules);

    /// Replaces the rules (states of rules that stay identical, by text, are kept).
    void setRules(std::shared_ptr<const AlarmRules> rules);
    /// Evaluates one completed second; appends new events to out.
    void evaluate(const pipeline::RollupRecord& second, std::vector<core::EventPtr>& out);
    /// Rules that are active now (rule text and axis), for status displays.
    std::size_t activeCount() const;

private:
    struct State {
        bool active = false;
        int held = 0; ///< consecutive seconds the pending transition's condition held
    };
    void step(const AlarmRule& rule, int axis, double value, State& st, const pipeline::RollupRecord& second,
              std::vector<core::EventPtr>& out);
    core::EventPtr makeEvent(const AlarmRule& rule, int axis, double value, bool raised,
                             const pipeline::RollupRecord& second) const;
    static double valueOf(const AlarmRule& rule, const pipeline::RollupRecord& second, int axis);

    const std::string m_deviceId;
    std::shared_ptr<const AlarmRules> m_rules;
    std::vector<std::vector<State>> m_states; ///< [rule][axis] (zone: one per rule)
};

} // namespace vibra::alarms
