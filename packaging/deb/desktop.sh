#!/bin/sh
# The start-menu entry: the county in ~/年报 (made with the sample on first start), rolled up
# into ~/年报/outputs, the overview page opened; the terminal stays until Enter.
dir="${NIANBAO_HOME:-$HOME/年报}"
share=$(dirname "$0")   # /usr/share/nianbao
pause() {
    echo
    printf '按回车键关闭此窗口。'
    read -r _ || true
}
if [ ! -e "$dir" ]; then
    mkdir -p "$dir" && cp -r "$share/sample/inputs" "$share/sample/config" "$dir/" \
        && cp "$share/空白模板.xlsx" "$dir/" \
        && echo "已建立文件夹 $dir，放入了一个模拟县的示例。"
fi
if [ ! -d "$dir/inputs" ] || [ ! -f "$dir/config/units.csv" ]; then
    echo "nianbao 需要 $dir/inputs（各单位报送的文件）和 $dir/config/units.csv（单位名册）。"
    pause
    exit 2
fi
prior=$(ls "$dir"/config/normalized-[0-9][0-9][0-9][0-9].csv 2>/dev/null | sort | tail -n 1)
echo "读取 $dir/inputs"
[ -n "$prior" ] && echo "上年数据 $prior"
if nianbao run --inputs "$dir/inputs" --config "$dir/config" --out "$dir/outputs" \
    ${prior:+--prior "$prior"}; then
    page="$dir/outputs/reports/index.html"
    echo "正在打开总览页 $page"
    xdg-open "$page" >/dev/null 2>&1 || echo "无法自动打开总览页，请手动打开上面的文件。"
    pause
else
    pause
    exit 2
fi
