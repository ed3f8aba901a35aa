#include "service/TriggerSpec.h"

#include "storage/Retention.h"

#include <regex>
#include <sstream>

namespace vibra::service {

const char* TriggerSpec::kindName(Kind k) {
    switch (k) {
    case Kind::Alarm:
        return "alarm";
    case Kind::Schedule:
        return "schedule";
    case Kind::External:
        return "external";
    }
    return "?";
}

std::optional<TriggerSpec> TriggerSpec::parse(const std::string& text, std::string* error) {
    TriggerSpec t;
    bool external = false;
    std::stringstream ss(text);
    std::string item;
    auto duration = [&](const std::string& key, const std::string& v, std::int64_t* out) {
        const auto d = storage::Retention::parseDuration(v);
        if (!d && v != "0" && v != "0s") {
            *error = "trigger '" + text + "': " + key + " must be a duration like 500ms, 2s or 10min, got '" +
                     v + "'";
            return false;
        }
        *out = d ? *d : 0;
        return true;
    };
    while (std::getline(ss, item, ';')) {
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string value = eq == std::string::npos ? std::string() : item.substr(eq + 1);
        if (key == "name")
            t.name = value;
        else if (key == "device")
            t.device = value;
        else if (key == "when")
            t.when = value;
        else if (key == "external" && eq == std::string::npos)
            external = true;
        else if (key == "pre") {
            if (!duration(key, value, &t.preNs))
                return std::nullopt;
        } else if (key == "post") {
            if (!duration(key, value, &t.postNs))
                return std::nullopt;
        } else if (key == "holdoff") {
            if (!duration(key, value, &t.holdoffNs))
                return std::nullopt;
        } else if (key == "every") {
            if (!duration(key, value, &t.everyNs))
                return std::nullopt;
        } else if (key == "duration") {
            if (!duration(key, value, &t.durationNs))
                return std::nullopt;
        } else if (key == "upload") {
            t.upload = value;
        } else if (key == "period") {
            if (!duration(key, value, &t.uploadPeriodNs))
                return std::nullopt;
        } else if (key == "max") {
            if (!duration(key, value, &t.maxWindowNs))
                return std::nullopt;
        } else {
            *error =
                "trigger '" + text + "': unknown key '" + key +
                "' (name, device, when, every, duration, external, pre, post, holdoff, max, upload, period)";
            return std::nullopt;
        }
    }
    static const std::regex nameRe("^[A-Za-z0-9_-]{1,64}$");
    if (!std::regex_match(t.name, nameRe)) {
        *error = "trigger '" + text + "': name= must be 1-64 letters, digits, - or _";
        return std::nullopt;
    }
    if (t.device.empty()) {
        *error = "trigger '" + t.name + "': device= is required";
        return std::nullopt;
    }
    const int kinds = (t.when.empty() ? 0 : 1) + (t.everyNs > 0 ? 1 : 0) + (external ? 1 : 0);
    if (kinds != 1) {
        *error = "trigger '" + t.name +
                 "': give exactly one of when=RULE, every=DURATION (with duration=) or external";
        return std::nullopt;
    }
    t.kind = !t.when.empty() ? Kind::Alarm : t.everyNs > 0 ? Kind::Schedule : Kind::External;
    if (t.preNs < 0 || t.preNs > kMaxPreNs) {
        *error = "trigger '" + t.name + "': pre= must be at most 60s (it is held in memory)";
        return std::nullopt;
    }
    if (t.kind == Kind::Schedule && (t.durationNs <= 0 || t.durationNs > t.everyNs)) {
        *error = "trigger '" + t.name + "': duration= must be > 0 and at most every=";
        return std::nullopt;
    }
    if ((!t.upload.empty() || text.find("period=") != std::string::npos) && t.kind != Kind::External) {
        *error = "trigger '" + t.name + "': upload= and period= go with external";
        return std::nullopt;
    }
    if (t.uploadPeriodNs < 1'000'000'000) {
        *error = "trigger '" + t.name + "': period= must be at least 1s";
        return std::nullopt;
    }
    if (t.kind == Kind::Alarm && t.preNs + t.postNs <= 0) {
        *error = "trigger '" + t.name + "': an alarm trigger needs pre= and/or post=";
        return std::nullopt;
    }
    return t;
}

} // namespace vibra::service
