#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vibra::service {

/// One triggered-recording rule (docs/service.md, "Triggered recording"): when it fires for its device, the
/// raw samples of a window around that moment are stored once as a Parquet file
/// DIR/NAME/DEVICE/DEVICE_<window start ns>.parquet.
///  - Alarm: `when` is an engine alarm rule (METRIC>VALUE[,hysteresis=H][,delay=S] or zone>=C); the window
///    is [T - pre, T + post) around the second T that raised it. Re-armed when the alarm clears
///    (hysteresis) and holdoff has passed since the end of the previous window.
///  - Schedule: every `every` (aligned to UTC) for `duration`: window [k*every, k*every + duration).
///  - External: POST /api/triggers/NAME/on and /off: window [on - pre, off + post); with upload=DEST,
///    while ON the device's latest state is uploaded once per period= (TriggerUploader).
/// Plain value; any thread.
struct TriggerSpec {
    enum class Kind { Alarm, Schedule, External };
    std::string name;
    Kind kind = Kind::External;
    std::string device;
    std::string when; ///< Alarm only
    std::int64_t preNs = 0;
    std::int64_t postNs = 0;
    std::int64_t holdoffNs = 0;
    std::int64_t everyNs = 0;                   ///< Schedule
    std::int64_t durationNs = 0;                ///< Schedule
    std::int64_t maxWindowNs = 600'000'000'000; ///< External: a window still open this long is closed
    std::string upload; ///< External: while ON, the latest state goes here (dir or URL)
    std::int64_t uploadPeriodNs = 10'000'000'000; ///< ... every this long, aligned to UTC

    static constexpr std::int64_t kMaxPreNs = 60'000'000'000;
    /// "name=hi;device=bearing;when=rms>0.5,hysteresis=0.1;pre=1s;post=2s;holdoff=10s",
    /// "name=p;device=a;every=10min;duration=30s", "name=m;device=a;external;pre=1s;post=1s",
    /// "name=u;device=a;external;upload=http://host/path;period=10s".
    static std::optional<TriggerSpec> parse(const std::string& text, std::string* error);
    static const char* kindName(Kind k);
};

} // namespace vibra::service
