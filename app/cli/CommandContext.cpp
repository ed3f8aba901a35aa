#include "cli/CommandContext.h"

#include "cli/ExitCode.h"

namespace vibra::cli {

int usageError(const CommandContext& ctx, const QString& command, const QString& message) {
    *ctx.err << "vibrascope " << command << ": " << message << "\n"
             << "Try 'vibrascope " << command << " --help'.\n";
    ctx.err->flush();
    return kExitUsage;
}

} // namespace vibra::cli
