#pragma once

#include "storage/RollupLevel.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vibra::exporting {

/// What to export from a history database.
struct ExportRequest {
    std::string dbPath;
    std::string outPath;
    std::vector<std::string> devices;   ///< empty = all
    std::optional<std::int64_t> fromNs; ///< inclusive, UTC ns (bucket start; raw: sample time)
    std::optional<std::int64_t> toNs;   ///< exclusive
    bool epochNs = false;               ///< time column as epoch ns instead of ISO-8601
    storage::RollupLevel level = storage::RollupLevel::Second; ///< raw samples or a rollup level
};

struct ExportStats {
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0;
    std::string unit;            ///< unit of the value columns
    bool convertedUnits = false; ///< devices had mixed units, everything was converted to m/s²
    std::string note;            ///< how the database was opened, when the user should know (Database::note)
};

} // namespace vibra::exporting
