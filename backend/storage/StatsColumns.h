#pragma once

#include "storage/RollupStats.h"
#include "storage/Statement.h"

#include <initializer_list>
#include <string>
#include <string_view>

namespace vibra::storage {

/// The one way to name, bind and read the statistics columns of a bucket. rollup_1s, rollup_1m, rollup_1h and
/// device_latest (schema >= 5) all carry them, in this order:
///
///     n, min, max, mean, rms, peak, crest, kurtosis, velocity_rms, zone, gaps
///
/// velocity_rms and zone are NULL when unknown (std::nullopt in RollupStats). Used by the writer
/// (RollupStore), HistoryQuery, RollupCursor and, through RollupCursor's rows, the exporters.
///
/// Stateless; the statement belongs to the caller's thread.
class StatsColumns {
public:
    static constexpr int kCount = 11;

    /// The column names separated by ", ", each prefixed with "alias." when alias is not empty.
    static std::string list(std::string_view alias = {});
    /// kCount "?" separated by ",".
    static std::string placeholders();
    /// "n=from.n, min=from.min, ..." (an upsert's SET from `excluded`, say), skipping the names in `except`.
    static std::string assignments(std::string_view from,
                                   std::initializer_list<std::string_view> except = {});
    /// Binds s to the parameters first .. first + kCount - 1 (1-based, in column order).
    static void bind(Statement& st, int first, const RollupStats& s);
    /// Reads the columns first .. first + kCount - 1 (0-based) of the current row. A stored velocity gets
    /// velocityN = n (its merge weight).
    static RollupStats read(const Statement& st, int first);
};

} // namespace vibra::storage
