// libFuzzer target for the alarm rule parser (CLI --alarm, config alarms, trigger when=): any text either
// parses or explains why not; an accepted rule's text form parses again to the same rule (round trip), and a
// band rule always has 0 <= F1 < F2, both finite.
#include "alarms/AlarmRule.h"

#include <cmath>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error;
    const auto rule = vibra::alarms::AlarmRule::parse(text, &error);
    if (!rule) {
        if (error.empty())
            std::abort();
        return 0;
    }
    if (rule->isBand() &&
        !(std::isfinite(rule->bandHighHz) && rule->bandLowHz >= 0 && rule->bandLowHz < rule->bandHighHz))
        std::abort();
    std::string again;
    const auto round = vibra::alarms::AlarmRule::parse(rule->text, &again);
    if (!round || round->text != rule->text || round->metric != rule->metric || round->op != rule->op ||
        round->threshold != rule->threshold || round->hysteresis != rule->hysteresis ||
        round->bandLowHz != rule->bandLowHz || round->bandHighHz != rule->bandHighHz ||
        round->delaySeconds != rule->delaySeconds || round->device != rule->device)
        std::abort();
    (void)rule->metricText();
    return 0;
}
