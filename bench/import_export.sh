#!/usr/bin/env bash
# Customer import/export benchmark of the release binary: generates a 100,000-row CSV of
# realistic Chinese companies (deterministic; every 200th row repeats the one before, so the
# in-file duplicate check has work), imports it with `salesdesk customers import --valid-only`
# into a fresh SQLite and a fresh PostgreSQL database holding the demo company, then exports all
# customers as CSV and XLSX. Reports wall time and peak RSS (GNU time's "Maximum resident set
# size") of each step as a Markdown table for BENCHMARKS.md.
#
#   bash bench/import_export.sh                  # both databases (PostgreSQL at 127.0.0.1:5432)
#   BENCH_DB=sqlite ROWS=20000 bash bench/import_export.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS="${ROWS:-100000}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
BENCH_DB="${BENCH_DB:-sqlite postgres}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install time" >&2; exit 1; }
cargo build --profile production -p salesdesk >&2   # the optimised build (Cargo.toml)
BIN="$CARGO_TARGET_DIR/production/salesdesk"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 - "$ROWS" "$WORK/customers.csv" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
cities = [("北京","北京"),("上海","上海"),("广东","广州"),("广东","深圳"),("浙江","杭州"),("江苏","南京"),
          ("江苏","苏州"),("四川","成都"),("湖北","武汉"),("陕西","西安"),("天津","天津"),("重庆","重庆"),
          ("山东","济南"),("山东","青岛"),("福建","厦门"),("福建","福州"),("湖南","长沙"),("河南","郑州"),
          ("辽宁","沈阳"),("辽宁","大连"),("安徽","合肥"),("江西","南昌"),("云南","昆明"),("广西","南宁"),
          ("河北","石家庄"),("山西","太原"),("吉林","长春"),("黑龙江","哈尔滨"),("贵州","贵阳"),("海南","海口")]
w1 = "华中恒信达宏泰鑫盛安康瑞丰源通博远嘉德汇金天正东方新创科力明浩卓越永兴联合润佳晨光海"
w2 = "科技网络软件电子数据智能信息医疗教育物流贸易实业能源材料建设环保传媒文化咨询餐饮"
w2 = [w2[i:i+2] for i in range(0, len(w2), 2)]
kinds = ["有限公司", "股份有限公司", "集团有限公司"]
industries = ["软件和信息技术服务业", "制造业", "批发和零售业", "教育", "卫生和社会工作", "金融业", "建筑业", "交通运输"]
sizes = ["1-49人", "50-199人", "200-999人", "1000人以上", ""]
types = ["企业", "政府机关", "事业单位", "教育机构", "", "Enterprise"]
sources = ["官网", "电话营销", "展会", "客户转介绍", "", "website"]
owners = ["north.am1", "north.am2", "north.rep", "张伟", ""]
total = len(cities) * len(w1) * len(w1) * len(w2)
with open(path, "w", encoding="utf-8-sig", newline="") as f:
    f.write("客户名称,简称,电话,省份,城市,地址,行业,企业规模,客户类型,客户来源,客户经理,背景\r\n")
    prev = None
    for i in range(rows):
        if i % 200 == 199 and prev:
            f.write(prev)
            continue
        k = (i * 7919) % total
        c, k = cities[k % len(cities)], k // len(cities)
        a, k = w1[k % len(w1)], k // len(w1)
        b, k = w1[k % len(w1)], k // len(w1)
        d = w2[k % len(w2)]
        short = a + b + d
        name = f"{c[1]}{short}{kinds[i % 3]}"
        line = (f"{name},{short},0{10 + i % 89}-{60000000 + i:08d},{c[0]},{c[1]},"
                f"\"{c[1]}市{a}{b}路{i % 999 + 1}号\",{industries[i % len(industries)]},"
                f"{sizes[i % len(sizes)]},{types[i % len(types)]},{sources[i % len(sources)]},"
                f"{owners[i % len(owners)]},\"客户背景说明，第 {i} 条\"\r\n")
        f.write(line)
        prev = line
PY
echo "generated $ROWS rows: $(du -h "$WORK/customers.csv" | cut -f1)" >&2

# Runs a command under GNU time; prints "seconds peak_MB".
measure() {
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || {
    cat "$WORK/err.txt" "$WORK/out.txt" >&2; return 1; }
  grep -h "rows checked\|import done" "$WORK/err.txt" "$WORK/out.txt" >&2 || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt" |
    awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$WORK/time.txt")
  echo "$wall $rss"
}

echo "| database | step | rows | wall time | peak RSS |"
echo "|---|---|---|---|---|"
for db in $BENCH_DB; do
  case $db in
    sqlite) url="sqlite://$WORK/bench.db" ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS salesdesk_io_bench WITH (FORCE)" >/dev/null
      psql "$PG_ADMIN" -qc "CREATE DATABASE salesdesk_io_bench ENCODING 'UTF8' TEMPLATE template0" >/dev/null
      url="${PG_ADMIN%/*}/salesdesk_io_bench" ;;
  esac
  "$BIN" --database-url "$url" demo >/dev/null
  read -r t m < <(measure "$BIN" --database-url "$url" customers import "$WORK/customers.csv" --as vp --valid-only)
  imported=$(grep -o '[0-9]* imported' "$WORK/out.txt" | cut -d' ' -f1)
  refused=$(grep -o '[0-9]* refused' "$WORK/out.txt" | cut -d' ' -f1)
  echo "| $db | import CSV ($refused duplicates refused) | $imported | ${t} s | ${m} MB |"
  read -r t m < <(measure "$BIN" --database-url "$url" customers export --as vp --out "$WORK/out.csv")
  echo "| $db | export CSV | $(($(wc -l <"$WORK/out.csv") - 1)) | ${t} s | ${m} MB |"
  read -r t m < <(measure "$BIN" --database-url "$url" customers export --as vp --format xlsx --out "$WORK/out.xlsx")
  echo "| $db | export XLSX ($(du -h "$WORK/out.xlsx" | cut -f1)) | $imported | ${t} s | ${m} MB |"
  if [ "$db" = postgres ]; then
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS salesdesk_io_bench WITH (FORCE)" >/dev/null
  fi
done
