#!/bin/sh
# The Iowa fixtures load through `warroom init`, the sample night ingests
# cleanly, status reports every precinct, and a second load changes nothing.
set -eu
: "${WARROOM:?}" "${ROOT:?}" "${WORK:?}"
fx=$ROOT/fixtures/iowa
db=$WORK/night.db
export WARROOM_NOW=2024-01-16T06:00:00Z
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }

"$WARROOM" init --db "$db" --fixtures "$fx" | tee "$WORK/init.out"
grep -q "1687 precincts" "$WORK/init.out" && ok "init loads 1,687 precincts" || bad "init output"
n=$(wc -l <"$fx/nights/sample.ndjson")
out=$("$WARROOM" ingest --db "$db" --json "$fx/nights/sample.ndjson")
[ "$(echo "$out" | jq .accepted)" = "$n" ] && ok "all $n sample tallies accepted" || bad "ingest: $out"
[ "$(echo "$out" | jq '.quarantined + .unmatched + .revised')" = 0 ] || bad "ingest: $out"

st=$("$WARROOM" status --db "$db" --json)
[ "$(echo "$st" | jq .precincts_total)" = 1687 ] && ok "status: 1,687 precincts" || bad "precincts_total"
[ "$(echo "$st" | jq .precincts_reported)" = "$n" ] && ok "status: $n reported" || bad "precincts_reported"
[ "$(echo "$st" | jq '.counties | length')" = 99 ] && ok "status: 99 counties" || bad "counties"
[ "$(echo "$st" | jq '[.counties[] | select(.precincts_reported != .precincts_total)] | length')" = 0 ] \
	&& ok "every county fully reported" || bad "county counts"
polk=$(echo "$st" | jq '.counties[] | select(.fips == "19153") | .precincts_total')
want=$(awk -F, '$2 == "19153"' "$fx/precincts.csv" | wc -l)
[ "$polk" = "$want" ] && ok "Polk has $want precincts" || bad "Polk: $polk vs $want"

# Reloading fixtures and re-ingesting leaves every tally as it was.
before=$(sqlite3 "$db" "SELECT count(*), sum(total) FROM submissions")
"$WARROOM" init --db "$db" --fixtures "$fx" >/dev/null
out=$("$WARROOM" ingest --db "$db" --json "$fx/nights/sample.ndjson")
[ "$(echo "$out" | jq .duplicate)" = "$n" ] && ok "rerun: all duplicates" || bad "rerun: $out"
[ "$(sqlite3 "$db" "SELECT count(*), sum(total) FROM submissions")" = "$before" ] \
	&& ok "rerun changed nothing" || bad "rerun changed the store"

# Standard input works the same as a file.
"$WARROOM" init --db "$WORK/stdin.db" --fixtures "$fx" >/dev/null
out=$(head -n 10 "$fx/nights/sample.ndjson" | "$WARROOM" ingest --db "$WORK/stdin.db" --json -)
[ "$(echo "$out" | jq .accepted)" = 10 ] && ok "stdin ingest" || bad "stdin: $out"

# Usage and unreadable input have their own exit codes.
set +e
"$WARROOM" ingest --db "$db" >/dev/null 2>&1; [ $? = 1 ] && ok "no input: exit 1" || bad "usage exit"
"$WARROOM" ingest --db "$db" "$WORK/missing.ndjson" >/dev/null 2>&1
[ $? = 2 ] && ok "missing file: exit 2" || bad "missing file exit"
"$WARROOM" ingest --db "$WORK/nodir/x.db" "$fx/nights/sample.ndjson" >/dev/null 2>&1
[ $? = 2 ] && ok "unwritable store: exit 2" || bad "unwritable store exit"
set -e
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] && ok "integrity_check" || bad "integrity"
exit $fail
