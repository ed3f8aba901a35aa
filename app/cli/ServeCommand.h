#pragma once

#include "cli/CommandContext.h"

namespace vibra::cli {

/// `vibrascope serve [--config FILE] [record options] [--http HOST:PORT] [--token T] [--read-token T]`:
/// everything `record` does plus an HTTP API on one port (REST, Prometheus /metrics, WebSocket /ingest
/// and /stream), triggered recording, webhooks, SIGHUP reload and systemd notification. docs/service.md.
/// `vibrascope serve --check-config FILE` validates a configuration file and exits 0 or 2.
int runServe(const CommandContext& ctx);

} // namespace vibra::cli
