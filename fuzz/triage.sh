#!/usr/bin/env bash
# Groups a target's artifacts by what went wrong: the panic's location (or the failed
# allocation / out-of-memory / timeout) and the first calamine or nianbao frame. Prints
# "count  signature  smallest-file" per group.
#   fuzz/triage.sh xls
set -uo pipefail
cd "$(dirname "$0")"
target=${1:?target}
bin=target/x86_64-unknown-linux-gnu/release/$target
for f in artifacts/$target/*; do
  out=$(RUST_BACKTRACE=1 timeout 60 nice -n 19 "$bin" -rss_limit_mb=2048 -timeout=20 "$f" 2>&1)
  sig=$(grep -m1 -oE "panicked at [^ ]+|memory allocation of [0-9]+ bytes failed|out-of-memory|ERROR: libFuzzer: timeout" <<<"$out" \
        | sed -E 's/memory allocation of [0-9]+ bytes/memory allocation/; s#.*/(calamine-[0-9.]+/src/[^:]+:[0-9]+).*#panicked at \1#')
  frame=$(grep -m1 -oE "(calamine|nianbao)::[A-Za-z0-9_:<>]+" <<<"$(grep -E '^ +[0-9]+: ' <<<"$out")")
  [ -n "$sig" ] || sig="no failure on replay"
  echo "$sig | $frame	$(stat -c %s "$f") $f"
done | sort -t$'\t' -k1,1 -k2n | awk -F'\t' '{n[$1]++; if (!($1 in first)) first[$1]=$2} END {for (s in n) printf "%5d  %s  %s\n", n[s], s, first[s]}' | sort -rn
