#pragma once

#include "cli/CommandContext.h"

class QCommandLineParser;

namespace vibra::cli {

/// `vibrascope query compare --edge E.db --central C.db [--from T] [--to T] [--device ID] [--json]`: the
/// edge-vs-centre report of Redis relaying (storage::RelayComparison), one row per edge session and device.
/// Exit code 0 when every row balances, kExitUnbalanced (3) when any row is lost, missing or in flight,
/// 1 when a database cannot be read, 2 on bad arguments.
int runCompare(const CommandContext& ctx, const QCommandLineParser& p);

} // namespace vibra::cli
