#!/usr/bin/env bash
# Where an out-of-memory artifact allocates: runs it under a 3 GB address-space limit in
# gdb and prints the first calamine/nianbao frames of the failed allocation.
#   fuzz/oomwhere.sh xls artifacts/xls/oom-…
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release/$1
(ulimit -v 3000000; timeout 120 nice -n 19 gdb -q -batch -ex run -ex bt --args "$bin" "$2" 2>&1) \
  | grep -E "^#" | grep -oE " in [^ ]*(calamine|nianbao)[^ ]* .*at [^ ]+" | head -3
