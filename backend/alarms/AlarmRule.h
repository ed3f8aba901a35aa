#pragma once

#include "dsp/SeverityZone.h"

#include <optional>
#include <string>
#include <vector>

namespace vibra::alarms {

/// One alarm rule, evaluated on every completed second of every device (or of the devices it names).
///
/// Text form (CLI `--alarm`, config files): `METRIC OP VALUE[,hysteresis=H][,delay=S][,device=ID]`
///  - METRIC: rms | peak | crest | velocity | kurtosis (per axis; units as in the rollups: rms and peak in
///    the device's unit, velocity in mm/s, crest and kurtosis without unit), `band(F1-F2)` (per axis RMS of
///    the acceleration spectrum of the second between F1 and F2 Hz, in the device's unit; F2 is clamped to
///    0.45 x the sample rate like velocity, a band wholly above that is never evaluated), or `zone` with a
///    zone letter A..D;
///  - OP: `>` `>=` `<` `<=`;
///  - hysteresis: how far back past the threshold the value must go before the alarm clears (default 5 % of
///    the threshold's magnitude; zone: 0 zones);
///  - delay: seconds the condition must hold before the alarm is raised, and the clear condition before it
///    clears (default 0: the first second raises and the first clear second clears).
/// `--alarm-zone C` is the same as `zone>=C`.
///
/// A plain value object; parse() validates and explains what is wrong.
struct AlarmRule {
    enum class Metric { Rms, Peak, Crest, Velocity, Kurtosis, Zone, Band };
    enum class Op { Greater, GreaterEqual, Less, LessEqual };

    std::string text; ///< as given (normalised: no spaces), used as the rule's name in events
    Metric metric = Metric::Velocity;
    Op op = Op::Greater;
    double threshold = 0.0;  ///< zone: 0..3 for A..D
    double bandLowHz = 0.0;  ///< band: F1 (0 <= F1 < F2)
    double bandHighHz = 0.0; ///< band: F2
    double hysteresis = 0.0;
    int delaySeconds = 0;
    std::string device; ///< empty: every device

    /// Parses the text form; returns nullopt and sets *error (naming the problem) when invalid.
    static std::optional<AlarmRule> parse(const std::string& text, std::string* error);
    /// The zone rule for `--alarm-zone LETTER`.
    static std::optional<AlarmRule> zoneAtLeast(const std::string& letter, std::string* error);

    static const char* metricName(Metric m);
    static std::optional<Metric> metricFromName(const std::string& name);
    /// Unit of the metric's values for a device whose samples are in `deviceUnit` ("g", "m/s2").
    static std::string unitOf(Metric m, const std::string& deviceUnit);
    bool isZone() const { return metric == Metric::Zone; }
    /// The metric as shown in events: metricName(), or "band(F1-F2)" for a band rule.
    std::string metricText() const;
    bool isBand() const { return metric == Metric::Band; }
    /// True when value is past the threshold (the alarm condition).
    bool exceeds(double value) const;
    /// True when value is back past threshold -/+ hysteresis (the clear condition).
    bool clears(double value) const;
};

using AlarmRules = std::vector<AlarmRule>;

/// A frequency band [lowHz, highHz] a band rule reads.
struct Band {
    double lowHz = 0.0;
    double highHz = 0.0;
    friend bool operator==(const Band&, const Band&) = default;
};

/// The distinct bands of the band rules that apply to deviceId (rules without device= apply to all), in
/// order of first appearance: what the DSP must compute for that device.
std::vector<Band> bandsFor(const AlarmRules& rules, const std::string& deviceId);

} // namespace vibra::alarms
