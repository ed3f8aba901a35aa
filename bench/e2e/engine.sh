#!/usr/bin/env bash
# The engine benchmark of docs/performance.md ("Engine: devices over WebSocket into the recorder"):
# vibra-loadgen (a separate process) -> `vibrascope record --listen` -> DSP pool -> SQLite rollups, also with
# --raw and with --parquet; for each configuration the largest N of 16 kHz tri-axial devices held for DURATION
# seconds with zero loss, the recorder's CPU per device, its peak RSS and the ratio to the floor measured in the
# same run (the same loadgen against vibra-bare-server, which only validates, acknowledges and discards).
# rollups-1t is the same recorder with one ingest thread (before sharding), measured right after it.
# Usage: bench/e2e/engine.sh [BUILD_DIR] [DURATION]     (default build/dev, 60 s; results in BUILD_DIR/engine-bench.jsonl)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/dev}
duration=${2:-60}
out="$build/engine-bench.jsonl"
: >"$out"
rec="{build}/app/vibrascope record -q --listen {listen} --token {token} --db {tmp}/rec.db --max-devices 2000"
python3 bench/e2e/run.py --build "$build" --duration "$duration" --json "$out" \
  --devices 256,512,768,1000,1200 --target "rollups:$rec" --target "rollups-1t:$rec --ingest-threads 1"
python3 bench/e2e/run.py --build "$build" --duration "$duration" --json "$out" \
  --devices 128,256,384,512 --target "raw:$rec --raw"
python3 bench/e2e/run.py --build "$build" --duration "$duration" --json "$out" \
  --devices 128,256,384,512 --target "parquet:$rec --parquet {tmp}/pq"
echo "results: $out"
