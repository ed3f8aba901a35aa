#pragma once

#include "cli/CommandContext.h"

namespace vibra::cli {

/// `vibrascope export --db FILE --out FILE [--format csv|parquet] [--compression zstd|snappy|none] [--device
/// ID]... [--from T] [--to T] [--epoch-ns]`
int runExport(const CommandContext& ctx);

} // namespace vibra::cli
