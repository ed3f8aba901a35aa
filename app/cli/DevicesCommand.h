#pragma once

#include "cli/CommandContext.h"

namespace vibra::cli {

/// `vibrascope devices [--json]`: serial ports present now, with USB vendor/product ids and the URI to use.
int runDevices(const CommandContext& ctx);

} // namespace vibra::cli
