#!/usr/bin/env bash
# Builds what a clerk downloads, into target/dist/ (under $CARGO_TARGET_DIR where that is set):
#
#   nianbao-<version>-windows-x86_64.zip  nianbao.exe, 使用说明.txt (UTF-8 with BOM, CRLF),
#                                         空白模板.xlsx and the sample inputs/ and config/,
#                                         in a folder nianbao-<version>/
#   nianbao_<version>_amd64.deb           for 统信UOS, 麒麟 and Debian: /usr/bin/nianbao, the
#                                         start-menu entry, /usr/share/doc/nianbao/ and the
#                                         sample in /usr/share/nianbao/sample/
#
#     scripts/dist.sh
#
# Needs cargo, python3 (or zip) and dpkg-deb. The zip needs the Rust target
# x86_64-pc-windows-gnu (the script runs `rustup target add` for it) and the mingw linker
# (apt-get install gcc-mingw-w64-x86-64); without them it says so in one line and builds the
# .deb alone. The .deb's binary is built for x86_64-unknown-linux-musl where that target can
# be installed: linked statically, it runs on 统信UOS 20 (glibc 2.28) as on Debian 12; else
# it is the glibc build, and the package depends on the glibc it was linked against.
# Both binaries are built with the `shipped` profile (Cargo.toml: the release build with
# link-time optimisation), the one bench/ measures.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
build=$(scripts/cargo-target-dir)
dist=$build/dist
work=$dist/work
rm -rf "$work"
mkdir -p "$work"
say() { echo "dist: $*"; }

# A Rust target, installed if it is not: fails (quietly) where rustup's server is out of reach.
have_target() {
    # Captured first: `rustup … | grep -q` under pipefail fails if grep's early exit kills rustup.
    local installed
    installed=$(rustup target list --installed 2>/dev/null) || installed=
    grep -qx "$1" <<<"$installed" && return 0
    command -v rustup >/dev/null && rustup target add "$1" >/dev/null 2>&1
}

# The blank official template units fill in: nianbao's own `template` command.
cargo run --quiet --release --locked -- template --out "$work/空白模板.xlsx"

# 使用说明 for Windows: Notepad reads UTF-8 with a BOM, lines ending in CRLF.
windows_text() {
    printf '\xef\xbb\xbf'
    sed -e "s/@VERSION@/$version/g" -e 's/$/\r/' "$1"
}

# A zip whose Chinese names Windows' Explorer reads: UTF-8, flagged as such.
zip_folder() { # zip_folder ZIP DIR (the zip holds DIR's last component and what is in it)
    local zip=$1 dir=$2
    rm -f "$zip"
    if command -v python3 >/dev/null; then
        python3 - "$zip" "$dir" <<'EOF'
import os, sys, zipfile
out, top = sys.argv[1], sys.argv[2]
base = os.path.dirname(os.path.abspath(top))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        z.write(folder, os.path.relpath(os.path.abspath(folder), base))
        for f in sorted(files):
            p = os.path.join(folder, f)
            z.write(p, os.path.relpath(os.path.abspath(p), base))
EOF
    else
        (cd "$(dirname "$dir")" && zip -q -r -X "$OLDPWD/$zip" "$(basename "$dir")")
    fi
}

windows_zip() {
    local target=x86_64-pc-windows-gnu
    if ! have_target "$target"; then
        say "Windows zip skipped: the Rust target $target cannot be installed (rustup target add $target failed)"
        return 0
    fi
    if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
        say "Windows zip skipped: no mingw linker x86_64-w64-mingw32-gcc (apt-get install gcc-mingw-w64-x86-64)"
        return 0
    fi
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
        cargo build --profile shipped --locked --target "$target"
    local dir=$work/windows/nianbao-$version
    mkdir -p "$dir"
    cp "$build/$target/shipped/nianbao.exe" "$dir/"
    x86_64-w64-mingw32-strip "$dir/nianbao.exe" 2>/dev/null || true
    cp -r inputs config docs "$work/空白模板.xlsx" "$dir/"
    windows_text packaging/windows/使用说明.txt >"$dir/使用说明.txt"
    local zip=$dist/nianbao-$version-windows-x86_64.zip
    zip_folder "$zip" "$dir"
    say "$zip"
}

deb() {
    local target bin depends=""
    if have_target x86_64-unknown-linux-musl; then
        target=x86_64-unknown-linux-musl
        cargo build --profile shipped --locked --target "$target"
        bin=$build/$target/shipped/nianbao
    else
        cargo build --profile shipped --locked
        bin=$build/shipped/nianbao
        local glibc
        glibc=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
        depends="Depends: libc6 (>= $glibc)"
        say "musl target not installable: the .deb holds the glibc build and needs glibc $glibc or newer"
    fi
    local pkg=$work/deb/nianbao_${version}_amd64
    mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/doc/nianbao" \
        "$pkg/usr/share/nianbao/sample" "$pkg/usr/share/applications"
    install -m 755 "$bin" "$pkg/usr/bin/nianbao"
    strip "$pkg/usr/bin/nianbao" 2>/dev/null || true
    cp -r inputs config "$pkg/usr/share/nianbao/sample/"
    install -m 644 "$work/空白模板.xlsx" "$pkg/usr/share/nianbao/"
    install -m 755 packaging/deb/desktop.sh "$pkg/usr/share/nianbao/desktop.sh"
    install -m 644 packaging/deb/nianbao.desktop "$pkg/usr/share/applications/"
    install -m 644 packaging/deb/使用说明.txt README.md packaging/deb/copyright \
        "$pkg/usr/share/doc/nianbao/"
    cp -r docs "$pkg/usr/share/doc/nianbao/"
    chmod -R u=rwX,go=rX "$pkg/usr"
    local size
    size=$(du -sk "$pkg/usr" | cut -f1)
    {
        echo "Package: nianbao"
        echo "Version: $version"
        echo "Architecture: amd64"
        echo "Maintainer: nianbao maintainers <maintainers@users.noreply.r-seed-2bc30820.example>"
        echo "Installed-Size: $size"
        [ -n "$depends" ] && echo "$depends"
        echo "Recommends: xdg-utils"
        echo "Section: misc"
        echo "Priority: optional"
        echo "Description: 政府信息公开工作年度报告统计表汇总"
        echo " nianbao reads a county's 政府信息公开工作年度报告 submissions (Excel, WPS, CSV),"
        echo " checks each against the rules of the national format and rolls them up."
        echo " 汇总各单位报送的年度报告统计表，检查勾稽关系，生成全县汇总表和总览页。"
    } >"$pkg/DEBIAN/control"
    local out=$dist/nianbao_${version}_amd64.deb
    dpkg-deb --root-owner-group --build "$pkg" "$out" >/dev/null
    say "$out"
}

if command -v dpkg-deb >/dev/null; then
    deb
else
    say ".deb skipped: no dpkg-deb here (a Debian system has it)"
fi
windows_zip
