#!/bin/sh
# Writes the oracle file set with our ParquetWriter, then reads it back with DuckDB and hyparquet.
# Usage: run_oracle.sh PATH/TO/parquet_oracle_gen OUTDIR
set -eu
gen="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "FAIL: node is not installed; the Parquet oracle test needs it (scripts/install-deps --test)" >&2
  exit 1
fi
if [ ! -d "$here/../tools/node_modules" ]; then
  echo "FAIL: $here/../tools/node_modules is missing; run: npm ci --prefix tests/tools  (or: make test-deps)" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
"$gen" "$out"
node "$here/check_parquet.mjs" "$out"
