#!/bin/sh
# Ingest speed and memory: `warroom ingest` of an Iowa night (1,687 tallies)
# and of a national-scale night (175,000 tallies over a generated national
# precinct set), against sqlite3 `.import` of the same rows as CSV into a
# plain table, measured in the same run. Targets: ratio <= 3, national peak
# RSS <= 100 MB.
set -eu
. "$ROOT/bench/lib.sh"
W=$BENCH_WORK/ingest
mkdir -p "$W"
export WARROOM_NOW=2024-01-16T06:00:00Z

# The same rows as CSV, one column per schema field and candidate.
to_csv() { # ndjson csv
	jq -r '[.submission_id, .source, (.precinct // ""), (.county // ""),
	        (.precinct_name // ""), .reported_at, .reporter, (.device // ""),
	        (.votes | to_entries[] | .value), .total] | @csv' "$1" >"$2.body"
	{ echo "submission_id,source,precinct,county,precinct_name,reported_at,reporter,device,v1,v2,v3,v4,v5,v6,v7,total"
	  cat "$2.body"; } >"$2"
	rm -f "$2.body"
}

one() { # label fixtures night
	label=$1 fx=$2 night=$3
	n=$(wc -l <"$night")
	"$ROOT/warroom" init --db "$W/$label.db" --fixtures "$fx" >/dev/null
	measure ing "$ROOT/warroom" ingest --db "$W/$label.db" "$night"
	to_csv "$night" "$W/$label.csv"
	measure ref sqlite3 "$W/$label-ref.db" ".mode csv" ".import $W/$label.csv tallies"
	ratio=$(awk -v a="$ing_ms" -v b="$ref_ms" 'BEGIN { printf "%.2f", a / b }')
	rate=$(awk -v n="$n" -v ms="$ing_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
	row "ingest $label: wall ms ($n records)" "$ing_ms" "$ref_ms (.import)" "$ratio" "ratio <= 3" \
		"$(holds "$ratio <= 3")"
	row "ingest $label: records per second" "$rate" "-" "-" "-" "-"
	row "ingest $label: peak RSS MB" "$(awk -v k="$ing_kb" 'BEGIN { printf "%.1f", k / 1024 }')" \
		"-" "-" "<= 100 MB" "$(holds "$ing_kb <= 102400")"
}

one iowa "$ROOT/fixtures/iowa" "$ROOT/fixtures/iowa/nights/sample.ndjson"
echo "bench: generating the national precinct set" >&2
"$ROOT/build/tools/fixturegen" national --out "$W/national" --precincts 175000 >/dev/null
one national "$W/national" "$W/national/nights/sample.ndjson"
