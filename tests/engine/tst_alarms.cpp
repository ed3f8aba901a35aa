// Alarm rules: parsing (and clear errors), evaluation with hysteresis (a value hovering at the threshold
// raises once, not every second), delay, per-axis and zone rules, unknown values ignored; band-RMS rules
// end to end through the DSP processor against the analytic RMS of a sine (A / sqrt 2).
#include "Check.h"

#include "alarms/AlarmEvaluator.h"
#include "alarms/AlarmRule.h"
#include "pipeline/DspProcessor.h"

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

void bandParsing() {
    const auto r = parse("band( 2000 - 5000 ) > 0.5");
    CHECK(r.isBand() && r.bandLowHz == 2000.0 && r.bandHighHz == 5000.0 && r.threshold == 0.5);
    CHECK(r.text == "band(2000-5000)>0.5");
    CHECK(std::abs(r.hysteresis - 0.025) < 1e-12);
    CHECK(r.metricText() == "band(2000-5000)");
    const auto again = parse(r.text); // the text form round-trips
    CHECK(again.text == r.text && again.bandLowHz == r.bandLowHz && again.bandHighHz == r.bandHighHz &&
          again.op == r.op && again.threshold == r.threshold);
    const auto low = parse("band(0-12.5)<=0.01,delay=2,device=pump");
    CHECK(low.bandLowHz == 0.0 && low.bandHighHz == 12.5 && low.op == alarms::AlarmRule::Op::LessEqual &&
          low.delaySeconds == 2 && low.device == "pump");
    CHECK(parseError("band(5000-2000)>1").find("0 <= F1 < F2") != std::string::npos);
    CHECK(parseError("band(2000-2000)>1").find("0 <= F1 < F2") != std::string::npos);
    CHECK(parseError("band(-5-10)>1").find("0 <= F1 < F2") != std::string::npos);
    CHECK(parseError("band(2000)>1").find("expected band(F1-F2)") != std::string::npos);
    CHECK(parseError("band(a-b)>1").find("expected band(F1-F2)") != std::string::npos);
    CHECK(parseError("band>1").find("expected band(F1-F2)") != std::string::npos);
    CHECK(parseError("band(10-20>1").find("expected band(F1-F2)") != std::string::npos);
    CHECK(parseError("band(10-20)>x").find("expected a number") != std::string::npos);
    CHECK(parseError("bandx>1").find("expected band(F1-F2)") != std::string::npos);
    // The distinct bands a device needs: duplicates once, rules of other devices left out.
    const alarms::AlarmRules rules{parse("band(10-20)>1"), parse("band(10-20)<0.1"), parse("rms>1"),
                                   parse("band(30-40)>1,device=other"), parse("band(50-60)>1,device=m")};
    const auto bands = alarms::bandsFor(rules, "m");
    CHECK_EQ(bands.size(), std::size_t{2});
    CHECK(bands.size() == 2 && bands[0] == (alarms::Band{10, 20}) && bands[1] == (alarms::Band{50, 60}));
}

// Three UTC seconds of a 16 kHz two-axis device through the DSP processor: x a sine of amplitude amp at fx,
// y one at fy.
std::vector<pipeline::RollupRecordPtr> dspSeconds(const std::vector<std::pair<double, double>>& bands,
                                                  double amp, double fx, double fy) {
    constexpr double kRate = 16000;
    auto dev = std::make_shared<core::DeviceInfo>();
    dev->id = "m";
    dev->sampleRate = kRate;
    dev->axisNames = {"x", "y"};
    pipeline::DspProcessor proc(pipeline::DspSettings{});
    proc.setBands(bands);
    constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;
    constexpr std::uint32_t kBlock = 1600;
    for (std::uint64_t first = 0; first < 3 * 16000; first += kBlock) {
        auto b = std::make_shared<core::SampleBlock>();
        b->device = dev;
        b->firstSample = first;
        b->count = kBlock;
        b->startTimeNs =
            kT0 + static_cast<std::int64_t>(std::llround(static_cast<double>(first) * 1e9 / kRate));
        b->data.resize(2 * std::size_t{kBlock});
        for (std::uint32_t i = 0; i < kBlock; ++i) {
            const double t = static_cast<double>(first + i) / kRate;
            b->data[i] = static_cast<float>(amp * std::sin(2 * M_PI * fx * t));
            b->data[kBlock + i] = static_cast<float>(amp * std::sin(2 * M_PI * fy * t));
        }
        proc.process(*b);
    }
    proc.flush();
    return proc.completed();
}

void bandRmsOfASine() {
    const double amp = 0.8, rmsRef = amp / std::sqrt(2.0);
    // Nothing asked for: nothing computed.
    for (const auto& rec : dspSeconds({}, amp, 3000, 500))
        CHECK(rec->bandRms.empty());
    const auto secs = dspSeconds({{2000, 5000}, {7500, 9000}, {6000, 20000}}, amp, 3000, 500);
    CHECK_EQ(secs.size(), std::size_t{3});
    for (const auto& rec : secs) {
        CHECK_EQ(rec->bandRms.size(), std::size_t{3});
        if (rec->bandRms.size() != 3)
            return;
        const auto& in = rec->bandRms[0];
        CHECK(in.lowHz == 2000 && in.highHz == 5000 && in.perAxis.size() == 2);
        CHECK(std::abs(in.perAxis[0] / rmsRef - 1.0) < 0.01); // 3 kHz tone inside: A / sqrt 2 within 1 %
        CHECK(in.perAxis[1] < 0.01 * rmsRef);                 // 500 Hz tone outside: leakage only
        CHECK(std::isnan(rec->bandRms[1].perAxis[0]));        // wholly above 0.45 x 16 kHz = 7.2 kHz
        CHECK(std::isfinite(rec->bandRms[2].perAxis[0]) && rec->bandRms[2].perAxis[0] < 0.01 * rmsRef);
    }
    auto evaluate = [&](const std::string& text) {
        alarms::AlarmEvaluator ev(
            "m", std::make_shared<const alarms::AlarmRules>(alarms::AlarmRules{parse(text)}));
        std::vector<core::EventPtr> events;
        for (const auto& rec : secs)
            ev.evaluate(*rec, events);
        return events;
    };
    char rule[64];
    std::snprintf(rule, sizeof rule, "band(2000-5000)>%.6f", 0.9 * rmsRef);
    const auto raised = evaluate(rule);
    CHECK_EQ(raised.size(), std::size_t{1}); // x only, once
    if (!raised.empty()) {
        CHECK(raised[0]->state == "raised" && raised[0]->axis == 0 && raised[0]->metric == "band(2000-5000)");
        CHECK(std::abs(raised[0]->value / rmsRef - 1.0) < 0.01);
        CHECK(raised[0]->detail.find("band(2000-5000) x") != std::string::npos);
    }
    std::snprintf(rule, sizeof rule, "band(2000-5000)>%.6f", 1.1 * rmsRef);
    CHECK(evaluate(rule).empty());
    CHECK(evaluate("band(7500-9000)>=0").empty()); // never evaluated
    // A band the processor was not asked for is unknown, not zero: a '<' rule does not fire on it.
    CHECK(evaluate("band(100-200)<1").empty());
    // The 500 Hz tone on y is in 100-1000 Hz: asked for, it raises on y only.
    const auto y = dspSeconds({{100, 1000}}, amp, 3000, 500);
    alarms::AlarmEvaluator ev(
        "m", std::make_shared<const alarms::AlarmRules>(alarms::AlarmRules{parse("band(100-1000)>0.5")}));
    std::vector<core::EventPtr> events;
    for (const auto& rec : y)
        ev.evaluate(*rec, events);
    CHECK(events.size() == 1 && events[0]->axis == 1);
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
    rc |= RUN(bandParsing);
    rc |= RUN(bandRmsOfASine);
    rc |= RUN(hysteresisPreventsChatter);
    rc |= RUN(delayAndAxes);
    rc |= RUN(zoneAndUnknownValues);
    rc |= RUN(rulesForOneDevice);
    return rc;
}
