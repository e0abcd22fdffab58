#!/bin/sh
# The feed puller: `warroom pull` of the Iowa sample night served as a feed
# (pages of 100 submissions) by nginx on 127.0.0.1 and from file://,
# against `warroom ingest` of the same records as NDJSON, measured in the
# same run (ratio target <= 1.5: the feed adds fetching and re-encoding,
# not a second pass over the store); and the CPU a --follow puller uses
# over 10 s polling an unchanged open page every 0.25 s (304s; target
# <= 1% of one core, the value over the target in the ratio column).
set -eu
. "$ROOT/bench/lib.sh"
. "$ROOT/tests/integration/lib/nginx.sh"
W=$BENCH_WORK/feed
mkdir -p "$W"
export WARROOM_NOW=2024-01-16T06:00:00Z
WR=$ROOT/warroom
night=$ROOT/fixtures/iowa/nights/sample.ndjson
n=$(grep -c . "$night")
trap 'nginx_stop' EXIT
trap 'exit 1' HUP INT TERM PIPE
nginx_start "$W/nginx" "bench.$$" >/dev/null

# pages NDJSON DIR: the records as a chain of pages of 100, the last open.
pages() {
	python3 - "$1" "$2" <<'PY'
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
chunks = [recs[i:i + 100] for i in range(0, len(recs), 100)]
for i, c in enumerate(chunks, 1):
    nxt = "page-%06d.json" % (i + 1) if i < len(chunks) else None
    with open(os.path.join(out, "page-%06d.json" % i), "w") as f:
        json.dump({"feed": "warroom-feed/1", "page": i, "submissions": c, "next": nxt}, f)
PY
}
pages "$night" "$NGINX_ROOT/feed"

fresh() { rm -f "$W/$1"*; "$WR" init --db "$W/$1" --fixtures "$ROOT/fixtures/iowa" >/dev/null; }
best() { awk -v a="$1" -v b="${2:-1e18}" 'BEGIN { print (a < b) ? a : b }'; }
ref="" http="" file=""
for i in 1 2 3; do
	fresh ing.db
	measure _r "$WR" ingest --db "$W/ing.db" "$night"
	fresh http.db
	measure _h "$WR" pull --db "$W/http.db" "${NGINX_URL}feed/page-000001.json"
	fresh file.db
	measure _f "$WR" pull --db "$W/file.db" "file://$NGINX_ROOT/feed/page-000001.json"
	ref=$(best "$_r_ms" "$ref") http=$(best "$_h_ms" "$http") file=$(best "$_f_ms" "$file")
done
for db in http.db file.db; do
	got=$(sqlite3 "$W/$db" "SELECT count(*) FROM submissions")
	want=$(sqlite3 "$W/ing.db" "SELECT count(*) FROM submissions")
	[ "$got" = "$want" ] || echo "bench: $db holds $got tallies, ingest $want" >&2
done
for kind in http file; do
	eval "v=\$$kind"
	ratio=$(awk -v a="$v" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
	row "pull $kind feed: wall ms ($n records, pages of 100)" "$v" "$ref (ingest)" "$ratio" \
		"ratio <= 1.5" "$(holds "$ratio <= 1.5")"
done

# Idle: the feed read to its end, then 10 s of polls that find nothing new.
"$ROOT/build/tools/measure" timeout -s TERM 10 "$WR" pull --db "$W/http.db" --follow \
	--poll 0.25 "${NGINX_URL}feed/page-000001.json" 2>"$W/idle.out" >/dev/null || :
cpu=$(sed -n 's/.*cpu_ms=\([0-9.]*\).*/\1/p' "$W/idle.out" | tail -n 1)
polls=$(grep -c '" 304 ' "$NGINX_DIR/logs/access.log" || :)
pct=$(awk -v c="${cpu:-0}" 'BEGIN { printf "%.2f", c / 10000 * 100 }')
row "pull --follow idle: CPU % over 10 s ($polls 304 replies)" "$pct" "-" \
	"$(awk -v p="$pct" 'BEGIN { printf "%.2f", p / 1 }')" "<= 1%" "$(holds "$pct <= 1")"
