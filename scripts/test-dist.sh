#!/usr/bin/env bash
# Tests what scripts/dist.sh builds, against the Linux build's own outputs:
#
# - the .deb, unpacked with dpkg -x (and, as root, installed with dpkg -i into a root of its
#   own): its files are there, its binary run on its sample and its start-menu script run on
#   a fresh ~/年报 write the same CSVs, byte for byte;
# - the Windows zip, unpacked, under wine: a double-click (`wine start /wait`, a console of
#   its own) on the sample beside the exe, and a demo county of 30 units in folders with
#   Chinese names given as Windows paths (Z:\…), write the same CSVs, byte for byte; an output
#   held open by another program (as Excel holds it) stops the run before anything is
#   replaced.
#
# The Windows part needs the Rust target x86_64-pc-windows-gnu, mingw and wine (as root with
# apt-get, they are installed if missing). Where one cannot be had, it says so in one line and
# the rest is tested: it never fails for that.
#
# Wine 8 has no bcryptprimitives.dll, from which Rust's std imports ProcessPrng: a stand-in
# (scripts/wine/bcryptprimitives.c) is built here with mingw and put beside the exe for the
# test only. It is never in the zip; real Windows has its own.
#
#     scripts/test-dist.sh
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "test-dist: $*"; }
fail() {
    echo "test-dist: FAILED: $*" >&2
    exit 1
}
started=$(date +%s)
lap() { echo "$(($(date +%s) - started)) s"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mingw and wine, from the distribution, where they are missing and can be installed.
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v wine >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing gcc-mingw-w64-x86-64 and wine (apt-get)"
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends gcc-mingw-w64-x86-64 wine64 wine; } >"$tmp/apt.log" 2>&1 || true
    fi
fi

version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
build=$(scripts/cargo-target-dir)
deb=$build/dist/nianbao_${version}_amd64.deb
zip=$build/dist/nianbao-$version-windows-x86_64.zip
rm -f "$deb" "$zip"
scripts/dist.sh | tee "$tmp/dist.log"
say "dist.sh done after $(lap)"
cargo build --quiet --release --locked
linux=$build/release/nianbao

# Every CSV of the reference, the same bytes in the other, and no other CSV there.
same_csvs() { # same_csvs REFERENCE_OUTPUTS OTHER_OUTPUTS WHAT
    local ref=$1 other=$2 what=$3 n=0 f
    [ -d "$other" ] || fail "$what: no outputs folder $other"
    for f in "$ref"/*.csv; do
        cmp -s "$f" "$other/$(basename "$f")" || fail "$what: $(basename "$f") differs from the Linux build's"
        n=$((n + 1))
    done
    [ "$(cd "$ref" && ls ./*.csv)" = "$(cd "$other" && ls ./*.csv)" ] || fail "$what: not the same CSV files"
    say "$what: $n CSVs byte-identical to the Linux build's"
}

# The reference outputs, from the Linux build: the sample, and a demo county in Chinese folders.
"$linux" run --inputs inputs --config config --prior config/normalized-2023.csv \
    --out "$tmp/linux/sample" >/dev/null
demo="$tmp/案例/某县（模拟，30个单位）"
"$linux" demo --units 30 --seed 15 --year 2024 --out "$demo" >/dev/null
"$linux" run --inputs "$demo/inputs" --config "$demo/config" \
    --prior "$demo/config/normalized-2023.csv" --out "$tmp/linux/demo" >/dev/null

# ---- the .deb ------------------------------------------------------------------------------
if ! command -v dpkg-deb >/dev/null; then
    say ".deb skipped: no dpkg-deb here"
elif [ ! -f "$deb" ]; then
    fail "scripts/dist.sh wrote no $deb"
else
    root=$tmp/deb
    dpkg-deb -x "$deb" "$root"
    # Captured before matching: under pipefail, `cmd | grep -q` fails whenever grep's early
    # exit makes cmd die of SIGPIPE (as dpkg-deb did in CI, still writing Architecture).
    fields=$(dpkg-deb -f "$deb" Package Version Architecture 2>&1) ||
        fail "dpkg-deb -f $deb: $fields"
    grep -q "^Version: $version\$" <<<"$fields" ||
        fail "$deb: not version $version (${fields//$'\n'/; })"
    for f in usr/bin/nianbao usr/share/doc/nianbao/使用说明.txt usr/share/doc/nianbao/copyright \
        usr/share/applications/nianbao.desktop usr/share/nianbao/desktop.sh \
        usr/share/nianbao/空白模板.xlsx usr/share/nianbao/sample/config/units.csv \
        usr/share/doc/nianbao/docs/规则.md usr/share/doc/nianbao/docs/fields.csv; do
        [ -e "$root/$f" ] || fail "$deb has no /$f"
    done
    [ "$(find "$root/usr/share/nianbao/sample/inputs" -type f | wc -l)" = \
        "$(find inputs -type f | wc -l)" ] || fail "$deb: the sample's inputs are not all there"
    sample=$root/usr/share/nianbao/sample
    "$root/usr/bin/nianbao" run --inputs "$sample/inputs" --config "$sample/config" \
        --prior "$sample/config/normalized-2023.csv" --out "$tmp/deb-out" >/dev/null
    same_csvs "$tmp/linux/sample" "$tmp/deb-out" "the .deb's nianbao on its sample"
    # The start-menu entry: a fresh ~/年报 made from the sample and rolled up; no browser here.
    mkdir -p "$tmp/bin"
    printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/xdg-open"
    chmod +x "$tmp/bin/xdg-open"
    PATH="$root/usr/bin:$tmp/bin:$PATH" NIANBAO_HOME="$tmp/home/年报" \
        sh "$root/usr/share/nianbao/desktop.sh" </dev/null >"$tmp/desktop.log"
    grep -q "正在打开总览页" "$tmp/desktop.log" || fail "the start-menu script: $(cat "$tmp/desktop.log")"
    same_csvs "$tmp/linux/sample" "$tmp/home/年报/outputs" "the .deb's start-menu entry"
    # Installed by dpkg itself, into a root of its own (as root: the system is not touched).
    if [ "$(id -u)" = 0 ]; then
        inst=$tmp/dpkg-root
        mkdir -p "$inst/var/lib/dpkg/info" "$inst/var/lib/dpkg/updates"
        touch "$inst/var/lib/dpkg/status"
        dpkg --root="$inst" --log=/dev/null -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
            fail "dpkg -i $deb: $(cat "$tmp/dpkg.log")"
        installed=$(dpkg --root="$inst" -s nianbao 2>&1) ||
            fail "dpkg -i $deb: not installed: $installed"
        grep -q '^Status: install ok installed' <<<"$installed" ||
            fail "dpkg -i $deb: not installed"
        "$inst/usr/bin/nianbao" run --inputs "$inst/usr/share/nianbao/sample/inputs" \
            --config "$inst/usr/share/nianbao/sample/config" --out "$tmp/dpkg-out" \
            --prior "$inst/usr/share/nianbao/sample/config/normalized-2023.csv" >/dev/null
        same_csvs "$tmp/linux/sample" "$tmp/dpkg-out" "the .deb installed by dpkg -i, on its sample"
    fi
    say ".deb tested after $(lap)"
fi

# ---- the Windows zip, under wine -----------------------------------------------------------
if [ ! -f "$zip" ]; then
    why=$(sed -n 's/^dist: Windows zip skipped: //p' "$tmp/dist.log")
    say "Windows part skipped: ${why:-scripts/dist.sh wrote no $zip}"
    exit 0
fi
for tool in x86_64-w64-mingw32-gcc wine; do
    if ! command -v $tool >/dev/null; then
        say "Windows part skipped: no $tool (apt-get install gcc-mingw-w64-x86-64 wine64 wine)"
        exit 0
    fi
done
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
    "$zip" "$tmp/win" 2>/dev/null || unzip -q "$zip" -d "$tmp/win"
app=$tmp/win/nianbao-$version
for f in nianbao.exe 使用说明.txt 空白模板.xlsx config/units.csv; do
    [ -f "$app/$f" ] || fail "$zip has no nianbao-$version/$f"
done
[ -e "$app/bcryptprimitives.dll" ] && fail "$zip holds a bcryptprimitives.dll: the wine stand-in is never shipped"
head -c 3 "$app/使用说明.txt" | cmp -s - <(printf '\xef\xbb\xbf') || fail "使用说明.txt has no UTF-8 BOM"
grep -q $'\r$' "$app/使用说明.txt" || fail "使用说明.txt has no CRLF line ends"
x86_64-w64-mingw32-gcc -O2 -shared -o "$app/bcryptprimitives.dll" scripts/wine/bcryptprimitives.c -ladvapi32
x86_64-w64-mingw32-gcc -O2 -municode -o "$tmp/hold.exe" scripts/wine/hold.c
export WINEPREFIX=$tmp/wine-prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine wineboot --init >/dev/null 2>&1 || true
# A path as Windows programs see it. winepath once failed without a word right after wine
# started (a CI run stopped here with no message): it is asked again, then the script says so.
windows_path() {
    local path
    for _ in 1 2 3; do
        if path=$(wine winepath -w "$1" 2>/dev/null | tr -d '\r') && [ -n "$path" ]; then
            echo "$path"
            return
        fi
        sleep 2
    done
    fail "wine: winepath could not give the Windows path of $1"
}
say "wine ready after $(lap)"

# From a terminal, nothing to do: the commands, in Chinese.
summary=$(cd "$app" && timeout 300 wine nianbao.exe </dev/null 2>&1) || true
grep -q "用法" <<<"$summary" ||
    fail "wine, no arguments from a terminal: no Chinese summary of the commands"

# A double-click: nianbao alone in a console of its own, the sample beside it.
(cd "$app" && timeout 300 wine start /wait nianbao.exe </dev/null >/dev/null 2>&1) ||
    fail "double-click: wine start /wait nianbao.exe failed"
same_csvs "$tmp/linux/sample" "$app/outputs" "wine, double-click on the sample beside nianbao.exe"
grep -q '"inputs": "[A-Z]:\\\\' "$app/outputs/manifest.json" ||
    fail "double-click: the manifest does not name the inputs as a Windows path"

# A double-click where nothing is beside the exe: it says what it needs (in its own window),
# exits 2, and writes nothing.
lone="$tmp/win/只有程序 的文件夹"
mkdir -p "$lone"
cp "$app/nianbao.exe" "$app/bcryptprimitives.dll" "$lone/"
set +e
(cd "$lone" && timeout 300 wine start /wait nianbao.exe </dev/null >/dev/null 2>&1)
lone_rc=$?
set -e
[ "$lone_rc" = 2 ] || fail "double-click without inputs/ and config/: exit $lone_rc, not 2"
[ ! -e "$lone/outputs" ] || fail "double-click without inputs/ and config/: it wrote outputs"
say "wine, double-click with nothing beside nianbao.exe: exit 2, nothing written"

# The demo county, by Windows paths with a drive letter, backslashes and Chinese.
win_demo=$(windows_path "$demo")
win_out=$(windows_path "$tmp/wine-demo")
(cd "$app" && timeout 300 wine nianbao.exe run --inputs "$win_demo\\inputs" \
    --config "$win_demo\\config" --prior "$win_demo\\config\\normalized-2023.csv" \
    --out "$win_out" >"$tmp/wine-demo.log" 2>&1) || fail "wine, demo county: $(cat "$tmp/wine-demo.log")"
grep -qF "输出在 $win_out" "$tmp/wine-demo.log" ||
    fail "wine, demo county: the summary does not name $win_out: $(cat "$tmp/wine-demo.log")"
same_csvs "$tmp/linux/demo" "$tmp/wine-demo" "wine, demo county of 30 units in Chinese folders"

# `check … | more`, left early: the check ends when the pipe's reader has gone, without a
# panic's English (Windows has no SIGPIPE: the failed write makes println! panic there). The
# county's files ten times over print far more than a pipe holds (about 1 MB).
mapfile -t checked < <(cd "$demo/inputs" && find . -type f | sed 's|^\./||' | sort)
listed=()
for _ in $(seq 10); do listed+=("${checked[@]}"); done
set +e
(cd "$demo/inputs" && timeout 300 wine "$app/nianbao.exe" check --config "$win_demo\\config" \
    "${listed[@]}" 2>"$tmp/wine-pipe.err" | head -c 100 >/dev/null)
pipe_rc=$?
set -e
# 101: the write failed and its panic ended the check (a hang would be 124, a run that
# printed everything 0 or 1).
[ "$pipe_rc" = 101 ] ||
    fail "wine, check | head: exit $pipe_rc, not 101 (the check ended by the closed pipe): $(head -c 600 "$tmp/wine-pipe.err")"
grep -q "用法\|参数" "$tmp/wine-pipe.err" && fail "wine, check | head: the check did not run: $(head -c 600 "$tmp/wine-pipe.err")"
grep -q "panicked" "$tmp/wine-pipe.err" &&
    fail "wine, check | head: a panic when the reader stopped: $(head -c 600 "$tmp/wine-pipe.err")"
say "wine, check | head: it ended quietly when the reader stopped"

# An output open in another program (as Excel holds it): nothing is replaced, and it says why.
before=$(sha256sum "$tmp/wine-demo/anomalies.csv")
wine "$tmp/hold.exe" "$win_out\\rollup.xlsx" "$(windows_path "$tmp/held")" \
    "$(windows_path "$tmp/release")" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 300); do
    [ -e "$tmp/held" ] && break
    sleep 0.1
done
[ -e "$tmp/held" ] || fail "wine: hold.exe could not hold rollup.xlsx open"
set +e
(cd "$app" && timeout 300 wine nianbao.exe run --inputs "$win_demo\\inputs" \
    --config "$win_demo\\config" --out "$win_out" >"$tmp/wine-held.log" 2>&1)
held_rc=$?
set -e
touch "$tmp/release"
wait "$holder" || true
[ "$held_rc" = 2 ] && grep -q "正被其他程序占用" "$tmp/wine-held.log" ||
    fail "wine, workbook held open: exit $held_rc, not 2 with a message that it is in use: $(cat "$tmp/wine-held.log")"
[ "$before" = "$(sha256sum "$tmp/wine-demo/anomalies.csv")" ] ||
    fail "wine, workbook held open: the previous outputs were replaced"
say "wine, workbook held open: refused before replacing anything"
say "Windows part tested after $(lap)"
