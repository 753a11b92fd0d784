#!/usr/bin/env bash
# Fuzzes one target for a number of seconds (default 600) at the lowest priority, and keeps
# going after a crash: every crash, out-of-memory and timeout is saved under
# artifacts/TARGET/ and fuzzing goes on. New inputs go to work/TARGET/ (not committed);
# corpus/TARGET/ holds the committed seeds.
#   fuzz/run.sh xls 3600
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?target: xlsx, xls, csv, long_csv, xlsx_parts, docx, html, text or pdf}
seconds=${2:-600}
bin=target/x86_64-unknown-linux-gnu/release/$target
[ -x "$bin" ] || ./build.sh
mkdir -p "work/$target" "artifacts/$target"
exec nice -n 19 "$bin" "work/$target" "corpus/$target" \
  -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="artifacts/$target/" -print_final_stats=1
