#!/usr/bin/env bash
# Memory budget check on the real binaries: RSS sampled once a second.
#   - headless recorder with 64 simulated 16 kHz tri-axial devices (budget 200 MB, flat over time)
#   - dashboard with 4 such devices under Xvfb (budget 300 MB, flat over time)
# Usage: bench/pipeline/memory_check.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=${1:?build dir}
secs=${2:-30}
bin="$build/app/vibrascope"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sample() { # pid seconds label
  local pid=$1 n=$2 label=$3 first="" last="" max=0
  for ((i = 1; i <= n; i++)); do
    sleep 1
    kill -0 "$pid" 2>/dev/null || break
    rss=$(awk '/^VmRSS/ {print $2}' /proc/"$pid"/status)
    [ -z "$first" ] && [ "$i" -ge 5 ] && first=$rss
    last=$rss
    ((rss > max)) && max=$rss
  done
  awk -v l="$label" -v a="${first:-0}" -v b="${last:-0}" -v m="$max" -v n="$n" \
    'BEGIN { printf "%s: RSS after 5 s %.1f MB, at the end %.1f MB, peak %.1f MB over %d s\n", l, a/1024, b/1024, m/1024, n }'
}

srcs=()
for i in $(seq 1 64); do srcs+=(--source "sim://d$i?seed=$i"); done
"$bin" record "${srcs[@]}" --db "$tmp/mem.db" --quiet 2>"$tmp/rec.log" &
rec=$!
sample $rec "$secs" "recorder, 64 devices"
kill -TERM $rec; wait $rec || true
tail -n 3 "$tmp/rec.log" | head -n 2

if command -v xvfb-run >/dev/null; then
  xvfb-run -a -s "-screen 0 1400x900x24" "$bin" --source sim://a --source sim://b --source 'sim://c?profile=bearing' \
    --source 'sim://d?profile=sine' 2>/dev/null &
  sleep 2
  gui=$(pgrep -n -f "$bin --source sim://a" || true)
  if [ -n "$gui" ]; then
    sample "$gui" "$secs" "dashboard, 4 devices"
    kill -TERM "$gui" 2>/dev/null || true
  fi
  wait || true
fi
