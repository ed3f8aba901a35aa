#pragma once

namespace vibra::cli {

/// Process exit codes of every command.
enum ExitCode : int {
    kExitOk = 0,      ///< success
    kExitFailure = 1, ///< runtime failure (I/O, database, device)
    kExitUsage = 2,   ///< bad arguments or configuration
};

} // namespace vibra::cli
