#!/usr/bin/env bash
# Benchmark: `nianbao run` against the floor (calamine/csv alone reading every cell) on the
# same synthetic counties, in one run. Speed is measured here, never asserted in a test.
#
#   bench/run.sh              # 1,000 and 10,000 units
#   bench/run.sh 2000 50000   # other sizes
#   BENCH_FULL=1 bench/run.sh # adds 100,000 units (about 5 minutes to generate, 3 GB of disk)
#   BENCH_PANDAS=1 bench/run.sh  # adds pandas + openpyxl and pandas + python-calamine
#   BENCH_THREADS="1 2" bench/run.sh  # thread counts (default 1, 2, 4, 8, 16 up to the cores)
#
# nianbao runs with --jobs T and the floor with RAYON_NUM_THREADS=T, for each thread count T.
# With BENCH_PANDAS=1 the script makes a Python venv in bench/venv (from bench/wheels when that
# folder is there, else from the package index) and reads the same files with pandas in 2
# processes (bench/pandas_read.py), once per engine; the ratios are pandas' time over nianbao's.
#
# Counties are generated once into $BENCH_DIR (default /tmp/nianbao-bench) and reused. Each
# figure is the best of three runs, after a warm-up run, with the page cache warm: wall time
# from the clock, peak memory (maximum resident set size) from /usr/bin/time. The runs are
# reruns into the same --out, as the office reruns after a correction; `first_run_s` is one
# run into an empty --out, which writes every page (the folders these make are removed only
# at the end: creating files right after deleting many is slow on ext4, and would be timed).
# Figures go to $BENCH_DIR/results.csv; a command that fails stops the benchmark.
# Both binaries are built with the `shipped` profile (Cargo.toml), the one the packages hold:
# the first build takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "building the shipped binaries (minutes the first time) …" >&2
cargo build --profile shipped --quiet --bin nianbao --example floor
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
[ "${BENCH_FULL:-}" = 1 ] && sizes+=(100000)
work=${BENCH_DIR:-/tmp/nianbao-bench}
mkdir -p "$work"
results=$work/results.csv
shipped=$(scripts/cargo-target-dir)/shipped
nianbao=$shipped/nianbao
floor=$shipped/examples/floor

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

threads=()
for t in ${BENCH_THREADS:-1 2 4 8 16}; do [ "$t" -le "$(nproc)" ] && threads+=("$t"); done

python=""
if [ "${BENCH_PANDAS:-}" = 1 ]; then
  python=bench/venv/bin/python
  if ! $python -c 'import pandas, openpyxl, python_calamine' 2> /dev/null; then
    python3 -m venv --clear bench/venv
    from=()
    [ -d bench/wheels ] && from=(--no-index --find-links bench/wheels)
    $python -m pip install --quiet "${from[@]}" pandas openpyxl python-calamine
  fi
fi

# pandas ENGINE DIR: seconds for pandas to read every file under DIR in 2 processes.
pandas_s() {
  local start end
  start=$(date +%s.%N)
  "$python" bench/pandas_read.py "$1" 2 "$2" > /dev/null || { echo "failed: pandas $1" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

first_outs=()
echo "units,files,threads,floor_s,floor_files_per_s,floor_peak_mb,run_s,run_files_per_s,run_peak_mb,run_over_floor,first_run_s,pandas_openpyxl_s,pandas_calamine_s,openpyxl_over_run,calamine_over_run" > "$results"
for n in "${sizes[@]}"; do
  dir=$work/$n
  if [ ! -f "$dir/config/units.csv" ]; then
    echo "generating $n units in $dir …" >&2
    "$nianbao" demo --units "$n" --out "$dir" > /dev/null
  fi
  files=$(find "$dir/inputs" -type f | wc -l)
  openpyxl_s="" calamine_s=""
  if [ -n "$python" ]; then
    openpyxl_s=$(pandas_s openpyxl "$dir/inputs") || exit 1
    calamine_s=$(pandas_s calamine "$dir/inputs") || exit 1
  fi
  for t in "${threads[@]}"; do
    first_out=$(mktemp -d "$dir/first-out.XXXX")
    first_outs+=("$first_out")
    first=$(timed_once "$nianbao" run --jobs "$t" --inputs "$dir/inputs" --config "$dir/config" --out "$first_out") || exit 1
    floor_best=$(RAYON_NUM_THREADS=$t best_of_three "$floor" "$dir/inputs") || exit 1
    run_best=$(best_of_three "$nianbao" run --jobs "$t" --inputs "$dir/inputs" --config "$dir/config" --out "$dir/out") || exit 1
    read -r floor_s floor_kb <<< "$floor_best"
    read -r run_s run_kb <<< "$run_best"
    awk -v n="$n" -v f="$files" -v t="$t" -v fs="$floor_s" -v fk="$floor_kb" -v rs="$run_s" -v rk="$run_kb" -v first="${first% *}" -v po="$openpyxl_s" -v pc="$calamine_s" 'BEGIN {
      if (fs <= 0) fs = 0.001
      printf "%d,%d,%d,%.3f,%.0f,%.0f,%.3f,%.0f,%.0f,%.2f,%.3f,%s,%s,%s,%s\n", n, f, t, fs, f / fs, fk / 1024, rs, f / rs, rk / 1024, rs / fs, first,
        po, pc, po == "" ? "" : sprintf("%.1f", po / rs), pc == "" ? "" : sprintf("%.1f", pc / rs)
    }' >> "$results"
  done
done
rm -rf "${first_outs[@]}"
column -t -s, "$results"
