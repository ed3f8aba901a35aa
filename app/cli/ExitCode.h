#pragma once

namespace vibra::cli {

/// Process exit codes of every command.
enum ExitCode : int {
    kExitOk = 0,         ///< success
    kExitFailure = 1,    ///< runtime failure (I/O, database, device)
    kExitUsage = 2,      ///< bad arguments or configuration
    kExitUnbalanced = 3, ///< query compare: edge and centre do not balance (lost, missing or in flight)
};

} // namespace vibra::cli
