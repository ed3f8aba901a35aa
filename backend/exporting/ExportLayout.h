#pragma once

#include "storage/Database.h"
#include "storage/RollupCursor.h"

#include <string>
#include <vector>

namespace vibra::exporting {

/// Column layout shared by every exporter (CSV and Parquet, rollups and raw): one set of columns per axis
/// position; axis names and unit shared when the exported devices agree, otherwise generic names (a0, a1,
/// ...) and values converted to m/s².
struct ExportLayout {
    int axes = 1;
    std::vector<std::string> axisNames;
    std::string unit = "g"; ///< "g" or "m/s2"
    bool convertedUnits = false;

    static ExportLayout of(const std::vector<storage::StoredDevice>& devices);
    /// Suffix for column names: "g" or "mps2".
    std::string columnUnit() const { return unit == "g" ? "g" : "mps2"; }
    /// Factor applied to a device's values (1, or 9.80665 for a device in g when the export is in m/s²).
    double scaleFor(const storage::StoredDevice& d) const;

    /// The devices named (all when empty), in database order; false with a message for an unknown name.
    static bool chooseDevices(storage::Database& db, const std::vector<std::string>& names,
                              std::vector<storage::StoredDevice>* out, std::string* error);
};

} // namespace vibra::exporting
