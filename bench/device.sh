#!/usr/bin/env bash
# One benchmark run on a many-core machine without network: the floor (examples/floor.rs),
# `nianbao run` at 1, 2, 4, 8 and 16 threads, and pandas (openpyxl, python-calamine) with 2
# processes, all on the same `nianbao demo` counties, within a time budget.
#
# Here, with network, once:
#     bench/device.sh --prepare     # shipped build, stripped binaries in bench/bin/, wheels
#                                   # for pandas, openpyxl and python-calamine in bench/wheels/
# Then on the machine, with bench/bin and bench/wheels carried along (about 40 MB, ignored
# by git):
#     OUT=/some/folder bench/device.sh [UNITS...]      # default 10000 100000
#
# Every step is timed with /usr/bin/time (wall, user+sys CPU, peak memory). The script keeps
# to BENCH_BUDGET_S seconds in all (default 420): a step whose estimate (from the runs before
# it) does not fit in what is left is skipped and says so in the log, and each command is cut
# off at what is left. Counties are generated under BENCH_DIR (default /tmp/nianbao-device).
# Writes to $OUT: results.csv (one row per timed command), summary.csv (ratios), log.txt,
# manifests/ (each size and thread count's last manifest.json) and phases.csv (their phases,
# wall and CPU, and writers).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [ "${1:-}" = --prepare ]; then
  set -e
  cargo build --profile shipped --quiet --bin nianbao --example floor
  mkdir -p bench/bin bench/wheels
  shipped=$(scripts/cargo-target-dir)/shipped
  strip -o bench/bin/nianbao "$shipped/nianbao"
  strip -o bench/bin/floor "$shipped/examples/floor"
  pip download --quiet --only-binary=:all: --dest bench/wheels pandas openpyxl python-calamine
  du -sh bench/bin bench/wheels
  exit 0
fi

started=$(date +%s)
budget=${BENCH_BUDGET_S:-420}
out=${OUT:-/tmp/nianbao-device-out}
work=${BENCH_DIR:-/tmp/nianbao-device}
mkdir -p "$out/manifests" "$work/trash"
log=$out/log.txt
results=$out/results.csv
: > "$log"
say() { echo "$*" | tee -a "$log" >&2; }

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
cores=$(nproc)
threads=()
for t in 1 2 4 8 16; do [ "$t" -le "$cores" ] && threads+=("$t"); done
run_order=()
for t in 2 16 8 4 1; do [ "$t" -le "$cores" ] && run_order+=("$t"); done

pick() { for p in "$@"; do [ -x "$p" ] && { echo "$p"; return; }; done; }
# Where cargo builds (a machine without cargo has only what was carried: bench/bin, target/).
shipped=$(scripts/cargo-target-dir 2>/dev/null)/shipped || shipped=target/shipped
nianbao=$(pick bench/bin/nianbao "$shipped/nianbao")
floor=$(pick bench/bin/floor "$shipped/examples/floor")
if [ -z "$nianbao" ] || [ -z "$floor" ]; then
  say "no binaries in bench/bin or $shipped: building (needs the crates at hand) …"
  cargo build --profile shipped --offline --quiet --bin nianbao --example floor || { say "build failed"; exit 1; }
  nianbao=$shipped/nianbao floor=$shipped/examples/floor
fi
say "$(date -u +%FT%TZ) $cores cores, threads ${threads[*]}, sizes ${sizes[*]}, budget ${budget}s, $nianbao"

left() {
  local l=$((budget - ($(date +%s) - started)))
  echo $((l > 1 ? l : 1))
}
# fits SECONDS: whether a step estimated at SECONDS fits in what is left (with 10 s to spare).
fits() { awk -v e="$1" -v l="$(left)" 'BEGIN { exit !(e + 10 < l) }'; }

# timed TOOL UNITS FILES THREADS KIND -- COMMAND…: runs COMMAND, cut off at what is left,
# appends a row to results.csv and prints "wall_s". Output of the command goes to the log.
have_time=$([ -x /usr/bin/time ] && echo 1 || echo 0)
echo "tool,units,files,threads,kind,wall_s,cpu_s,peak_mb,status" > "$results"
timed() {
  local tool=$1 units=$2 files=$3 threads=$4 kind=$5 stats s e wall cpu="" mb="" status=ok
  shift 6
  stats=$(mktemp)
  s=$(date +%s.%N)
  if [ "$have_time" = 1 ]; then
    timeout "$(left)" /usr/bin/time -f "%U %S %M" -o "$stats" "$@" >> "$log" 2>&1 || status=failed
  else
    timeout "$(left)" "$@" >> "$log" 2>&1 || status=failed
  fi
  e=$(date +%s.%N)
  wall=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')
  if [ "$have_time" = 1 ] && [ "$status" = ok ]; then
    read -r cpu mb <<< "$(tail -n 1 "$stats" | awk '{ printf "%.2f %.0f", $1 + $2, $3 / 1024 }')"
  fi
  rm -f "$stats"
  echo "$tool,$units,$files,$threads,$kind,$wall,$cpu,$mb,$status" >> "$results"
  say "  $tool n=$units t=$threads $kind: ${wall}s cpu ${cpu}s peak ${mb}MB $status"
  echo "$wall"
}
least() { printf '%s\n' "$@" | sort -g | head -n 1; }

# Python: a venv from the carried wheels, offline; skipped with a message where it cannot be.
# The wheels are built for one Python (cp311: 3.11): that one first, where it is installed.
python_ok=0
venv=bench/venv
wheel_tag=$(ls bench/wheels 2> /dev/null | grep -o -m 1 'cp3[0-9]*' | head -n 1)
pythons=()
for p in ${wheel_tag:+python3.${wheel_tag#cp3}} python3; do command -v "$p" > /dev/null && pythons+=("$p"); done
if [ ${#pythons[@]} = 0 ]; then
  say "python3 is missing: pandas skipped"
elif [ ! -d bench/wheels ]; then
  say "bench/wheels is missing (run bench/device.sh --prepare and carry it): pandas skipped"
else
  for p in "${pythons[@]}"; do
    if { [ -x $venv/bin/python ] && $venv/bin/python -c 'import pandas, openpyxl, python_calamine' 2> /dev/null; } ||
      { "$p" -m venv --clear $venv >> "$log" 2>&1 &&
        $venv/bin/pip install --quiet --no-index --find-links bench/wheels pandas openpyxl python-calamine >> "$log" 2>&1; }; then
      python_ok=1
      say "python: $($venv/bin/python -c 'import sys, pandas; print(sys.version.split()[0], "pandas", pandas.__version__)')"
      break
    fi
  done
  [ "$python_ok" = 1 ] || say "the wheels in bench/wheels ($wheel_tag) install on none of ${pythons[*]} (see log): pandas skipped"
fi

declare -A run_at      # "units threads" → best nianbao wall
declare -A pandas_10k  # engine → wall per file at the first size, for estimates
for n in "${sizes[@]}"; do
  dir=$work/$n
  scale=$(awk -v n="$n" -v f="${sizes[0]}" 'BEGIN { print n / f }')
  if [ ! -f "$dir/config/units.csv" ]; then
    if [ -n "${demo_s:-}" ] && ! fits "$(awk -v d="$demo_s" -v s="$scale" 'BEGIN { print d * s * 1.2 }')"; then
      say "$n units: generating would not fit in the budget; skipped"
      continue
    fi
    rm -rf "$dir"
    say "generating $n units …"
    this_demo=$(timed demo "$n" 0 1 generate -- "$nianbao" demo --units "$n" --out "$dir")
    [ -f "$dir/config/units.csv" ] || { say "generation failed or was cut off"; break; }
    demo_s=$(awk -v d="$this_demo" -v s="$scale" 'BEGIN { print d / s }')
  fi
  files=$(find "$dir/inputs" -type f | wc -l)
  say "$n units, $files files"

  # Best of three for the small counties; one run each for the large ones (at 100,000 units
  # on one thread the floor alone takes about 15 s).
  floor_runs=3
  [ "$n" -gt 20000 ] && floor_runs=1
  for t in "${threads[@]}"; do
    for ((r = 0; r < floor_runs; r++)); do
      RAYON_NUM_THREADS=$t timed floor "$n" "$files" "$t" rerun -- "$floor" "$dir/inputs" > /dev/null
    done
  done

  # The runs the issue's targets are about (2 threads, all 16) first, then the others most
  # threads first: what the budget cuts off is the least needed.
  for t in "${run_order[@]}"; do
    reruns=2
    [ "$n" -gt 20000 ] && reruns=1
    if [ -n "${run_at[${sizes[0]} $t]:-}" ]; then
      estimate=$(awk -v r="${run_at[${sizes[0]} $t]}" -v s="$scale" -v k=$((reruns + 1)) 'BEGIN { print r * s * k * 1.3 }')
      if ! fits "$estimate"; then
        say "  nianbao n=$n t=$t: about ${estimate}s, does not fit in the $(left)s left; skipped"
        continue
      fi
    fi
    # The first run into an empty --out writes every page; the reruns into the same folder
    # are the office's reruns after a correction. Earlier folders are moved aside, not
    # deleted: creating many files right after deleting many is slow on ext4.
    [ -d "$dir/out" ] && mv "$dir/out" "$work/trash/$n-$t-$RANDOM"
    timed nianbao "$n" "$files" "$t" first -- "$nianbao" run --jobs "$t" --inputs "$dir/inputs" --config "$dir/config" --out "$dir/out" > /dev/null
    walls=()
    for ((r = 0; r < reruns; r++)); do
      walls+=("$(timed nianbao "$n" "$files" "$t" rerun -- "$nianbao" run --jobs "$t" --inputs "$dir/inputs" --config "$dir/config" --out "$dir/out")")
    done
    cp "$dir/out/manifest.json" "$out/manifests/$n-t$t.json" 2> /dev/null
    run_at[$n $t]=$(least "${walls[@]}")
  done

  if [ "$python_ok" = 1 ]; then
    for engine in openpyxl calamine; do
      limit=$files
      if [ -n "${pandas_10k[$engine]:-}" ]; then
        # Past the first size: as many files as fit in a third of what is left, the time
        # scaled to the whole county (files read per second do not depend on the county).
        limit=$(awk -v p="${pandas_10k[$engine]}" -v l="$(left)" -v f="$files" 'BEGIN { k = int(l / 3 / p); print (k < f ? k : f) }')
      fi
      if [ "$limit" -lt 100 ]; then
        say "  pandas $engine n=$n: does not fit in the $(left)s left; skipped"
        continue
      fi
      wall=$(timed "pandas-$engine" "$n" "$limit" 2 subset -- "$venv/bin/python" bench/pandas_read.py "$engine" 2 "$dir/inputs" "$limit")
      [ -n "${pandas_10k[$engine]:-}" ] || pandas_10k[$engine]=$(awk -v w="$wall" -v f="$limit" 'BEGIN { print w / f }')
    done
  fi
done
# Deleting a large county's earlier outputs takes a while: only when the budget leaves time.
if [ "$(left)" -gt 60 ]; then
  rm -rf "$work/trash"
else
  say "earlier outputs left in $work/trash (no time left to delete them)"
fi

# summary.csv: per size and tool, the best wall time (pandas scaled to every file), and the
# ratios the issue asks for: nianbao over the floor at the same threads, and pandas (always 2
# processes) over nianbao at the row's threads.
awk -F, -v OFS=, '
  NR == 1 || $9 != "ok" { next }
  $1 == "floor" || ($1 == "nianbao" && $5 == "rerun") {
    k = $1 SUBSEP $2 SUBSEP $4
    if (!(k in best) || $6 < best[k]) { best[k] = $6; cpu[k] = $7; mb[k] = $8 }
    files[$2] = $3
  }
  $1 == "nianbao" && $5 == "first" { first[$2 SUBSEP $4] = $6 }
  $1 ~ /^pandas/ { pandas[$1 SUBSEP $2] = $6 * files[$2] / $3; pfiles[$1 SUBSEP $2] = $3 }
  END {
    print "units,files,tool,threads,wall_s,cpu_s,peak_mb,first_run_s,over_floor,pandas_openpyxl_over_run,pandas_calamine_over_run,note"
    for (k in best) {
      split(k, p, SUBSEP); tool = p[1]; n = p[2]; t = p[3]
      over = ""; po = ""; pc = ""; note = ""; fr = ""
      if (tool == "nianbao") {
        fr = first[n SUBSEP t]
        f = best["floor" SUBSEP n SUBSEP t]
        if (f > 0) over = sprintf("%.2f", best[k] / f)
        if (("pandas-openpyxl" SUBSEP n) in pandas) po = sprintf("%.1f", pandas["pandas-openpyxl" SUBSEP n] / best[k])
        if (("pandas-calamine" SUBSEP n) in pandas) pc = sprintf("%.1f", pandas["pandas-calamine" SUBSEP n] / best[k])
      }
      print n, files[n], tool, t, best[k], cpu[k], mb[k], fr, over, po, pc, note
    }
    for (k in pandas) {
      split(k, p, SUBSEP)
      note = pfiles[k] < files[p[2]] ? sprintf("read %d of %d files; time scaled", pfiles[k], files[p[2]]) : ""
      print p[2], files[p[2]], p[1], 2, sprintf("%.3f", pandas[k]), "", "", "", "", "", "", note
    }
  }' "$results" | { read -r header; echo "$header"; sort -t, -k1,1n -k3,3 -k4,4n; } > "$out/summary.csv"
# phases.csv: each kept manifest's phases (wall and CPU) and writers, for the serial fraction.
if command -v python3 > /dev/null; then
  python3 - "$out/manifests" > "$out/phases.csv" << 'PY'
import json, pathlib, sys
print("units,threads,kind,name,seconds,cpu_seconds")
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    units, threads = path.stem.split("-t")
    run = json.loads(path.read_text())["run"]
    for phase in run["phases"]:
        print(f"{units},{threads},phase,{phase['name']},{phase['seconds']:.3f},{phase.get('cpu_seconds') or 0:.3f}")
    for writer in run.get("writers", []):
        print(f"{units},{threads},writer,{writer['name']},{writer['seconds']:.3f},")
    print(f"{units},{threads},run,total,{run['seconds']:.3f},")
PY
fi
say "done in $(($(date +%s) - started))s"
column -t -s, "$out/summary.csv" | tee -a "$log"
