#!/usr/bin/env bash
# The ratio of `nianbao run` to the floor on a machine whose speed moves: the floor, then a
# rerun of nianbao, one after the other, PAIRS times; each pair's ratio, then their median.
# A slow minute slows both runs of a pair alike, where the best of three of each, taken
# minutes apart, may catch one in a fast minute and the other in a slow one.
#
#   bench/pairs.sh UNITS THREADS PAIRS    # e.g. bench/pairs.sh 2000 1 15
#
# Uses the county bench/run.sh generated in $BENCH_DIR/UNITS (default /tmp/nianbao-bench)
# and the `shipped` binaries; prints the medians of the floor, the run and the pairs'
# ratios, and the range of the ratios. Speed is measured here, never asserted in a test.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: bench/pairs.sh UNITS THREADS PAIRS (whole numbers, THREADS and PAIRS from 1)" >&2; exit 2; }
[ $# -eq 3 ] || usage
units=$1 threads=$2 pairs=$3
for n in "$units" "$threads" "$pairs"; do [[ $n =~ ^[0-9]+$ ]] || usage; done
[ "$threads" -ge 1 ] && [ "$pairs" -ge 1 ] || usage
county=${BENCH_DIR:-/tmp/nianbao-bench}/$units
if [ ! -d "$county/inputs" ]; then
  echo "no county in $county: run ${BENCH_DIR:+BENCH_DIR=$BENCH_DIR }bench/run.sh $units first" >&2
  exit 1
fi
echo "building the shipped binaries (minutes the first time) …" >&2
cargo build --profile shipped --quiet --bin nianbao --example floor
shipped=$(scripts/cargo-target-dir)/shipped
nianbao=$shipped/nianbao
floor=$shipped/examples/floor
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

seconds() { # seconds COMMAND…: the wall time of one run
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

run=("$nianbao" run --inputs "$county/inputs" --config "$county/config" --out "$out/out" --jobs "$threads")
# The first run writes every page; the pairs time reruns.
"${run[@]}" > /dev/null 2> "$out/first.err" || { cat "$out/first.err" >&2; echo "failed: ${run[*]}" >&2; exit 1; }
floors=() runs=() ratios=()
for _ in $(seq 1 "$pairs"); do
  f=$(RAYON_NUM_THREADS=$threads seconds "$floor" "$county/inputs")
  r=$(seconds "${run[@]}")
  floors+=("$f") runs+=("$r")
  ratios+=("$(awk -v r="$r" -v f="$f" 'BEGIN { printf "%.2f\n", r / f }')")
done
sorted=$(printf '%s\n' "${ratios[@]}" | sort -n)
echo "units $units, threads $threads, $pairs pairs: floor $(printf '%s\n' "${floors[@]}" | median) s," \
  "run $(printf '%s\n' "${runs[@]}" | median) s, ratio $(median <<<"$sorted")" \
  "($(head -n 1 <<<"$sorted")–$(tail -n 1 <<<"$sorted"))"
