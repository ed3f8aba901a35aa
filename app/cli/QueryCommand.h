#pragma once

#include "cli/CommandContext.h"

namespace vibra::cli {

/// `vibrascope query latest|range|asof`: reads a history database through storage::HistoryQuery and prints
/// a table (default) or JSON (--json) on stdout.
int runQuery(const CommandContext& ctx);

} // namespace vibra::cli
