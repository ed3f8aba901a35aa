#pragma once

#include "core/Unit.h"

#include <string>
#include <vector>

namespace vibra::core {

/// Immutable description of one device stream. Shared (as shared_ptr<const DeviceInfo>) by every block
/// of the stream; a change of rate or axes starts a new stream with a new DeviceInfo.
struct DeviceInfo {
    std::string id;                     ///< unique device name, e.g. "a" for sim://a
    std::string sourceUri;              ///< the URI the device was opened with
    double sampleRate = 0.0;            ///< Hz, from the device or configuration, never from arrival times
    std::vector<std::string> axisNames; ///< 1..3 names, e.g. {"x","y","z"}
    Unit unit = Unit::G;
    /// Relayed streams only (a Redis consumer): the upstream session. Raw blocks of such a stream are unique
    /// by (device, origin, sequence) in the database (storage::RelayLedger), so a re-delivered block is
    /// stored once. Empty for local sources.
    std::string origin;

    int axisCount() const { return static_cast<int>(axisNames.size()); }
};

} // namespace vibra::core
