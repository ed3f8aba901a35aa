#pragma once

#include "LoadDevice.h"
#include "LoadOptions.h"

#include <string>
#include <vector>

namespace vibra::loadgen {

/// Process-level numbers measured around the run.
struct RunInfo {
    double wallS = 0.0;
    double cpuUserS = 0.0;
    double cpuSysS = 0.0;
    int threadsMax = 0; ///< highest thread count of the process seen during the run
    std::string fatal;  ///< empty unless the run ended on a connection failure
};

/// The JSON summary: {"config":{...},"devices":[one line per device],"total":{...}}.
class Summary {
public:
    Summary(const LoadOptions& opt, std::vector<std::pair<std::string, DeviceStats>> devices, RunInfo run);

    /// Whole document (one device per line).
    std::string document() const;
    /// {"total":{...}} on one line.
    std::string totalLine() const;
    /// Every sample acknowledged and no sign of stale server state.
    bool ok() const { return m_ok; }

    static std::string escape(const std::string& s);

private:
    std::string configJson() const;
    std::string deviceJson(const std::string& name, const DeviceStats& s) const;
    std::string totalJson() const;

    const LoadOptions& m_opt;
    std::vector<std::pair<std::string, DeviceStats>> m_devices;
    RunInfo m_run;
    bool m_ok = false;
};

} // namespace vibra::loadgen
