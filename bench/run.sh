#!/usr/bin/env bash
# Benchmark: `nianbao run` against the floor (calamine/csv alone reading every cell) on the
# same synthetic counties, in one run. Speed is measured here, never asserted in a test.
#
#   bench/run.sh              # 1,000 and 10,000 units
#   bench/run.sh 2000 50000   # other sizes
#   BENCH_FULL=1 bench/run.sh # adds 100,000 units (about 5 minutes to generate, 3 GB of disk)
#
# Counties are generated once into $BENCH_DIR (default /tmp/nianbao-bench) and reused. Each
# figure is the best of three runs, after a warm-up run, with the page cache warm. Figures go
# to bench/results.csv; peak memory is the maximum resident set size from /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin nianbao --example floor
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
[ "${BENCH_FULL:-}" = 1 ] && sizes+=(100000)
work=${BENCH_DIR:-/tmp/nianbao-bench}
results=bench/results.csv
nianbao=target/release/nianbao
floor=target/release/examples/floor

# Best of three: the least wall time and its peak memory, as "seconds kilobytes".
best_of_three() {
  local best="" line stats
  stats=$(mktemp)
  "$@" > /dev/null 2>&1 || true
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$stats" "$@" > /dev/null 2>&1
    line=$(tail -n 1 "$stats")
    if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then
      best=$line
    fi
  done
  rm -f "$stats"
  echo "$best"
}

echo "units,files,floor_s,floor_files_per_s,floor_peak_mb,run_s,run_files_per_s,run_peak_mb,run_over_floor" > "$results"
for n in "${sizes[@]}"; do
  dir=$work/$n
  if [ ! -f "$dir/config/units.csv" ]; then
    echo "generating $n units in $dir …" >&2
    "$nianbao" demo --units "$n" --out "$dir" > /dev/null
  fi
  files=$(find "$dir/inputs" -type f | wc -l)
  read -r floor_s floor_kb <<< "$(best_of_three "$floor" "$dir/inputs")"
  read -r run_s run_kb <<< "$(best_of_three "$nianbao" run --inputs "$dir/inputs" --config "$dir/config" --out "$dir/out")"
  awk -v n="$n" -v f="$files" -v fs="$floor_s" -v fk="$floor_kb" -v rs="$run_s" -v rk="$run_kb" 'BEGIN {
    printf "%d,%d,%.2f,%.0f,%.0f,%.2f,%.0f,%.0f,%.2f\n", n, f, fs, f / fs, fk / 1024, rs, f / rs, rk / 1024, rs / fs
  }' >> "$results"
done
column -t -s, "$results"
