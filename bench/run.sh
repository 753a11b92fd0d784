#!/usr/bin/env bash
# Benchmark: `nianbao run` against the floor (calamine/csv alone reading every cell) on the
# same synthetic counties, in one run. Speed is measured here, never asserted in a test.
#
#   bench/run.sh              # 1,000 and 10,000 units
#   bench/run.sh 2000 50000   # other sizes
#   BENCH_FULL=1 bench/run.sh # adds 100,000 units (about 5 minutes to generate, 3 GB of disk)
#
# Counties are generated once into $BENCH_DIR (default /tmp/nianbao-bench) and reused. Each
# figure is the best of three runs, after a warm-up run, with the page cache warm: wall time
# from the clock, peak memory (maximum resident set size) from /usr/bin/time. The runs are
# reruns into the same --out, as the office reruns after a correction; `first_run_s` is one
# run into an empty --out, which writes every page (the folders these make are removed only
# at the end: creating files right after deleting many is slow on ext4, and would be timed).
# Figures go to $BENCH_DIR/results.csv; a command that fails stops the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin nianbao --example floor
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
[ "${BENCH_FULL:-}" = 1 ] && sizes+=(100000)
work=${BENCH_DIR:-/tmp/nianbao-bench}
mkdir -p "$work"
results=$work/results.csv
nianbao=target/release/nianbao
floor=target/release/examples/floor

# One timed run, as "seconds kilobytes".
timed_once() {
  local start end stats kb
  stats=$(mktemp)
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$stats" "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  kb=$(tail -n 1 "$stats")
  rm -f "$stats"
  awk -v a="$start" -v b="$end" -v k="$kb" 'BEGIN { printf "%.3f %s\n", b - a, k }'
}

# Best of three after a warm-up run: the least wall time and its peak memory, as
# "seconds kilobytes".
best_of_three() {
  local best="" this
  "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  for _ in 1 2 3; do
    this=$(timed_once "$@") || exit 1
    if [ -z "$best" ] || awk -v a="${this% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then
      best=$this
    fi
  done
  echo "$best"
}

first_outs=()
echo "units,files,floor_s,floor_files_per_s,floor_peak_mb,run_s,run_files_per_s,run_peak_mb,run_over_floor,first_run_s" > "$results"
for n in "${sizes[@]}"; do
  dir=$work/$n
  if [ ! -f "$dir/config/units.csv" ]; then
    echo "generating $n units in $dir …" >&2
    "$nianbao" demo --units "$n" --out "$dir" > /dev/null
  fi
  files=$(find "$dir/inputs" -type f | wc -l)
  first_out=$(mktemp -d "$dir/first-out.XXXX")
  first_outs+=("$first_out")
  first=$(timed_once "$nianbao" run --inputs "$dir/inputs" --config "$dir/config" --out "$first_out") || exit 1
  floor_best=$(best_of_three "$floor" "$dir/inputs") || exit 1
  run_best=$(best_of_three "$nianbao" run --inputs "$dir/inputs" --config "$dir/config" --out "$dir/out") || exit 1
  read -r floor_s floor_kb <<< "$floor_best"
  read -r run_s run_kb <<< "$run_best"
  awk -v n="$n" -v f="$files" -v fs="$floor_s" -v fk="$floor_kb" -v rs="$run_s" -v rk="$run_kb" -v first="${first% *}" 'BEGIN {
    if (fs <= 0) fs = 0.001
    printf "%d,%d,%.3f,%.0f,%.0f,%.3f,%.0f,%.0f,%.2f,%.3f\n", n, f, fs, f / fs, fk / 1024, rs, f / rs, rk / 1024, rs / fs, first
  }' >> "$results"
done
rm -rf "${first_outs[@]}"
column -t -s, "$results"
