#pragma once

#include "cli/CommandContext.h"

namespace vibra::cli {

/// `vibrascope record --source URI [--source URI ...] --db FILE [--duration S] [--durable]`:
/// headless recording (QCoreApplication only, no display needed). Writes 1-second rollups and the
/// session's per-device accounting to SQLite, prints a status line per second on stderr, and stops on
/// --duration, when every finite source has finished, or on SIGINT/SIGTERM, with everything flushed.
int runRecord(const CommandContext& ctx);

} // namespace vibra::cli
