#pragma once

#include "pipeline/DeviceSnapshot.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace vibra::alarms {

/// Oscilloscope-style trigger on the raw-sample window of successive snapshots: finds the first sample
/// where one axis crosses a level with the chosen slope (rising: previous < level <= sample; falling:
/// previous > level >= sample) and, once enough samples after it have arrived, captures a frame of
/// `frameSamples` samples of every axis with `preSamples` of them before the trigger sample.
/// Normal mode re-arms after each capture (searching after the captured frame); single mode stops.
/// The raw window must hold at least frameSamples + the samples that arrive between two snapshots
/// (the dashboard requests twice the display window while triggering).
///
/// Threads: GUI thread only. Pure logic, no Qt widgets.
class TriggerDetector {
public:
    struct Settings {
        int axis = 0;
        double level = 0.0;
        bool rising = true;
        std::uint32_t frameSamples = 16000;
        std::uint32_t preSamples = 4000;
        bool single = false;
    };
    struct Capture {
        std::vector<std::vector<float>> samples; ///< per axis, frameSamples each
        std::uint64_t triggerIndex = 0;          ///< processed-sample index of the trigger sample
        std::uint32_t preSamples = 0;            ///< samples before the trigger sample in the frame
        std::int64_t triggerTimeNs = 0;
    };

    void setSettings(const Settings& s);
    const Settings& settings() const { return m_settings; }
    /// Starts searching again from the newest data (also after a single capture).
    void arm();
    bool isArmed() const { return m_armed; }
    /// Looks at a new snapshot; returns a frame when a trigger completed.
    std::optional<Capture> feed(const pipeline::DeviceSnapshot& s);
    std::uint64_t captures() const { return m_captures; }

private:
    Settings m_settings;
    bool m_armed = true;
    bool m_started = false;
    std::uint64_t m_searchFrom = 0;         ///< next processed index to test as a trigger sample
    std::optional<std::uint64_t> m_pending; ///< trigger found, waiting for post-trigger samples
    std::uint64_t m_captures = 0;
};

} // namespace vibra::alarms
