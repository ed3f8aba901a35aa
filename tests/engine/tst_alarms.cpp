// Alarm rules: parsing (and clear errors), evaluation with hysteresis (a value hovering at the threshold
// raises once, not every second), delay, per-axis and zone rules, unknown values ignored.
#include "Check.h"

#include "alarms/AlarmEvaluator.h"
#include "alarms/AlarmRule.h"

#include <cmath>

using namespace vibra;

namespace {
alarms::AlarmRule parse(const std::string& text) {
    std::string e;
    auto r = alarms::AlarmRule::parse(text, &e);
    if (!r)
        vibra::test::fail(__FILE__, __LINE__, "parse '" + text + "': " + e);
    return r.value_or(alarms::AlarmRule{});
}

std::string parseError(const std::string& text) {
    std::string e;
    if (alarms::AlarmRule::parse(text, &e))
        return "(accepted)";
    return e;
}

pipeline::RollupRecord second(std::int64_t t, double rmsX, double velX, dsp::SeverityZone zone,
                              double rmsY = 0.0) {
    static const auto dev = [] {
        auto d = std::make_shared<core::DeviceInfo>();
        d->id = "m";
        d->sampleRate = 1000;
        d->axisNames = {"x", "y"};
        return d;
    }();
    pipeline::RollupRecord r;
    r.device = dev;
    r.bucketStartNs = t * 1'000'000'000LL;
    r.samples = 1000;
    r.axes.resize(2);
    r.axes[0].rms = rmsX;
    r.axes[1].rms = rmsY;
    r.velocityRmsMmS = {velX, std::nan("")};
    r.zone = zone;
    return r;
}

void parsing() {
    const auto r = parse("velocity > 4.5");
    CHECK(r.metric == alarms::AlarmRule::Metric::Velocity);
    CHECK(r.op == alarms::AlarmRule::Op::Greater);
    CHECK(r.threshold == 4.5);
    CHECK(std::abs(r.hysteresis - 0.225) < 1e-12); // 5 % by default
    CHECK(r.text == "velocity>4.5");
    const auto q = parse("crest>=6,hysteresis=0.5,delay=3s,device=pump1");
    CHECK(q.op == alarms::AlarmRule::Op::GreaterEqual && q.hysteresis == 0.5 && q.delaySeconds == 3 &&
          q.device == "pump1");
    const auto z = parse("zone>=c");
    CHECK(z.isZone() && z.threshold == 2.0);
    std::string e;
    CHECK(alarms::AlarmRule::zoneAtLeast("D", &e)->threshold == 3.0);
    CHECK(parseError("speed>3").find("unknown metric 'speed'") != std::string::npos);
    CHECK(parseError("velocity>fast").find("expected a number") != std::string::npos);
    CHECK(parseError("velocity").find("expected METRIC>VALUE") != std::string::npos);
    CHECK(parseError("zone>=E").find("zone letter") != std::string::npos);
    CHECK(parseError("rms>1,delay=-1").find("delay") != std::string::npos);
    CHECK(parseError("rms>1,colour=red").find("unknown option 'colour'") != std::string::npos);
    CHECK(parseError("rms>inf").find("expected a number") != std::string::npos);
}

void hysteresisPreventsChatter() {
    // RMS x hovers around 1.0 (0.98 .. 1.02) for a minute, with a threshold at 1.0: exactly one raise and no
    // clear while it stays within the 5 % band; then it falls to 0.5 and the alarm clears once.
    auto rules = std::make_shared<const alarms::AlarmRules>(alarms::AlarmRules{parse("rms>1.0")});
    alarms::AlarmEvaluator ev("m", rules);
    std::vector<core::EventPtr> events;
    for (int t = 0; t < 60; ++t)
        ev.evaluate(second(t, 1.0 + 0.02 * std::sin(t * 1.7), 1.0, dsp::SeverityZone::A), events);
    CHECK_EQ(events.size(), std::size_t{1});
    CHECK(events[0]->state == "raised" && events[0]->metric == "rms" && events[0]->axis == 0);
    CHECK(events[0]->deviceId == "m" && events[0]->rule == "rms>1.0");
    for (int t = 60; t < 65; ++t)
        ev.evaluate(second(t, 0.5, 1.0, dsp::SeverityZone::A), events);
    CHECK_EQ(events.size(), std::size_t{2});
    CHECK(events[1]->state == "cleared" && events[1]->tNs == 60'000'000'000LL);
    // Without hysteresis the same hovering signal chatters: this is what the band prevents.
    alarms::AlarmEvaluator bare(
        "m", std::make_shared<const alarms::AlarmRules>(alarms::AlarmRules{parse("rms>1.0,hysteresis=0")}));
    std::vector<core::EventPtr> chatter;
    for (int t = 0; t < 60; ++t)
        bare.evaluate(second(t, 1.0 + 0.02 * std::sin(t * 1.7), 1.0, dsp::SeverityZone::A), chatter);
    CHECK(chatter.size() > 10);
}

void delayAndAxes() {
    auto rules = std::make_shared<const alarms::AlarmRules>(alarms::AlarmRules{parse("rms>1,delay=3")});
    alarms::AlarmEvaluator ev("m", rules);
    std::vector<core::EventPtr> events;
    // y exceeds for 3 s (not more than the delay): nothing; then for 4 s: raised on the 4th second.
    for (int t = 0; t < 3; ++t)
        ev.evaluate(second(t, 0.1, 1, dsp::SeverityZone::A, 2.0), events);
    ev.evaluate(second(3, 0.1, 1, dsp::SeverityZone::A, 0.1), events);
    CHECK(events.empty());
    for (int t = 4; t < 8; ++t)
        ev.evaluate(second(t, 0.1, 1, dsp::SeverityZone::A, 2.0), events);
    CHECK_EQ(events.size(), std::size_t{1});
    CHECK(events[0]->axis == 1 && events[0]->tNs == 7'000'000'000LL);
    CHECK(events[0]->detail.find("rms y") != std::string::npos);
}

void zoneAndUnknownValues() {
    auto rules = std::make_shared<const alarms::AlarmRules>(
        alarms::AlarmRules{parse("zone>=C"), parse("velocity>4.5")});
    alarms::AlarmEvaluator ev("m", rules);
    std::vector<core::EventPtr> events;
    ev.evaluate(second(0, 1, std::nan(""), dsp::SeverityZone::Unknown), events); // unknown: nothing
    CHECK(events.empty());
    ev.evaluate(second(1, 1, 7.0, dsp::SeverityZone::C), events);
    CHECK_EQ(events.size(), std::size_t{2});
    ev.evaluate(second(2, 1, 12.0, dsp::SeverityZone::D), events); // still active: no new event
    CHECK_EQ(events.size(), std::size_t{2});
    ev.evaluate(second(3, 1, 2.0, dsp::SeverityZone::B), events);
    CHECK_EQ(events.size(), std::size_t{4});
    int zoneEvents = 0;
    for (const auto& e : events)
        zoneEvents += e->metric == "zone";
    CHECK_EQ(zoneEvents, 2);
    CHECK_EQ(ev.activeCount(), std::size_t{0});
}

void rulesForOneDevice() {
    auto rules = std::make_shared<const alarms::AlarmRules>(alarms::AlarmRules{parse("rms>1,device=other")});
    alarms::AlarmEvaluator ev("m", rules);
    std::vector<core::EventPtr> events;
    ev.evaluate(second(0, 5, 1, dsp::SeverityZone::A), events);
    CHECK(events.empty());
}
} // namespace

int main() {
    int rc = 0;
    rc |= RUN(parsing);
    rc |= RUN(hysteresisPreventsChatter);
    rc |= RUN(delayAndAxes);
    rc |= RUN(zoneAndUnknownValues);
    rc |= RUN(rulesForOneDevice);
    return rc;
}
